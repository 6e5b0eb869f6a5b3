#include "reports/export_internal.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "engine/common/uuid.h"

namespace stagegate::reports::exports {
namespace {

using Json = nlohmann::json;

bool IsHex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return !text.empty();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads typed members out of the record, remembering the first problem with
// the path of the field ("result.inputs[1].sha256"). Once a problem is found
// every further read returns an empty value, so callers check ok() once.
class Reader {
 public:
  explicit Reader(std::string* error) : error_(error) {}

  bool ok() const { return ok_; }

  void Fail(const std::string& path, std::string_view problem) {
    if (!ok_) return;
    ok_ = false;
    if (error_ != nullptr) *error_ = fmt::format("run record: {}: {}", path, problem);
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // Returns the member `key` of `object`; nullptr when absent (a failure if
  // `required`).
  const Json* Member(const Json& object, std::string_view key, const std::string& path, bool required) {
    if (!ok_) return nullptr;
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) Fail(Join(path, key), "missing");
      return nullptr;
    }
    return &*it;
  }

  std::string String(const Json& object, std::string_view key, const std::string& path, bool required = true) {
    const Json* value = Member(object, key, path, required);
    if (value == nullptr) return "";
    if (!value->is_string()) {
      Fail(Join(path, key), "expected a string");
      return "";
    }
    return value->get<std::string>();
  }

  bool Bool(const Json& object, std::string_view key, const std::string& path) {
    const Json* value = Member(object, key, path, true);
    if (value == nullptr) return false;
    if (!value->is_boolean()) {
      Fail(Join(path, key), "expected true or false");
      return false;
    }
    return value->get<bool>();
  }

  int64_t Integer(const Json& object, std::string_view key, const std::string& path) {
    const Json* value = Member(object, key, path, true);
    if (value == nullptr) return 0;
    if (!value->is_number_integer()) {
      Fail(Join(path, key), "expected an integer");
      return 0;
    }
    return value->get<int64_t>();
  }

  const Json* Object(const Json& object, std::string_view key, const std::string& path, bool required = true) {
    const Json* value = Member(object, key, path, required);
    if (value != nullptr && !value->is_object()) {
      Fail(Join(path, key), "expected an object");
      return nullptr;
    }
    return value;
  }

  const Json* Array(const Json& object, std::string_view key, const std::string& path, bool required = true) {
    const Json* value = Member(object, key, path, required);
    if (value != nullptr && !value->is_array()) {
      Fail(Join(path, key), "expected an array");
      return nullptr;
    }
    return value;
  }

  // Checks that every element of `array` (at `path`) is an object.
  bool Objects(const Json& array, const std::string& path) {
    for (size_t i = 0; ok_ && i < array.size(); ++i) {
      if (!array[i].is_object()) Fail(fmt::format("{}[{}]", path, i), "expected an object");
    }
    return ok_;
  }

  std::string Time(const Json& object, std::string_view key, const std::string& path) {
    std::string text = String(object, key, path);
    if (ok_ && !IsDateTime(text)) {
      Fail(Join(path, key), fmt::format("\"{}\" is not an RFC 3339 date-time with a time zone", text));
    }
    return text;
  }

  // A hex digest of `length` digits (any of `lengths`), or "" when `optional`
  // and empty; returned in lowercase.
  std::string Digest(const Json& object, std::string_view key, const std::string& path,
                     std::initializer_list<size_t> lengths, bool optional) {
    std::string text = String(object, key, path);
    if (!ok_ || (optional && text.empty())) return text;
    bool length_ok = false;
    for (size_t length : lengths) length_ok = length_ok || text.size() == length;
    if (!length_ok || !IsHex(text)) Fail(Join(path, key), fmt::format("\"{}\" is not a hex digest", text));
    return Lower(text);
  }

 private:
  std::string* error_;
  bool ok_ = true;
};

constexpr std::array<std::string_view, 6> kOutcomes = {"pass",  "fail",   "not_evaluable",
                                                       "error", "waived", "not_applicable"};

void ReadSource(Reader& r, const Json& result, PolicySourceView* source) {
  const Json* json = r.Object(result, "policy_source", "result");
  if (json == nullptr) return;
  const std::string path = "result.policy_source";
  source->kind = r.String(*json, "kind", path);
  source->location = r.String(*json, "location", path);
  source->ref = r.String(*json, "ref", path);
  source->commit = r.Digest(*json, "commit", path, {40, 64}, true);
  source->tree = r.Digest(*json, "tree", path, {40, 64}, true);
  source->in_git = r.Bool(*json, "in_git", path);
  source->dirty = r.Bool(*json, "dirty", path);
  source->path_in_repo = r.String(*json, "path_in_repo", path);
}

void ReadInputs(Reader& r, const Json& result, std::vector<InputView>* inputs) {
  const Json* json = r.Array(result, "inputs", "result");
  if (json == nullptr || !r.Objects(*json, "result.inputs")) return;
  for (size_t i = 0; r.ok() && i < json->size(); ++i) {
    const std::string path = fmt::format("result.inputs[{}]", i);
    InputView input;
    input.path = r.String((*json)[i], "path", path);
    input.sha256 = r.Digest((*json)[i], "sha256", path, {64}, false);
    inputs->push_back(std::move(input));
  }
}

void ReadRules(Reader& r, const Json& result, std::vector<RuleView>* rules) {
  const Json* json = r.Array(result, "rules", "result");
  if (json == nullptr || !r.Objects(*json, "result.rules")) return;
  for (size_t i = 0; r.ok() && i < json->size(); ++i) {
    const Json& item = (*json)[i];
    const std::string path = fmt::format("result.rules[{}]", i);
    RuleView rule;
    rule.id = r.String(item, "id", path);
    rule.title = r.String(item, "title", path, false);
    rule.subject_kind = r.String(item, "subject_kind", path);
    rule.severity = r.String(item, "severity", path);
    rule.enforcement = r.String(item, "enforcement", path);
    if (r.ok() && SeverityRank(rule.severity) < 0) r.Fail(path + ".severity", "unknown severity");
    if (const Json* controls = r.Array(item, "controls", path, false)) {
      for (size_t k = 0; r.ok() && k < controls->size(); ++k) {
        if (!(*controls)[k].is_string()) {
          r.Fail(fmt::format("{}.controls[{}]", path, k), "expected a string");
        } else {
          rule.controls.push_back((*controls)[k].get<std::string>());
        }
      }
    }
    if (const Json* counts = r.Object(item, "counts", path, false)) {
      rule.pass_count = r.Integer(*counts, "pass", path + ".counts");
      if (r.ok() && *rule.pass_count < 0) r.Fail(path + ".counts.pass", "negative count");
    }
    rules->push_back(std::move(rule));
  }
}

void ReadOutcomes(Reader& r, const Json& result, std::vector<OutcomeView>* outcomes) {
  const Json* json = r.Array(result, "outcomes", "result");
  if (json == nullptr || !r.Objects(*json, "result.outcomes")) return;
  for (size_t i = 0; r.ok() && i < json->size(); ++i) {
    const Json& item = (*json)[i];
    const std::string path = fmt::format("result.outcomes[{}]", i);
    OutcomeView outcome;
    outcome.index = i;
    outcome.rule = r.String(item, "rule", path);
    if (const Json* subject = r.Object(item, "subject", path)) {
      outcome.subject_kind = r.String(*subject, "kind", path + ".subject");
      outcome.subject_id = r.String(*subject, "id", path + ".subject");
    }
    outcome.outcome = r.String(item, "outcome", path);
    bool known = false;
    for (std::string_view name : kOutcomes) known = known || outcome.outcome == name;
    if (r.ok() && !known) r.Fail(path + ".outcome", fmt::format("unknown outcome \"{}\"", outcome.outcome));
    outcome.message = r.String(item, "message", path, false);
    outcome.missing_fact = r.String(item, "missing_fact", path, false);
    outcome.waiver = r.String(item, "waiver", path, false);
    if (const Json* evidence = r.Object(item, "evidence", path, false)) outcome.evidence = *evidence;
    outcomes->push_back(std::move(outcome));
  }
}

void ReadWaivers(Reader& r, const Json& result, std::vector<WaiverView>* waivers) {
  const Json* json = r.Array(result, "waivers", "result", false);
  if (json == nullptr || !r.Objects(*json, "result.waivers")) return;
  for (size_t i = 0; r.ok() && i < json->size(); ++i) {
    const Json& item = (*json)[i];
    const std::string path = fmt::format("result.waivers[{}]", i);
    WaiverView waiver;
    waiver.id = r.String(item, "id", path);
    waiver.reason = r.String(item, "reason", path, false);
    waiver.ticket = r.String(item, "ticket", path, false);
    waiver.approver = r.String(item, "approver", path, false);
    waiver.expires = r.String(item, "expires", path, false);
    waiver.expired = r.Bool(item, "expired", path);
    waiver.days_left = r.Integer(item, "days_left", path);
    waivers->push_back(std::move(waiver));
  }
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// Reads `count` decimal digits at `pos`; -1 when any is not a digit.
int Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

std::string FileUri(std::string_view path) {
  return (path.starts_with("/") ? "file://" : "file:") + PercentEncode(path, true);
}

// Returns the top level of the repository that holds the source, or nullopt
// when the location does not end in path_in_repo (a symbolic link, say).
std::optional<std::string> RepositoryRoot(const PolicySourceView& source) {
  std::string_view location = source.location;
  while (location.size() > 1 && location.back() == '/') location.remove_suffix(1);
  if (source.kind == "git") return std::string(location);
  std::string_view inner = source.path_in_repo;
  while (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
  if (inner.empty() || inner == ".") return std::string(location);
  const std::string suffix = "/" + std::string(inner);
  if (location.size() > suffix.size() && location.ends_with(suffix)) {
    return std::string(location.substr(0, location.size() - suffix.size()));
  }
  return std::nullopt;
}

}  // namespace

const RuleView* RunView::FindRule(std::string_view id) const {
  for (const RuleView& rule : rules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

const WaiverView* RunView::FindWaiver(std::string_view id) const {
  for (const WaiverView& waiver : waivers) {
    if (waiver.id == id) return &waiver;
  }
  return nullptr;
}

std::optional<RunView> ReadRun(const Json& record, std::string_view leaf_hash_hex, std::string* error) {
  if (leaf_hash_hex.size() != 64 || !IsHex(leaf_hash_hex)) {
    if (error != nullptr) *error = fmt::format("leaf hash \"{}\" is not 64 hex digits", leaf_hash_hex);
    return std::nullopt;
  }
  if (!record.is_object()) {
    if (error != nullptr) *error = "run record: expected a JSON object";
    return std::nullopt;
  }
  Reader r(error);
  RunView run;
  run.leaf_hash = Lower(leaf_hash_hex);
  const std::string schema = r.String(record, "schemaVersion", "");
  if (r.ok() && schema != kRunRecordSchema) {
    r.Fail("schemaVersion", fmt::format("\"{}\" is not {}", schema, kRunRecordSchema));
  }
  run.run_id = r.String(record, "runId", "");
  if (r.ok() && !common::IsUuid(run.run_id)) r.Fail("runId", fmt::format("\"{}\" is not a UUID", run.run_id));
  run.run_id = Lower(run.run_id);
  if (const Json* sequence = r.Member(record, "sequence", "", true)) {
    if (!sequence->is_number_unsigned() && !(sequence->is_number_integer() && sequence->get<int64_t>() >= 0)) {
      r.Fail("sequence", "expected an integer of at least 0");
    } else {
      run.sequence = sequence->get<uint64_t>();
    }
  }
  run.kind = r.String(record, "kind", "");
  const Json* result = r.Object(record, "result", "");
  if (result == nullptr) return std::nullopt;
  const std::string result_schema = r.String(*result, "schemaVersion", "result");
  if (r.ok() && result_schema != kDecisionSchema) {
    r.Fail("result.schemaVersion", fmt::format("\"{}\" is not {}", result_schema, kDecisionSchema));
  }
  run.decision = r.String(*result, "decision", "result");
  if (r.ok() && run.decision != "allow" && run.decision != "deny") {
    r.Fail("result.decision", fmt::format("\"{}\" is neither allow nor deny", run.decision));
  }
  run.evaluated_at = r.Time(*result, "evaluated_at", "result");
  run.started_at = r.Time(*result, "started_at", "result");
  run.finished_at = r.Time(*result, "finished_at", "result");
  run.engine_version = r.String(*result, "engine_version", "result");
  run.fail_on = r.String(*result, "fail_on", "result");
  if (r.ok() && SeverityRank(run.fail_on) < 0) r.Fail("result.fail_on", "unknown severity");
  ReadSource(r, *result, &run.policy_source);
  ReadInputs(r, *result, &run.inputs);
  if (const Json* counts = r.Object(*result, "counts", "result")) run.counts = *counts;
  if (const Json* reasons = r.Array(*result, "deny_reasons", "result")) {
    for (size_t i = 0; r.ok() && i < reasons->size(); ++i) {
      if (!(*reasons)[i].is_string()) {
        r.Fail(fmt::format("result.deny_reasons[{}]", i), "expected a string");
      } else {
        run.deny_reasons.push_back((*reasons)[i].get<std::string>());
      }
    }
  }
  ReadRules(r, *result, &run.rules);
  ReadOutcomes(r, *result, &run.outcomes);
  ReadWaivers(r, *result, &run.waivers);
  if (!r.ok()) return std::nullopt;
  return run;
}

bool IsDateTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return false;
  }
  const int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days = kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  if (day > days) return false;
  size_t pos = 19;
  if (text[pos] == '.') {
    const size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  const std::string_view zone = text.substr(pos);
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && Digits(zone, 1, 2) >= 0 &&
         Digits(zone, 1, 2) <= 23 && Digits(zone, 4, 2) >= 0 && Digits(zone, 4, 2) <= 59;
}

int SeverityRank(std::string_view severity) {
  static constexpr std::array<std::string_view, 5> kOrder = {"info", "low", "medium", "high", "critical"};
  for (size_t i = 0; i < kOrder.size(); ++i) {
    if (kOrder[i] == severity) return static_cast<int>(i);
  }
  return -1;
}

bool Denies(const RuleView* rule, std::string_view outcome, std::string_view fail_on) {
  const bool bad = outcome == "fail" || outcome == "error" || outcome == "not_evaluable";
  return bad && rule != nullptr && rule->enforcement == "deny" && SeverityRank(rule->severity) >= SeverityRank(fail_on);
}

std::string TestName(const OutcomeView& outcome) {
  return fmt::format("{} [{}/{}]", outcome.rule, outcome.subject_kind, outcome.subject_id);
}

bool IsCleanGitSource(const PolicySourceView& source) { return !source.commit.empty() && !source.dirty; }

std::string PolicySourceUri(const PolicySourceView& source) {
  if (!IsCleanGitSource(source)) return FileUri(source.location);
  const std::optional<std::string> root = RepositoryRoot(source);
  if (!root) return FileUri(source.location);
  std::string uri = "git+" + FileUri(*root) + "@" + source.commit;
  std::string_view inner = source.path_in_repo;
  while (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
  if (!inner.empty() && inner != ".") uri += "#" + PercentEncode(inner, true);
  return uri;
}

std::string LeafUri(std::string_view leaf_hash) { return "stagegate:evidence/leaf/sha256:" + std::string(leaf_hash); }

std::string Pretty(const nlohmann::ordered_json& json) {
  return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string Compact(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace stagegate::reports::exports
