#include "engine/eval/policy_test_runner.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

#include "engine/eval/engine.h"

namespace stagegate::eval {
namespace {

std::string Location(const FileLocation& location) {
  std::string text = location.file;
  if (location.line > 0) text += ":" + std::to_string(location.line);
  if (location.line > 0 && location.column > 0) text += ":" + std::to_string(location.column);
  return text;
}

std::string Percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", value);
  return buffer;
}

// Splits an expectation's subject into kind and id: "stream/s-1" names a
// stream; a bare id ("s-1") takes the kind the rule judges.
std::pair<std::optional<facts::SubjectKind>, std::string> SplitSubject(const std::string& subject) {
  const size_t slash = subject.find('/');
  if (slash != std::string::npos) {
    if (std::optional<facts::SubjectKind> kind = facts::ParseSubjectKind(subject.substr(0, slash))) {
      return {kind, subject.substr(slash + 1)};
    }
  }
  return {std::nullopt, subject};
}

using OutcomeKey = std::tuple<std::string, std::string, std::string>;  // rule id, kind, subject id

// Evaluates one test: every stage its policies run in, merged (a policy that
// runs in both stages judges the same way in both, so its gate outcomes stand).
RunResult EvaluateTest(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects,
                       const policy::PolicyTest& test, const PolicyTestOptions& options, std::string* internal_error) {
  EvalOptions eval_options;
  eval_options.kind = "test";
  eval_options.at = test.at.value_or(options.at);
  eval_options.jobs = options.jobs;
  eval_options.record_passing = true;
  eval_options.only_policy = test.policy;
  eval_options.engine_version = options.engine_version;
  eval_options.stage = policy::Stage::kGate;
  RunResult result = Evaluate(bundle, subjects, eval_options, internal_error);

  const bool audit_only = std::any_of(bundle.policies.begin(), bundle.policies.end(), [](const policy::Policy& p) {
    return !p.HasStage(policy::Stage::kGate) && p.HasStage(policy::Stage::kAudit);
  });
  if (!audit_only || !internal_error->empty()) return result;
  eval_options.stage = policy::Stage::kAudit;
  RunResult audit = Evaluate(bundle, subjects, eval_options, internal_error);
  std::set<std::string> seen;
  for (const RuleInfo& rule : result.rules) seen.insert(rule.id);
  for (RuleInfo& rule : audit.rules) {
    if (seen.count(rule.id) == 0) result.rules.push_back(std::move(rule));
  }
  for (OutcomeRecord& record : audit.outcomes) {
    if (seen.count(record.rule_id) == 0) result.outcomes.push_back(std::move(record));
  }
  return result;
}

// Explains why the engine judged no (rule, subject) pair for `expectation`.
std::string WhyNoOutcome(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects,
                         const policy::PolicyTest& test, const policy::TestExpectation& expectation) {
  const policy::RuleInstance* rule = bundle.FindRule(expectation.rule);
  if (rule == nullptr) return "no rule '" + expectation.rule + "' in the bundle; write it as policy/rule";
  const std::string policy_name = expectation.rule.substr(0, expectation.rule.find('/'));
  if (!test.policy.empty() && test.policy != policy_name) {
    return "the test runs only policy '" + test.policy + "'";
  }
  const auto [kind, id] = SplitSubject(expectation.subject);
  const facts::SubjectKind rule_kind = rule->rule->subject;
  if (kind && *kind != rule_kind) {
    return "the rule judges " + std::string(facts::SubjectKindName(rule_kind)) + " subjects, not " +
           std::string(facts::SubjectKindName(*kind)) + " subjects";
  }
  if (subjects.Find(rule_kind, id) == nullptr) {
    return "no " + std::string(facts::SubjectKindName(rule_kind)) + " '" + id + "' in the test's inputs";
  }
  return "the rule did not judge this subject";
}

}  // namespace

subjects::SubjectSet BuildTestInputs(const policy::PolicyTest& test, const bundle::Bundle& files) {
  subjects::SubjectSet set;
  for (const std::string& path : test.input_files) {
    auto file = std::find_if(files.files.begin(), files.files.end(),
                             [&](const bundle::BundleFile& f) { return f.path == path; });
    if (file == files.files.end()) {
      set.AddError({test.location.file, test.location.line, test.location.column,
                    "test '" + test.name + "': input file '" + path +
                        "' is not in the bundle; give a path relative to the test file (.yaml, .yml or .json)"});
      continue;
    }
    set.AddFile(file->path, file->content);
  }
  if (test.inputs.is_array()) {
    for (const nlohmann::json& document : test.inputs) {
      set.AddDocument(document, subjects::DocumentLocation{test.location.file, test.location.line});
    }
  }
  set.Finish();
  return set;
}

PolicyTestReport RunPolicyTests(const policy::LoadedBundle& bundle, const std::vector<subjects::SubjectSet>& inputs,
                                const PolicyTestOptions& options) {
  PolicyTestReport report;
  std::map<std::string, RuleCoverage> coverage;
  for (const policy::Policy& policy : bundle.policies) {
    for (const policy::RuleInstance& rule : policy.rules) {
      RuleCoverage& entry = coverage[policy.name + "/" + rule.id];
      entry.rule = policy.name + "/" + rule.id;
      entry.location = rule.location;
    }
  }

  for (size_t t = 0; t < bundle.tests.size() && t < inputs.size(); ++t) {
    const policy::PolicyTest& test = bundle.tests[t];
    TestCaseResult test_result;
    test_result.name = test.name;
    test_result.location = test.location;
    test_result.expectations = static_cast<int>(test.expectations.size());

    std::string internal_error;
    const RunResult run = EvaluateTest(bundle, inputs[t], test, options, &internal_error);
    test_result.internal_error = internal_error;

    std::map<OutcomeKey, const OutcomeRecord*> outcomes;
    for (const OutcomeRecord& record : run.outcomes) {
      outcomes[{record.rule_id, record.subject_kind, record.subject_id}] = &record;
      auto it = coverage.find(record.rule_id);
      if (it == coverage.end()) continue;
      switch (record.outcome) {
        case Outcome::kPass: ++it->second.pass; break;
        case Outcome::kFail: ++it->second.fail; break;
        case Outcome::kNotApplicable: break;
        default: ++it->second.other; break;
      }
    }

    for (const policy::TestExpectation& expectation : test.expectations) {
      if (auto it = coverage.find(expectation.rule); it != coverage.end()) it->second.expected = true;
      auto [kind, id] = SplitSubject(expectation.subject);
      if (!kind) {
        if (const policy::RuleInstance* rule = bundle.FindRule(expectation.rule)) kind = rule->rule->subject;
      }
      const OutcomeRecord* record = nullptr;
      if (kind) {
        auto found = outcomes.find({expectation.rule, std::string(facts::SubjectKindName(*kind)), id});
        if (found != outcomes.end()) record = found->second;
      }
      if (record != nullptr && record->outcome == expectation.outcome) continue;

      TestFailure failure;
      failure.test = test.name;
      failure.location = expectation.location;
      failure.rule = expectation.rule;
      failure.subject = expectation.subject;
      failure.expected = expectation.outcome;
      if (record != nullptr) {
        failure.actual = record->outcome;
        failure.message = record->message;
        failure.missing_fact = record->missing_fact;
        failure.evidence = record->evidence;
      } else {
        failure.problem = internal_error.empty() ? WhyNoOutcome(bundle, inputs[t], test, expectation)
                                                 : "the evaluation stopped: " + internal_error;
      }
      report.failures.push_back(std::move(failure));
      ++test_result.failed;
    }
    if (test_result.failed > 0 || !test_result.internal_error.empty()) ++report.tests_failed;
    report.expectations += test_result.expectations;
    report.tests.push_back(std::move(test_result));
  }

  for (auto& [id, entry] : coverage) {
    if (entry.exercised()) ++report.exercised;
    if (entry.both()) ++report.both;
    report.coverage.push_back(std::move(entry));
  }
  if (!report.coverage.empty()) {
    report.coverage_percent = 100.0 * report.exercised / static_cast<double>(report.coverage.size());
  }
  return report;
}

std::string RenderPolicyTestReport(const PolicyTestReport& report) {
  std::ostringstream out;
  for (const TestFailure& failure : report.failures) {
    out << "FAIL " << failure.test << "  (" << Location(failure.location) << ")\n";
    out << "  rule      " << failure.rule << "\n";
    out << "  subject   " << failure.subject << "\n";
    out << "  expected  " << OutcomeName(failure.expected) << "\n";
    if (failure.actual) {
      out << "  actual    " << OutcomeName(*failure.actual);
      if (!failure.message.empty()) out << ": " << failure.message;
      out << "\n";
      if (!failure.missing_fact.empty()) out << "  missing   " << failure.missing_fact << "\n";
      bool first = true;
      for (const auto& [name, value] : failure.evidence) {
        out << (first ? "  evidence  " : "            ") << name << " = " << value.dump() << "\n";
        first = false;
      }
    } else {
      out << "  actual    no outcome: " << failure.problem << "\n";
    }
    out << "\n";
  }
  for (const TestCaseResult& test : report.tests) {
    if (!test.internal_error.empty()) {
      out << "ERROR " << test.name << "  (" << Location(test.location) << "): " << test.internal_error << "\n\n";
    }
  }

  for (const TestCaseResult& test : report.tests) {
    const bool ok = test.failed == 0 && test.internal_error.empty();
    out << (ok ? "ok    " : "FAIL  ") << test.name << "  (" << test.expectations - test.failed << " of "
        << test.expectations << " expectations hold)\n";
  }
  if (!report.tests.empty()) out << "\n";
  const size_t total = report.tests.size();
  const int failed_expectations = static_cast<int>(report.failures.size());
  out << "tests: " << (total - report.tests_failed) << " passed, " << report.tests_failed << " failed ("
      << report.expectations - failed_expectations << " of " << report.expectations << " expectations hold)\n";

  out << "\nrule coverage: " << report.exercised << " of " << report.coverage.size() << " rules exercised ("
      << Percent(report.coverage_percent) << "), " << report.both << " reached both pass and fail\n";
  if (report.coverage.empty()) return out.str();
  size_t width = std::string_view("rule").size();
  for (const RuleCoverage& rule : report.coverage) width = std::max(width, rule.rule.size());
  auto pad = [](std::string text, size_t n) {
    if (text.size() < n) text.append(n - text.size(), ' ');
    return text;
  };
  out << "  " << pad("rule", width) << "  pass  fail  other  coverage\n";
  for (const RuleCoverage& rule : report.coverage) {
    std::string status;
    if (rule.both()) {
      status = "pass and fail";
    } else if (rule.exercised()) {
      status = rule.pass > 0 ? "pass only" : rule.fail > 0 ? "fail only" : "other outcomes only";
    } else {
      status = rule.expected ? "not exercised (an expectation names it)" : "not exercised";
    }
    auto count = [&](int64_t n, size_t w) { return pad(std::to_string(n), w); };
    out << "  " << pad(rule.rule, width) << "  " << count(rule.pass, 4) << "  " << count(rule.fail, 4) << "  "
        << count(rule.other, 5) << "  " << status << "\n";
  }
  return out.str();
}

}  // namespace stagegate::eval
