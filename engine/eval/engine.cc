#include "engine/eval/engine.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

#include "engine/cel/bindings/json_value.h"
#include "engine/subjects/subject_value.h"

namespace stagegate::eval {

namespace {

using subjects::Subject;

// Subjects a worker claims at a time.
constexpr size_t kWorkChunk = 64;

// A rule instance as this run executes it.
struct RuleRun {
  const policy::Policy* policy = nullptr;
  size_t policy_index = 0;
  const policy::RuleInstance* instance = nullptr;
  RuleInfo info;
  size_t rank = 0;                                // position in the sorted RuleInfo list
  std::vector<size_t> waivers;                    // indexes of the bundle's unexpired waivers of this rule
};

// Details of an outcome other than pass / not_applicable.
struct Detail {
  std::string message;
  std::map<std::string, nlohmann::json> evidence;
  std::string missing_fact;
  std::string waiver;
};

struct CompactOutcome {
  uint32_t rule_rank;
  uint32_t subject_rank;  // position among the subjects of the rule's kind (sorted by id)
  Outcome outcome;
  uint32_t worker;
  int32_t detail;         // index into the worker's details, -1 for none
};

class VariablesAccess;

// Per-thread state: reused for every subject and rule the worker judges.
struct Worker {
  subjects::FactCapture capture;
  std::vector<CompactOutcome> outcomes;
  std::vector<Detail> details;
  Counts counts;
  std::vector<Counts> rule_counts;  // by rule rank
  std::vector<int64_t> waiver_uses;
  // Variables of the current subject: evaluated at most once each.
  std::vector<std::pair<const policy::Variable*, cel::Value>> variable_cache;
  // Variables read by the current evaluation, for the evidence.
  std::vector<std::pair<const policy::Variable*, cel::Value>> variable_reads;
  const policy::RuleInstance* instance = nullptr;
  const cel::Activation* activation = nullptr;
  // Selector results per policy for the current subject: 0 not yet, else 1 + the state.
  std::vector<uint8_t> selector_state;
  std::vector<cel::Value> selector_value;
  // (rule rank, outcome) of the rules mapped to controls that judged the
  // current subject, for the control ledger; only when one is requested.
  // Added to the ledger when the subject is done (FlushLedger).
  std::vector<ControlLedger::RuleOutcome> ledger_entries;
};

class VariablesAccess final : public cel::MapAccess {
 public:
  size_t Size(const void* data) const override { return Self(data)->instance->variables.size(); }
  std::optional<cel::Value> Find(const void* data, const cel::Value& key) const override {
    if (!key.IsString()) return std::nullopt;
    return FindField(data, key.GetString());
  }
  std::optional<cel::Value> FindField(const void* data, std::string_view field) const override {
    Worker* worker = const_cast<Worker*>(Self(data));
    for (const policy::Variable* variable : worker->instance->variables) {
      if (variable->name != field) continue;
      cel::Value value;
      bool cached = false;
      for (const auto& [v, cached_value] : worker->variable_cache) {
        if (v == variable) {
          value = cached_value;
          cached = true;
          break;
        }
      }
      if (!cached) {
        value = variable->expression.program->Evaluate(*worker->activation);
        worker->variable_cache.emplace_back(variable, value);
      }
      worker->variable_reads.emplace_back(variable, value);
      return value;
    }
    return std::nullopt;
  }
  cel::Value Keys(const void* data) const override {
    std::vector<cel::Value> keys;
    for (const policy::Variable* variable : Self(data)->instance->variables) {
      keys.push_back(cel::Value::BorrowedString(variable->name));
    }
    return cel::Value::ListOf(std::move(keys));
  }

 private:
  static const Worker* Self(const void* data) { return static_cast<const Worker*>(data); }
};

const VariablesAccess kVariablesAccess;

// The variables one rule expression sees.
class RuleActivation final : public cel::Activation {
 public:
  std::optional<cel::Value> FindVariable(std::string_view name) const override {
    if (name == subject_name) return subject;
    if (name == "params") return params;
    if (name == "variables") return variables;
    if (name == "now") return now;
    return std::nullopt;
  }
  std::string_view subject_name;
  cel::Value subject;
  cel::Value params;
  cel::Value variables;
  cel::Value now;
};

std::string PositionText(const policy::Expression& expression, int32_t offset) {
  int line = expression.location.line;
  int column = expression.location.column;
  if (offset >= 0 && expression.source) {
    cel::SourcePosition position = expression.source->PositionOf(offset);
    line = position.line;
    column = position.column;
  }
  return expression.location.file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// Renders a placeholder's value: strings unquoted, doubles readably.
std::string RenderValue(const cel::Value& value) {
  switch (value.kind()) {
    case cel::ValueKind::kString: return std::string(value.GetString());
    case cel::ValueKind::kDouble: return FormatNumber(value.GetDouble());
    case cel::ValueKind::kInt: return std::to_string(value.GetInt());
    case cel::ValueKind::kUint: return std::to_string(value.GetUint());
    case cel::ValueKind::kBool: return value.GetBool() ? "true" : "false";
    case cel::ValueKind::kUnknown: return "<missing " + value.UnknownAttribute() + ">";
    case cel::ValueKind::kError: return "<error: " + value.ErrorMessage() + ">";
    default: {
      std::string text = value.DebugString();
      if (value.IsTimestamp() || value.IsDuration()) {
        nlohmann::json j = cel::ValueToJson(value);
        if (j.is_string()) return j.get<std::string>();
      }
      return text;
    }
  }
}

nlohmann::json EvidenceValue(const cel::Value& value) {
  if (value.IsError()) return "error: " + value.ErrorMessage();
  if (value.IsUnknown()) return "unknown: " + value.UnknownAttribute();
  return cel::ValueToJson(value);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

class Run {
 public:
  Run(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects, const EvalOptions& options)
      : bundle_(bundle), subjects_(subjects), options_(options) {}

  RunResult Execute(std::string* internal_error);

 private:
  void Prepare(RunResult& result);
  void StartWorker(Worker& worker);
  void Work(Worker& worker, size_t worker_index, size_t end);
  void RunWave(std::vector<Worker>& workers, size_t begin, size_t end, std::string& error);
  // Adds the outcomes the worker gathered for `subject` to the control
  // ledger. Subjects are flushed as they finish, so the ledger is complete
  // when the first wave ends, and no worker holds a fleet's entries.
  void FlushLedger(Worker& worker, const Subject& subject);
  void JudgeSubject(Worker& worker, size_t worker_index, const Subject& subject, uint32_t subject_rank,
                    const std::vector<const RuleRun*>& rules);
  void Record(Worker& worker, size_t worker_index, const RuleRun& rule, const Subject& subject, uint32_t subject_rank,
              Outcome outcome, const cel::Value& result, const policy::Expression* failing,
              RuleActivation& activation);
  std::string RenderMessage(const RuleRun& rule, const RuleActivation& activation);
  bool WaiverMatches(const policy::Waiver& waiver, const Subject& subject, const RuleActivation& activation);

  const policy::LoadedBundle& bundle_;
  const subjects::SubjectSet& subjects_;
  const EvalOptions& options_;
  std::vector<RuleRun> rules_;
  std::vector<std::vector<const RuleRun*>> rules_by_kind_;  // indexed by SubjectKind
  std::vector<std::pair<const Subject*, uint32_t>> work_;   // (subject, rank in its kind)
  // work_[zones_begin_..] are zones: judged after everything else, once the
  // control ledger holds the other subjects' outcomes.
  size_t zones_begin_ = 0;
  std::vector<bool> waiver_expired_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> judged_{0};
  std::mutex progress_mutex_;
  std::mutex ledger_mutex_;  // guards options_.control_ledger while the workers fill it
  cel::Value now_;
  subjects::ComputedFactCache cache_;
  subjects::BindingOptions binding_;
};

void Run::Prepare(RunResult& result) {
  // Waivers.
  waiver_expired_.resize(bundle_.waivers.size());
  for (size_t i = 0; i < bundle_.waivers.size(); ++i) {
    const policy::Waiver& waiver = bundle_.waivers[i];
    WaiverInfo info;
    info.id = waiver.id;
    info.rule_id = waiver.rule;
    info.reason = waiver.reason;
    info.ticket = waiver.ticket;
    info.approver = waiver.approver;
    info.expires = waiver.expires;
    info.expired = waiver.ExpiredAt(options_.at);
    info.days_left = FloorDiv((waiver.expires_at - options_.at).count(), 86400);
    waiver_expired_[i] = info.expired;
    result.waivers.push_back(std::move(info));
  }
  // Rules.
  for (size_t p = 0; p < bundle_.policies.size(); ++p) {
    const policy::Policy& policy = bundle_.policies[p];
    if (!policy.HasStage(options_.stage)) continue;
    if (!options_.only_policy.empty() && policy.name != options_.only_policy) continue;
    for (const policy::RuleInstance& instance : policy.rules) {
      RuleRun run;
      run.policy = &policy;
      run.policy_index = p;
      run.instance = &instance;
      const policy::RuleTemplate& rule = *instance.rule;
      RuleInfo& info = run.info;
      info.id = policy.name + "/" + instance.id;
      info.policy = policy.name;
      info.rule = instance.id;
      info.title = rule.title.empty() ? instance.id : rule.title;
      info.description = rule.description.empty() ? info.title : rule.description;
      info.remediation = rule.remediation;
      info.subject_kind = std::string(facts::SubjectKindName(rule.subject));
      info.expression = rule.assertion.text;
      info.severity = instance.severity;
      info.enforcement = policy.enforcement;
      info.controls = instance.controls;
      info.location = instance.location;
      for (size_t w = 0; w < bundle_.waivers.size(); ++w) {
        if (!waiver_expired_[w] && bundle_.waivers[w].rule == info.id) run.waivers.push_back(w);
      }
      rules_.push_back(std::move(run));
    }
  }
  std::sort(rules_.begin(), rules_.end(), [](const RuleRun& a, const RuleRun& b) { return a.info.id < b.info.id; });
  rules_by_kind_.resize(std::size(facts::kAllSubjectKinds));
  for (size_t i = 0; i < rules_.size(); ++i) {
    rules_[i].rank = i;
    result.rules.push_back(rules_[i].info);
    rules_by_kind_[static_cast<size_t>(rules_[i].instance->rule->subject)].push_back(&rules_[i]);
  }
  // Within a subject, rules run grouped by policy so that selectors and
  // policy variables are shared; the output order is fixed by the final sort.
  for (facts::SubjectKind kind : facts::kAllSubjectKinds) {
    if (kind == facts::SubjectKind::kZone) continue;
    if (rules_by_kind_[static_cast<size_t>(kind)].empty()) continue;
    uint32_t rank = 0;
    for (const Subject* subject : subjects_.OfKind(kind)) work_.emplace_back(subject, rank++);
  }
  zones_begin_ = work_.size();
  if (!rules_by_kind_[static_cast<size_t>(facts::SubjectKind::kZone)].empty()) {
    uint32_t rank = 0;
    for (const Subject* subject : subjects_.OfKind(facts::SubjectKind::kZone)) work_.emplace_back(subject, rank++);
  }
  if (options_.control_ledger != nullptr) {
    std::vector<std::pair<std::string, std::vector<std::string>>> ledger_rules;
    ledger_rules.reserve(rules_.size());
    // Zone rules stay out: zones are judged from the ledger, not into it.
    for (const RuleRun& rule : rules_) {
      const bool zone_rule = rule.instance->rule->subject == facts::SubjectKind::kZone;
      ledger_rules.emplace_back(rule.info.id, zone_rule ? std::vector<std::string>{} : rule.info.controls);
    }
    options_.control_ledger->Begin(std::move(ledger_rules));
  }
  const auto seconds = options_.at.time_since_epoch().count();
  now_ = cel::Value::TimestampOf(cel::Timestamp{seconds, 0});
  binding_.providers = options_.providers;
  binding_.cache = &cache_;
}

bool Run::WaiverMatches(const policy::Waiver& waiver, const Subject& subject, const RuleActivation& activation) {
  if (!waiver.subjects.empty()) {
    const std::string qualified = std::string(facts::SubjectKindName(subject.kind)) + "/" + subject.id;
    for (const std::string& id : waiver.subjects) {
      if (id == subject.id || id == qualified) return true;
    }
    return false;
  }
  if (waiver.selector) {
    cel::Value v = waiver.selector->program->Evaluate(activation);
    return v.IsBool() && v.GetBool();
  }
  return true;
}

std::string Run::RenderMessage(const RuleRun& rule, const RuleActivation& activation) {
  const policy::RuleTemplate& tmpl = *rule.instance->rule;
  if (tmpl.message_expression) {
    cel::Value v = tmpl.message_expression->program->Evaluate(activation);
    if (v.IsString()) return std::string(v.GetString());
  }
  if (!tmpl.message.parts.empty()) {
    std::string out;
    for (const policy::MessagePart& part : tmpl.message.parts) {
      if (part.expression) {
        out += RenderValue(part.expression->program->Evaluate(activation));
      } else {
        out += part.literal;
      }
    }
    return out;
  }
  return tmpl.assertion.text + " is false";
}

void Run::Record(Worker& worker, size_t worker_index, const RuleRun& rule, const Subject& subject,
                 uint32_t subject_rank, Outcome outcome, const cel::Value& result, const policy::Expression* failing,
                 RuleActivation& activation) {
  const bool to_ledger = options_.control_ledger != nullptr && options_.control_ledger->Records(subject.kind) &&
                         !rule.info.controls.empty();
  if (outcome == Outcome::kPass || outcome == Outcome::kNotApplicable) {
    if (to_ledger) worker.ledger_entries.push_back({static_cast<uint32_t>(rule.rank), outcome});
    if (outcome == Outcome::kPass) {
      ++worker.counts.pass;
      ++worker.rule_counts[rule.rank].pass;
    } else {
      ++worker.counts.not_applicable;
      ++worker.rule_counts[rule.rank].not_applicable;
    }
    if (options_.record_passing) {
      worker.outcomes.push_back(
          {static_cast<uint32_t>(rule.rank), subject_rank, outcome, static_cast<uint32_t>(worker_index), -1});
    }
    return;
  }
  Detail detail;
  if (outcome == Outcome::kFail) {
    detail.message = RenderMessage(rule, activation);
  } else if (result.IsUnknown()) {
    outcome = Outcome::kNotEvaluable;
    detail.missing_fact = result.UnknownAttribute();
    detail.message = std::string(facts::SubjectKindName(subject.kind)) + " " + subject.id + " has no value for " +
                     detail.missing_fact + "; the rule cannot be evaluated";
  } else if (result.IsError()) {
    std::optional<subjects::MissingFact> missing =
        subjects::FindMissingFact(subject, worker.capture, result.ErrorMessage(), bundle_.schema);
    if (missing) {
      outcome = Outcome::kNotEvaluable;
      detail.missing_fact = missing->path;
      detail.message = missing->message + "; the rule cannot be evaluated";
    } else {
      outcome = Outcome::kError;
      detail.message = result.ErrorMessage() + " (at " + PositionText(*failing, result.ErrorOffset()) + ")";
    }
  } else {
    outcome = Outcome::kError;
    detail.message = std::string(failing == &rule.instance->rule->assertion ? "assert" : "the expression") +
                     " must be a bool, but it gave " + std::string(result.TypeName()) + " (at " +
                     PositionText(*failing, -1) + ")";
  }
  subjects::CollectEvidence(subject, worker.capture, &detail.evidence);
  for (const auto& [variable, value] : worker.variable_reads) {
    detail.evidence.insert_or_assign("variables." + variable->name, EvidenceValue(value));
  }
  for (size_t w : rule.waivers) {
    if (WaiverMatches(bundle_.waivers[w], subject, activation)) {
      detail.waiver = bundle_.waivers[w].id;
      ++worker.waiver_uses[w];
      outcome = Outcome::kWaived;
      break;
    }
  }
  Counts& rule_counts = worker.rule_counts[rule.rank];
  switch (outcome) {
    case Outcome::kFail: ++worker.counts.fail; ++rule_counts.fail; break;
    case Outcome::kError: ++worker.counts.error; ++rule_counts.error; break;
    case Outcome::kNotEvaluable: ++worker.counts.not_evaluable; ++rule_counts.not_evaluable; break;
    case Outcome::kWaived: ++worker.counts.waived; ++rule_counts.waived; break;
    default: break;
  }
  if (to_ledger) worker.ledger_entries.push_back({static_cast<uint32_t>(rule.rank), outcome});
  worker.details.push_back(std::move(detail));
  worker.outcomes.push_back({static_cast<uint32_t>(rule.rank), subject_rank, outcome,
                             static_cast<uint32_t>(worker_index), static_cast<int32_t>(worker.details.size() - 1)});
}

void Run::JudgeSubject(Worker& worker, size_t worker_index, const Subject& subject, uint32_t subject_rank,
                       const std::vector<const RuleRun*>& rules) {
  subjects::SubjectScope scope(subject, &worker.capture, &binding_);
  RuleActivation activation;
  activation.subject_name = facts::SubjectKindName(subject.kind);
  activation.subject = subjects::SubjectValue(subject);
  activation.variables = cel::Value::Map(&kVariablesAccess, &worker, nullptr);
  activation.now = now_;
  worker.activation = &activation;
  worker.variable_cache.clear();
  std::fill(worker.selector_state.begin(), worker.selector_state.end(), 0);

  for (const RuleRun* rule : rules) {
    const policy::RuleInstance& instance = *rule->instance;
    const policy::RuleTemplate& tmpl = *instance.rule;
    worker.capture.Clear();
    worker.variable_reads.clear();
    worker.instance = &instance;
    activation.params = cel::JsonValue(instance.params);

    const policy::Policy& policy = *rule->policy;
    if (policy.selector && policy.selector_kind == subject.kind) {
      uint8_t& state = worker.selector_state[rule->policy_index];
      if (state == 0) {
        cel::Value v = policy.selector->program->Evaluate(activation);
        worker.selector_value[rule->policy_index] = v;
        state = 1;
        // The selector decides applicability; its reads are not evidence of
        // the rule's outcome (and later rules reuse the cached result).
        worker.capture.Clear();
      }
      const cel::Value& v = worker.selector_value[rule->policy_index];
      if (v.IsBool() && !v.GetBool()) {
        Record(worker, worker_index, *rule, subject, subject_rank, Outcome::kNotApplicable, v, nullptr, activation);
        continue;
      }
      if (!v.IsBool()) {
        // Re-evaluate to capture what the selector read, for the evidence.
        cel::Value again = policy.selector->program->Evaluate(activation);
        Record(worker, worker_index, *rule, subject, subject_rank, Outcome::kError, again, &*policy.selector,
               activation);
        continue;
      }
    }
    if (tmpl.when) {
      cel::Value v = tmpl.when->program->Evaluate(activation);
      if (v.IsBool()) {
        if (!v.GetBool()) {
          Record(worker, worker_index, *rule, subject, subject_rank, Outcome::kNotApplicable, v, nullptr, activation);
          continue;
        }
      } else {
        Record(worker, worker_index, *rule, subject, subject_rank, Outcome::kError, v, &*tmpl.when, activation);
        continue;
      }
    }
    cel::Value v = tmpl.assertion.program->Evaluate(activation);
    if (v.IsBool()) {
      Record(worker, worker_index, *rule, subject, subject_rank, v.GetBool() ? Outcome::kPass : Outcome::kFail, v,
             &tmpl.assertion, activation);
    } else {
      Record(worker, worker_index, *rule, subject, subject_rank, Outcome::kError, v, &tmpl.assertion, activation);
    }
  }
  worker.activation = nullptr;
  FlushLedger(worker, subject);
  // A subject's computed facts are read only while it is judged, except a
  // device's, which its streams read through `stream.device`: drop them now
  // rather than hold every stream's facts until the run ends (at fleet scale
  // they were most of the run's memory). Nothing kept refers to them: the
  // evidence holds copies, and the per-subject caches below start over.
  if (subject.kind != facts::SubjectKind::kDevice) {
    worker.capture.Clear();
    worker.variable_reads.clear();
    worker.variable_cache.clear();
    cache_.Evict(subject);
  }
}

void Run::StartWorker(Worker& worker) {
  worker.rule_counts.assign(rules_.size(), Counts{});
  worker.waiver_uses.assign(bundle_.waivers.size(), 0);
  worker.selector_state.assign(bundle_.policies.size(), 0);
  worker.selector_value.assign(bundle_.policies.size(), cel::Value());
}

void Run::Work(Worker& worker, size_t worker_index, size_t end_of_wave) {
  while (true) {
    const size_t begin = next_.fetch_add(kWorkChunk, std::memory_order_relaxed);
    if (begin >= end_of_wave) break;
    const size_t end = std::min(begin + kWorkChunk, end_of_wave);
    for (size_t i = begin; i < end; ++i) {
      const Subject& subject = *work_[i].first;
      JudgeSubject(worker, worker_index, subject, work_[i].second, rules_by_kind_[static_cast<size_t>(subject.kind)]);
    }
    const size_t judged = judged_.fetch_add(end - begin, std::memory_order_relaxed) + (end - begin);
    // Once per chunk (64 subjects), serialised: the callback need not be thread-safe.
    if (options_.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex_);
      options_.progress(judged, work_.size());
    }
  }
}

void Run::RunWave(std::vector<Worker>& workers, size_t begin, size_t end, std::string& error) {
  if (begin >= end) return;
  next_.store(begin, std::memory_order_relaxed);
  std::mutex error_mutex;
  auto body = [&](size_t index) {
    try {
      Work(workers[index], index, end);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (error.empty()) error = std::string("evaluation stopped: ") + e.what();
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (error.empty()) error = "evaluation stopped by an unknown fault";
    }
  };
  if (workers.size() == 1) {
    body(0);
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (size_t i = 0; i < workers.size(); ++i) threads.emplace_back(body, i);
  for (std::thread& t : threads) t.join();
}

void Run::FlushLedger(Worker& worker, const Subject& subject) {
  if (worker.ledger_entries.empty()) return;
  {
    std::lock_guard<std::mutex> lock(ledger_mutex_);
    options_.control_ledger->Add(subject, worker.ledger_entries);
  }
  worker.ledger_entries.clear();
}

RunResult Run::Execute(std::string* internal_error) {
  RunResult result;
  result.kind = options_.kind;
  result.engine_version = options_.engine_version;
  result.evaluated_at = FormatTime(options_.at);
  result.started_at = FormatTime(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  result.policy_source = bundle_.source;
  result.inputs = subjects_.inputs();
  result.fail_on = options_.fail_on;
  Prepare(result);

  size_t jobs = options_.jobs > 0 ? static_cast<size_t>(options_.jobs) : std::thread::hardware_concurrency();
  jobs = std::max<size_t>(1, std::min(jobs, (work_.size() + kWorkChunk - 1) / kWorkChunk));
  std::vector<Worker> workers(jobs);
  for (Worker& worker : workers) StartWorker(worker);
  std::string error;
  // Zones summarise their members' outcomes: they are judged in a second
  // wave, after the ledger holds everything else.
  RunWave(workers, 0, zones_begin_, error);
  if (error.empty() && zones_begin_ < work_.size()) RunWave(workers, zones_begin_, work_.size(), error);
  if (!error.empty() && internal_error != nullptr) *internal_error = error;

  // Merge in the deterministic order.
  std::vector<CompactOutcome> all;
  size_t total = 0;
  for (const Worker& w : workers) total += w.outcomes.size();
  all.reserve(total);
  for (Worker& w : workers) {
    all.insert(all.end(), w.outcomes.begin(), w.outcomes.end());
    w.outcomes.clear();
    w.outcomes.shrink_to_fit();
    result.counts.pass += w.counts.pass;
    result.counts.fail += w.counts.fail;
    result.counts.not_evaluable += w.counts.not_evaluable;
    result.counts.error += w.counts.error;
    result.counts.waived += w.counts.waived;
    result.counts.not_applicable += w.counts.not_applicable;
    for (size_t i = 0; i < w.waiver_uses.size(); ++i) result.waivers[i].subjects_waived += w.waiver_uses[i];
    for (size_t i = 0; i < w.rule_counts.size(); ++i) {
      Counts& rule = result.rules[i].counts;
      const Counts& add = w.rule_counts[i];
      rule.pass += add.pass;
      rule.fail += add.fail;
      rule.not_evaluable += add.not_evaluable;
      rule.error += add.error;
      rule.waived += add.waived;
      rule.not_applicable += add.not_applicable;
    }
  }
  std::sort(all.begin(), all.end(), [](const CompactOutcome& a, const CompactOutcome& b) {
    return a.rule_rank != b.rule_rank ? a.rule_rank < b.rule_rank : a.subject_rank < b.subject_rank;
  });
  // Building the records (string copies, moved details, deny texts) is the
  // larger part of the merge: it runs on the workers' threads, each filling a
  // contiguous slice of the sorted outcomes. Deny reasons are then appended
  // serially, in the sorted order, so the output does not depend on `jobs`.
  result.outcomes.resize(all.size());
  std::vector<std::string> deny_texts(all.size());
  std::vector<uint8_t> denying(all.size(), 0);
  auto build = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const CompactOutcome& c = all[i];
      const RuleRun& rule = rules_[c.rule_rank];
      const facts::SubjectKind kind = rule.instance->rule->subject;
      const Subject& subject = *subjects_.OfKind(kind)[c.subject_rank];
      OutcomeRecord& record = result.outcomes[i];
      record.rule_id = rule.info.id;
      record.subject_kind = rule.info.subject_kind;
      record.subject_id = subject.id;
      record.outcome = c.outcome;
      if (c.detail >= 0) {
        Detail& detail = workers[c.worker].details[static_cast<size_t>(c.detail)];
        record.message = std::move(detail.message);
        record.evidence = std::move(detail.evidence);
        record.missing_fact = std::move(detail.missing_fact);
        record.waiver = std::move(detail.waiver);
      }
      if (IsFinding(c.outcome) && rule.info.enforcement == Enforcement::kDeny && rule.info.severity >= options_.fail_on) {
        denying[i] = 1;
        deny_texts[i] = record.rule_id + " " + record.subject_kind + "/" + record.subject_id + ": " +
                        std::string(OutcomeName(record.outcome)) + ": " + record.message;
      }
    }
  };
  const size_t merge_jobs = std::max<size_t>(1, std::min(jobs, all.size() / 4096));
  if (merge_jobs == 1) {
    build(0, all.size());
  } else {
    std::vector<std::thread> threads;
    threads.reserve(merge_jobs);
    // A failure inside a thread (out of memory) is carried back and rethrown
    // here, where Evaluate reports it as an internal error.
    std::vector<std::exception_ptr> failures(merge_jobs);
    const size_t slice = (all.size() + merge_jobs - 1) / merge_jobs;
    for (size_t i = 0; i < merge_jobs; ++i) {
      const size_t begin = std::min(all.size(), i * slice);
      threads.emplace_back([&, i, begin] {
        try {
          build(begin, std::min(all.size(), begin + slice));
        } catch (...) {
          failures[i] = std::current_exception();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    if (!denying[i]) continue;
    result.decision = Decision::kDeny;
    result.deny_reasons.push_back(std::move(deny_texts[i]));
  }
  if (!error.empty()) result.decision = Decision::kDeny;  // an incomplete run never allows
  result.finished_at = FormatTime(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  return result;
}

}  // namespace

RunResult Evaluate(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects, const EvalOptions& options,
                   std::string* internal_error) {
  try {
    Run run(bundle, subjects, options);
    return run.Execute(internal_error);
  } catch (const std::exception& e) {
    if (internal_error != nullptr) *internal_error = std::string("evaluation failed: ") + e.what();
  } catch (...) {
    if (internal_error != nullptr) *internal_error = "evaluation failed";
  }
  RunResult failed;
  failed.kind = options.kind;
  failed.decision = Decision::kDeny;
  return failed;
}

std::vector<const WaiverInfo*> ExpiringSoon(const RunResult& result, int days) {
  std::vector<const WaiverInfo*> out;
  for (const WaiverInfo& waiver : result.waivers) {
    if (!waiver.expired && waiver.days_left <= days) out.push_back(&waiver);
  }
  return out;
}

std::string FormatTime(std::chrono::sys_seconds t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(days);
  const auto time = std::chrono::hh_mm_ss<std::chrono::seconds>(t - days);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  const double magnitude = std::fabs(value);
  if (magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e15)) {
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 6);
    return std::string(buffer, ec == std::errc() ? end : buffer);
  }
  // Six significant digits, fixed notation, trailing zeros dropped.
  const int digits_before = magnitude >= 1 ? static_cast<int>(std::floor(std::log10(magnitude))) + 1 : 0;
  int decimals = std::max(0, 6 - digits_before);
  if (magnitude > 0 && magnitude < 1) decimals = 6 - static_cast<int>(std::floor(std::log10(magnitude))) - 1;
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string out = buffer;
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

}  // namespace stagegate::eval
