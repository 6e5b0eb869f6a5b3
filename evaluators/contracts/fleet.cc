#include "evaluators/contracts/fleet.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include <date/date.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_json_documents.h"
#include "engine/cel/bindings/yaml_limits.h"
#include "engine/cel/cel.h"
#include "engine/common/digest.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::contracts {
namespace {

using facts::FactDef;
using facts::FactOrigin;
using facts::SubjectKind;

std::string Rfc3339(int64_t micros) {
  const date::sys_time<std::chrono::microseconds> at{std::chrono::microseconds(micros)};
  return date::format("%FT%TZ", at);
}

// ---- the inventory --------------------------------------------------------

void AddInventoryDocument(nlohmann::json document, const std::string& path, int line,
                          subjects::SubjectSet* subjects, std::vector<std::string>* errors) {
  if (!document.is_object()) {
    errors->push_back(fmt::format("{}:{}: an inventory record must be a map with at least 'id'", path, line));
    return;
  }
  if (!document.contains("kind")) document["kind"] = "device";
  if (document["kind"] != "device") {
    errors->push_back(fmt::format("{}:{}: an inventory record describes a device ('kind: device' or no kind)", path,
                                  line));
    return;
  }
  auto id = document.find("id");
  if (id == document.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    errors->push_back(fmt::format("{}:{}: a device needs a non-empty string 'id'", path, line));
    return;
  }
  subjects->AddDocument(std::move(document), {path, line});
}

std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

// CSV: a header naming the fields (id required); `labels` as k=v;k=v.
void LoadCsvInventory(const std::string& path, const std::string& content, subjects::SubjectSet* subjects,
                      std::vector<std::string>* errors) {
  std::istringstream in(content);
  std::string line;
  std::vector<std::string> header;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line == "\r") continue;
    std::vector<std::string> fields = SplitCsvLine(line);
    if (header.empty()) {
      header = std::move(fields);
      if (std::find(header.begin(), header.end(), "id") == header.end()) {
        errors->push_back(fmt::format("{}:{}: the CSV inventory's header needs an 'id' column", path, number));
        return;
      }
      continue;
    }
    if (fields.size() != header.size()) {
      errors->push_back(fmt::format("{}:{}: {} fields, the header has {}; quote values that contain commas", path,
                                    number, fields.size(), header.size()));
      continue;
    }
    nlohmann::json document = nlohmann::json::object();
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == "labels") {
        nlohmann::json labels = nlohmann::json::object();
        std::string_view rest = fields[i];
        while (!rest.empty()) {
          const size_t end = rest.find(';');
          const std::string_view pair = rest.substr(0, end);
          const size_t equals = pair.find('=');
          if (equals != std::string_view::npos) {
            labels[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
          }
          rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        }
        document["labels"] = std::move(labels);
      } else if (!fields[i].empty()) {
        document[header[i]] = fields[i];
      }
    }
    AddInventoryDocument(std::move(document), path, number, subjects, errors);
  }
}

void LoadStructuredInventory(const std::string& path, const std::string& content, subjects::SubjectSet* subjects,
                             std::vector<std::string>* errors) {
  if (path.ends_with(".json")) {
    nlohmann::json document = nlohmann::json::parse(content, nullptr, false);
    if (document.is_discarded()) {
      errors->push_back(fmt::format("{}: not valid JSON; check the syntax", path));
      return;
    }
    if (document.is_object() && document.contains("devices")) document = document["devices"];
    if (document.is_array()) {
      for (nlohmann::json& item : document) AddInventoryDocument(std::move(item), path, 1, subjects, errors);
    } else {
      AddInventoryDocument(std::move(document), path, 1, subjects, errors);
    }
    return;
  }
  if (std::optional<std::pair<int, int>> nul = cel::FindNulByte(content)) {
    errors->push_back(fmt::format("{}:{}:{}: a NUL byte is not allowed in YAML; save the inventory as UTF-8 text",
                                  path, nul->first, nul->second));
    return;
  }
  if (std::optional<std::pair<int, int>> comma = cel::FindLeadingComma(content)) {
    errors->push_back(fmt::format("{}:{}:{}: YAML syntax error: a line cannot start with ',' at the start of a document or after a "
                                  "top-level list item", path,
                                  comma->first, comma->second));
    return;
  }
  if (std::optional<std::vector<cel::YamlJsonDocument>> fast = cel::FastYamlDocumentsToJson(content)) {
    for (cel::YamlJsonDocument& document : *fast) {
      if (document.value.is_null()) continue;
      if (!document.value.is_array()) {
        AddInventoryDocument(std::move(document.value), path, document.line, subjects, errors);
        continue;
      }
      for (size_t i = 0; i < document.value.size(); ++i) {
        AddInventoryDocument(std::move(document.value[i]), path, document.item_lines[i], subjects, errors);
      }
    }
    return;
  }
  std::vector<YAML::Node> documents;
  try {
    documents = cel::LoadYamlDocuments(content);
  } catch (const YAML::Exception& e) {
    errors->push_back(fmt::format("{}:{}: YAML syntax error: {}", path, e.mark.is_null() ? 1 : e.mark.line + 1,
                                  e.msg));
    return;
  }
  for (const YAML::Node& node : documents) {
    if (node.IsNull()) continue;
    std::vector<YAML::Node> items;
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) items.push_back(item);
    } else {
      items.push_back(node);
    }
    for (const YAML::Node& item : items) {
      nlohmann::json document;
      std::string error;
      if (!cel::YamlNodeToJson(item, &document, &error)) {
        errors->push_back(fmt::format("{}:{}: {}", path, item.Mark().line + 1, error));
        continue;
      }
      AddInventoryDocument(std::move(document), path, item.Mark().line + 1, subjects, errors);
    }
  }
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- contract binding -------------------------------------------------------

struct CompiledContract {
  const DataContract* contract = nullptr;
  std::unique_ptr<cel::Program> devices;  // null: every device
  std::shared_ptr<const Fleet::ContractFacts> facts;  // shared by the streams bound to it
};

// The SHA-256 of a file, read in chunks (a fleet's store can hold gigabytes,
// which must not be read into memory to be hashed) on a thread of its own:
// the store is most of the bytes an audit reads, and hashing it took a second
// per 1.5 GB on the loading path. Destroying an unfinished digest stops the
// reading.
class BackgroundFileDigest {
 public:
  explicit BackgroundFileDigest(std::string path)
      : path_(std::move(path)), thread_([this] { digest_ = Compute(); }) {}
  ~BackgroundFileDigest() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  BackgroundFileDigest(const BackgroundFileDigest&) = delete;
  BackgroundFileDigest& operator=(const BackgroundFileDigest&) = delete;

  // Waits for the digest; nullopt when the file cannot be read.
  std::optional<std::string> Get() {
    if (thread_.joinable()) thread_.join();
    return digest_;
  }

 private:
  std::optional<std::string> Compute() const {
    std::ifstream file(path_, std::ios::binary);
    if (!file) return std::nullopt;
    common::Sha256Stream digest;
    std::vector<char> chunk(1 << 20);
    while (file && !stop_) {
      file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      digest.Update(std::string_view(chunk.data(), static_cast<size_t>(file.gcount())));
    }
    if (file.bad() || stop_) return std::nullopt;
    return digest.FinishHex();
  }

  const std::string path_;
  std::atomic<bool> stop_ = false;
  std::optional<std::string> digest_;
  std::thread thread_;  // last: it starts once the members it uses exist
};

// The last series a thread read, named by its fleet and stream.
struct LastSeriesRead {
  uint64_t fleet_serial = 0;
  int64_t stream_id = 0;
  std::shared_ptr<const Series> series;
};

LastSeriesRead& ThreadLastSeries() {
  thread_local LastSeriesRead last;
  return last;
}

std::atomic<uint64_t> next_fleet_serial{1};

// Each thread's read connection, for the fleet that last read on the thread:
// SQLite connections are not shared across threads, and each worker decodes
// its own streams. The connection holds one read snapshot of the store for
// the fleet's run, so a later fleet (a later run in the same process, which
// may see a store written since) opens its own.
TelemetryStore* ThreadStore(uint64_t fleet_serial, const std::string& path, std::string* error) {
  struct Connection {
    uint64_t fleet_serial = 0;
    std::unique_ptr<TelemetryStore> store;
  };
  thread_local Connection connection;
  if (connection.store && connection.fleet_serial == fleet_serial) return connection.store.get();
  connection.store.reset();
  connection.store = TelemetryStore::Open(path, TelemetryStore::Mode::kReadOnly, error);
  if (connection.store && !connection.store->HoldReadSnapshot(error)) connection.store.reset();
  connection.fleet_serial = fleet_serial;
  return connection.store.get();
}

nlohmann::json FactValue(const StreamFactInfo& info, const StreamMetrics& metrics) {
  if (info.double_member != nullptr) {
    const OptionalDouble value = metrics.*(info.double_member);
    if (!value) return nullptr;
    return *value;
  }
  const OptionalInt64 value = metrics.*(info.int_member);
  if (!value) return nullptr;
  if (info.type == StreamFactType::kTimestamp) return Rfc3339(*value);
  return *value;
}

class StreamProvider : public subjects::FactProvider {
 public:
  explicit StreamProvider(const Fleet* fleet) : fleet_(fleet) {}
  subjects::ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    std::string error;
    std::shared_ptr<const StreamMetrics> metrics = fleet_->MetricsOf(subject, &error);
    if (!metrics) {
      return error.empty() ? subjects::ComputedFact::Missing() : subjects::ComputedFact::Error(error);
    }
    for (const StreamFactInfo& info : StreamFacts()) {
      if (info.name != fact) continue;
      nlohmann::json value = FactValue(info, *metrics);
      if (value.is_null()) return subjects::ComputedFact::Missing();
      return subjects::ComputedFact::Of(std::move(value));
    }
    return subjects::ComputedFact::Missing();
  }

 private:
  const Fleet* fleet_;
};

// A stream's `contract.*` and `lineage.*` facts, from the contract it is
// bound to. The groups themselves give no value: their facts are read one by
// one, so evidence names each fact a rule read.
class ContractProvider : public subjects::FactProvider {
 public:
  explicit ContractProvider(const Fleet* fleet) : fleet_(fleet) {}
  subjects::ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    const Fleet::ContractFacts* facts = fleet_->ContractFactsOf(subject);
    const size_t dot = fact.find('.');
    if (facts == nullptr || dot == std::string_view::npos) return subjects::ComputedFact::Missing();
    const nlohmann::json& group = fact.substr(0, dot) == "contract" ? facts->contract : facts->lineage;
    auto field = group.find(fact.substr(dot + 1));
    if (field == group.end()) return subjects::ComputedFact::Missing();
    return subjects::ComputedFact::Of(*field);
  }

 private:
  const Fleet* fleet_;
};

class DeviceProvider : public subjects::FactProvider {
 public:
  explicit DeviceProvider(const Fleet* fleet) : fleet_(fleet) {}
  subjects::ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    std::vector<StreamMetrics> all;
    for (const subjects::Subject* stream : fleet_->StreamsOf(subject.id)) {
      std::string error;
      std::shared_ptr<const StreamMetrics> metrics = fleet_->MetricsOf(*stream, &error);
      if (!metrics && !error.empty()) return subjects::ComputedFact::Error(error);
      if (metrics) all.push_back(*metrics);
    }
    const std::vector<const subjects::Subject*> streams = fleet_->StreamsOf(subject.id);
    DeviceTelemetry telemetry = RollUpDevice(all);
    telemetry.streams = static_cast<int64_t>(streams.size());
    if (fact == "telemetry.streams") return subjects::ComputedFact::Of(telemetry.streams);
    if (fact == "telemetry.worst_missing_ratio" && telemetry.worst_missing_ratio) {
      return subjects::ComputedFact::Of(*telemetry.worst_missing_ratio);
    }
    if (fact == "telemetry.last_seen" && telemetry.last_seen_us) {
      return subjects::ComputedFact::Of(Rfc3339(*telemetry.last_seen_us));
    }
    return subjects::ComputedFact::Missing();
  }

 private:
  const Fleet* fleet_;
};

}  // namespace

struct Fleet::Cache {
  struct Entry {
    std::once_flag once;
    std::shared_ptr<const StreamMetrics> metrics;
    std::string error;
  };
  std::deque<Entry> entries;  // one per stream, fixed after Load
};

void RegisterContractFacts(facts::FactSchema& schema) {
  auto add = [&](SubjectKind kind, std::string name, cel::Type type, std::string unit, std::string description,
                 FactOrigin origin) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.unit = std::move(unit);
    def.description = std::move(description);
    def.origin = origin;
    schema.Add(kind, std::move(def));
  };
  for (const StreamFactInfo& info : StreamFacts()) {
    cel::Type type = info.type == StreamFactType::kInt      ? cel::Type::Int()
                     : info.type == StreamFactType::kDouble ? cel::Type::Double()
                                                            : cel::Type::Timestamp();
    add(SubjectKind::kStream, std::string(info.name), type, std::string(info.unit), std::string(info.description),
        FactOrigin::kComputed);
  }
  const SubjectKind s = SubjectKind::kStream;
  add(s, "contract.id", cel::Type::String(), "", "Id of the data contract that covers the stream (\"\" when none).",
      FactOrigin::kInput);
  add(s, "contract.name", cel::Type::String(), "", "Name of the stream's data contract.", FactOrigin::kInput);
  add(s, "contract.version", cel::Type::String(), "", "Version of the stream's data contract.", FactOrigin::kInput);
  add(s, "contract.status", cel::Type::String(), "", "Status of the contract (ODCS: proposed, active, ...).",
      FactOrigin::kInput);
  add(s, "contract.owner", cel::Type::String(), "", "Owner of the stream's data contract.", FactOrigin::kInput);
  add(s, "lineage.upstream", cel::Type::List(cel::Type::String()), "", "Where the stream's data comes from.",
      FactOrigin::kInput);
  add(s, "lineage.owner", cel::Type::String(), "", "Team accountable for the data (the contract's owner).",
      FactOrigin::kInput);
  add(s, "lineage.version", cel::Type::String(), "", "Contract version the data is produced under.",
      FactOrigin::kInput);
  const SubjectKind d = SubjectKind::kDevice;
  add(d, "telemetry.streams", cel::Type::Int(), "", "Number of the device's streams in the telemetry store.",
      FactOrigin::kComputed);
  add(d, "telemetry.worst_missing_ratio", cel::Type::Double(), "ratio",
      "Largest missing ratio among the device's streams in the window.", FactOrigin::kComputed);
  add(d, "telemetry.last_seen", cel::Type::Timestamp(), "", "Time of the newest sample of any of the device's streams.",
      FactOrigin::kComputed);
}

std::optional<Window> ParseWindow(std::string_view text, int64_t now_us, std::string* error) {
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    auto parse = [](std::string_view value) -> std::optional<int64_t> {
      std::istringstream in{std::string(value)};
      date::sys_time<std::chrono::microseconds> at;
      in >> date::parse("%FT%T%Ez", at);
      if (in.fail()) {
        in.clear();
        in.str(std::string(value));
        in >> date::parse("%FT%TZ", at);
      }
      if (in.fail()) return std::nullopt;
      return at.time_since_epoch().count();
    };
    std::optional<int64_t> from = parse(text.substr(0, slash));
    std::optional<int64_t> to = parse(text.substr(slash + 1));
    if (!from || !to || *from >= *to) {
      *error = fmt::format("--window {}: give FROM/TO as RFC 3339 times with FROM before TO "
                           "(2025-06-01T00:00:00Z/2025-06-02T00:00:00Z), or a duration before --at (24h, 7d)", text);
      return std::nullopt;
    }
    return Window{*from, *to};
  }
  double amount = 0;
  const auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), amount);
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  const double seconds = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (parse_error != std::errc() || seconds == 0 || !(amount > 0)) {
    *error = fmt::format("--window {}: give a duration before --at such as 90m, 24h or 7d, or FROM/TO", text);
    return std::nullopt;
  }
  return Window{now_us - static_cast<int64_t>(amount * seconds * 1e6), now_us};
}

std::shared_ptr<Fleet> Fleet::Load(const FleetOptions& options, const ContractSet& contracts,
                                   subjects::SubjectSet* subjects, std::vector<std::string>* errors) {
  auto fleet = std::make_shared<Fleet>();
  fleet->options_ = options;
  fleet->cache_ = std::make_shared<Cache>();
  fleet->serial_ = next_fleet_serial.fetch_add(1, std::memory_order_relaxed);
  fleet->subjects_ = subjects;
  std::shared_ptr<BackgroundFileDigest> store_digest;
  if (!options.store_path.empty()) store_digest = std::make_shared<BackgroundFileDigest>(options.store_path);
  if (!options.inventory_path.empty()) {
    std::optional<std::string> content = ReadWholeFile(options.inventory_path);
    if (!content) {
      errors->push_back(fmt::format("{}: cannot read the inventory; check --inventory", options.inventory_path));
      return nullptr;
    }
    const size_t before = errors->size();
    if (options.inventory_path.ends_with(".csv")) {
      LoadCsvInventory(options.inventory_path, *content, subjects, errors);
    } else {
      LoadStructuredInventory(options.inventory_path, *content, subjects, errors);
    }
    if (errors->size() > before) return nullptr;
    subjects->RecordInput({options.inventory_path, common::Sha256Hex(*content), 0});
    subjects->Finish();
  }
  if (options.store_path.empty()) return fleet;

  std::string error;
  std::unique_ptr<TelemetryStore> store =
      TelemetryStore::Open(options.store_path, TelemetryStore::Mode::kReadOnly, &error);
  std::vector<StreamInfo> streams;
  if (!store || !store->ListStreams(&streams, &error)) {
    errors->push_back(error);
    return nullptr;
  }
  store.reset();
  // Waited for when the run's inputs are read, at its end: the hashing
  // overlaps the rest of the loading.
  subjects->RecordInput(options.store_path, static_cast<int64_t>(streams.size()),
                        [store_digest] { return store_digest->Get(); });

  // Contracts, in id order, with their device selectors compiled.
  std::vector<CompiledContract> compiled;
  cel::Environment environment = cel::Environment::Standard();
  environment.DeclareVariable("device", cel::Type::Dyn());
  environment.DeclareVariable("now", cel::Type::Timestamp());
  for (const DataContract& contract : contracts.contracts) {
    CompiledContract entry;
    entry.contract = &contract;
    entry.facts = std::make_shared<const ContractFacts>(ContractFacts{
        nlohmann::json::object({{"id", contract.id},
                                {"name", contract.name},
                                {"version", contract.version},
                                {"status", contract.status},
                                {"owner", contract.owner}}),
        nlohmann::json::object(
            {{"upstream", contract.upstream}, {"owner", contract.owner}, {"version", contract.version}})});
    if (!contract.devices.empty()) {
      cel::Source source(contract.devices, contract.location.file);
      cel::CompileResult result = cel::Compile(environment, source);
      if (!result.ok()) {
        errors->push_back(fmt::format("{}:{}: contract {}: the 'devices' selector does not compile: {}",
                                      contract.location.file, contract.location.line, contract.id,
                                      cel::FormatDiagnostics(source, result.diagnostics)));
        continue;
      }
      entry.devices = std::move(result.program);
    }
    compiled.push_back(std::move(entry));
  }
  std::sort(compiled.begin(), compiled.end(),
            [](const CompiledContract& a, const CompiledContract& b) { return a.contract->id < b.contract->id; });

  const auto no_contract = std::make_shared<const ContractFacts>(
      ContractFacts{nlohmann::json::object({{"id", ""}}), nlohmann::json::object()});
  const auto no_expectations = std::make_shared<const StreamExpectations>();
  // By contract and sensor; the names are views of `streams`, which outlives the map.
  std::map<std::pair<const CompiledContract*, std::string_view>, std::shared_ptr<const StreamExpectations>>
      expectations_of;
  std::optional<cel::Value> selector_device;
  std::string selector_device_id;
  nlohmann::json unlisted_device;  // a device the inventory lacks, as selectors see it
  for (const StreamInfo& info : streams) {
    const std::string subject_id = info.key.device_id + "/" + info.key.sensor;
    // The device as the contracts' selectors see it, made once per device
    // (the store lists a device's streams together).
    if (!selector_device || selector_device_id != info.key.device_id) {
      const subjects::Subject* device = subjects->Find(SubjectKind::kDevice, info.key.device_id);
      if (device == nullptr) unlisted_device = {{"kind", "device"}, {"id", info.key.device_id}};
      selector_device = cel::JsonValue(device != nullptr ? device->document : unlisted_device);  // borrowed
      selector_device_id = info.key.device_id;
    }
    const CompiledContract* bound = nullptr;
    for (const CompiledContract& candidate : compiled) {
      if (candidate.contract->FindSensor(info.key.sensor) == nullptr) continue;
      if (candidate.devices) {
        cel::MapActivation activation;
        activation.Bind("device", *selector_device);
        const cel::Value verdict = candidate.devices->Evaluate(activation);
        if (!verdict.IsBool()) {
          errors->push_back(fmt::format("{}:{}: contract {}: the 'devices' selector gives no true/false for device "
                                        "{}{}; guard fields with has()",
                                        candidate.contract->location.file, candidate.contract->location.line,
                                        candidate.contract->id, info.key.device_id,
                                        verdict.IsError() ? " (" + verdict.ErrorMessage() + ")" : ""));
          continue;
        }
        if (!verdict.GetBool()) continue;
      }
      bound = &candidate;
      break;
    }
    nlohmann::json document = nlohmann::json::object();
    document["kind"] = "stream";
    document["id"] = subject_id;
    document["device"] = info.key.device_id;
    document["sensor"] = info.key.sensor;
    BoundStream binding;
    binding.stream_id = info.stream_id;
    if (bound != nullptr) {
      binding.contract = bound->facts;
      std::shared_ptr<const StreamExpectations>& shared = expectations_of[{bound, info.key.sensor}];
      if (!shared) {
        auto expectations = std::make_shared<StreamExpectations>();
        const TimeSeriesSpec spec = bound->contract->ExpectationsFor(info.key.sensor);
        expectations->nominal_rate_hz = spec.nominal_rate_hz;
        expectations->max_gap_s = spec.max_gap_s;
        if (spec.sentinels) expectations->sentinels = *spec.sentinels;
        if (const SensorSpec* sensor = bound->contract->FindSensor(info.key.sensor)) {
          expectations->minimum = sensor->minimum;
          expectations->maximum = sensor->maximum;
        }
        shared = std::move(expectations);
      }
      binding.expectations = shared;
    } else {
      binding.contract = no_contract;
      binding.expectations = no_expectations;
    }
    subjects->AddDocument(std::move(document), {options.store_path, 0});
    binding.metrics_slot = fleet->cache_->entries.size();
    fleet->cache_->entries.emplace_back();
    auto bound_stream = fleet->streams_.emplace(subject_id, std::move(binding)).first;
    fleet->device_streams_[info.key.device_id].push_back(&bound_stream->first);
  }
  subjects->Finish();
  return fleet;
}

void Fleet::RegisterProviders(subjects::FactProviderRegistry* registry) const {
  auto stream = std::make_shared<StreamProvider>(this);
  registry->Register(SubjectKind::kStream, "quality", stream);
  registry->Register(SubjectKind::kStream, "stats", stream);
  auto contract = std::make_shared<ContractProvider>(this);
  registry->Register(SubjectKind::kStream, "contract", contract);
  registry->Register(SubjectKind::kStream, "lineage", contract);
  registry->Register(SubjectKind::kDevice, "telemetry", std::make_shared<DeviceProvider>(this));
}

std::shared_ptr<const StreamMetrics> Fleet::MetricsOf(const subjects::Subject& stream, std::string* error) const {
  auto binding = streams_.find(stream.id);
  if (binding == streams_.end()) return nullptr;  // not from the store
  Cache::Entry& cached = cache_->entries[binding->second.metrics_slot];
  std::call_once(cached.once, [&]() {
    std::shared_ptr<const Series> series = ReadSeries(binding->second.stream_id, &cached.error);
    if (!series) return;
    cached.metrics = std::make_shared<const StreamMetrics>(
        ComputeStreamMetrics(*series, options_.window, *binding->second.expectations, options_.now_us));
  });
  if (!cached.error.empty()) *error = cached.error;
  return cached.metrics;
}

std::vector<const subjects::Subject*> Fleet::StreamsOf(std::string_view device_id) const {
  std::vector<const subjects::Subject*> streams;
  auto it = device_streams_.find(device_id);
  if (it == device_streams_.end() || subjects_ == nullptr) return streams;
  for (const std::string* id : it->second) {
    if (const subjects::Subject* subject = subjects_->Find(SubjectKind::kStream, *id)) streams.push_back(subject);
  }
  return streams;
}

std::vector<const subjects::Subject*> Fleet::Streams() const {
  std::vector<const subjects::Subject*> streams;
  if (subjects_ == nullptr) return streams;
  for (const auto& [id, binding] : streams_) {
    if (const subjects::Subject* subject = subjects_->Find(SubjectKind::kStream, id)) streams.push_back(subject);
  }
  return streams;
}

const subjects::Subject* Fleet::DeviceOf(const subjects::Subject& stream) const {
  if (subjects_ == nullptr) return nullptr;
  auto device = stream.document.find("device");
  if (device == stream.document.end() || !device->is_string()) return nullptr;
  return subjects_->Find(SubjectKind::kDevice, device->get<std::string>());
}

std::shared_ptr<const Series> Fleet::SeriesOf(const subjects::Subject& stream, std::string* error) const {
  auto binding = streams_.find(stream.id);
  if (binding == streams_.end()) return std::make_shared<const Series>();
  return ReadSeries(binding->second.stream_id, error);
}

std::shared_ptr<const Series> Fleet::ReadSeries(int64_t stream_id, std::string* error) const {
  LastSeriesRead& last = ThreadLastSeries();
  if (last.series && last.fleet_serial == serial_ && last.stream_id == stream_id) return last.series;
  TelemetryStore* store = ThreadStore(serial_, options_.store_path, error);
  if (store == nullptr) return nullptr;
  auto series = std::make_shared<Series>();
  if (!store->ReadSeries(stream_id, options_.window.from_us, options_.window.to_us, series.get(), error)) {
    return nullptr;
  }
  last = {serial_, stream_id, series};
  return series;
}

const Fleet::ContractFacts* Fleet::ContractFactsOf(const subjects::Subject& stream) const {
  auto binding = streams_.find(stream.id);
  return binding == streams_.end() ? nullptr : binding->second.contract.get();
}

const StreamExpectations* Fleet::ExpectationsOf(const subjects::Subject& stream) const {
  auto binding = streams_.find(stream.id);
  return binding == streams_.end() ? nullptr : binding->second.expectations.get();
}

}  // namespace stagegate::contracts
