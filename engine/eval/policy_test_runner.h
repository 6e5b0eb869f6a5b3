#pragma once
// Policy unit tests (`stagegate test`): runs every PolicyTest of a loaded
// bundle (its input documents through the evaluation engine at the test's
// time) and compares the outcomes with the expected ones, then measures rule
// coverage.
//
// Coverage: a rule (policy/rule) is *exercised* when some test judged some
// subject with it (any outcome other than not_applicable); it *reached both*
// when across all tests it produced at least one pass and one fail. The
// coverage percentage is exercised rules / all rules of the bundle.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/bundle/bundle_source.h"
#include "engine/eval/run_result.h"
#include "engine/policy/model.h"
#include "engine/subjects/inputs.h"

namespace stagegate::eval {

// One expectation that did not hold.
struct TestFailure {
  std::string test;             // PolicyTest name
  FileLocation location;        // of the expectation in its test file
  std::string rule;             // "policy/rule" as written
  std::string subject;          // as written: "kind/id" or a bare id
  Outcome expected = Outcome::kPass;
  // The outcome the engine produced; nullopt when it judged no such
  // (rule, subject) pair (then `problem` says why).
  std::optional<Outcome> actual;
  std::string problem;          // why there is no outcome ("no subject 's-9' in the test's inputs")
  std::string message;          // the outcome's rendered message
  std::string missing_fact;     // not_evaluable: the missing fact
  std::map<std::string, nlohmann::json> evidence;  // facts and variables the rule read
};

struct TestCaseResult {
  std::string name;
  FileLocation location;
  int expectations = 0;
  int failed = 0;
  std::string internal_error;  // the engine stopped (the test counts as failed)
};

struct RuleCoverage {
  std::string rule;             // "policy/rule"
  FileLocation location;
  int64_t pass = 0, fail = 0, other = 0;  // outcomes across all tests (other: not_evaluable, error, waived)
  bool expected = false;        // some expectation names this rule
  bool exercised() const { return pass + fail + other > 0; }
  bool both() const { return pass > 0 && fail > 0; }
};

struct PolicyTestReport {
  std::vector<TestCaseResult> tests;     // in bundle order
  std::vector<TestFailure> failures;     // in test order, then expectation order
  std::vector<RuleCoverage> coverage;    // every rule of the bundle, sorted by id
  int tests_failed = 0;
  int expectations = 0;
  int exercised = 0;
  int both = 0;
  double coverage_percent = 100.0;       // 100 when the bundle has no rules
};

struct PolicyTestOptions {
  // The evaluation time of tests that do not give `at:`.
  std::chrono::sys_seconds at = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  int jobs = 1;
  std::string engine_version;
};

// Builds the subjects of `test`: its inline documents and its input files
// (read from `files`, the bundle's raw files). Mistakes (a malformed document,
// a file not in the bundle) are in the set's errors(), named after the test.
subjects::SubjectSet BuildTestInputs(const policy::PolicyTest& test, const bundle::Bundle& files);

// Runs every test of `bundle`. `inputs` holds BuildTestInputs of each test, in
// the order of bundle.tests, all without errors. Never throws.
PolicyTestReport RunPolicyTests(const policy::LoadedBundle& bundle, const std::vector<subjects::SubjectSet>& inputs,
                                const PolicyTestOptions& options);

// Renders the report for a terminal: each failure with expected and actual
// outcome, message and evidence; a summary; then the coverage table.
std::string RenderPolicyTestReport(const PolicyTestReport& report);

}  // namespace stagegate::eval
