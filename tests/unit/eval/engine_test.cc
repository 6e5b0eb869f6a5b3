#include "engine/eval/engine.h"

#include <gtest/gtest.h>

#include "engine/policy/loader.h"

namespace stagegate::eval {
namespace {

constexpr char kPolicies[] = R"(apiVersion: stagegate/v1
kind: Policy
metadata: {name: p}
spec:
  enforcement: ENFORCEMENT
  variables:
    - name: ratio
      expression: stream.quality.missing_ratio
  rules:
    - id: missing
      subject: stream
      assert: variables.ratio <= 0.02 && variables.ratio >= 0.0
      message: "missing {{ variables.ratio * 100.0 }}%"
      severity: SEVERITY
    - id: typed
      subject: stream
      assert: int(stream.quality.missing_ratio * 1e30) > 0
      severity: high
---
apiVersion: stagegate/v1
kind: Waiver
metadata: {id: w-active}
spec:
  rule: p/missing
  subjects: [s-2]
  reason: r
  approver: a@example.org
  expires: "2025-06-10"
---
apiVersion: stagegate/v1
kind: Waiver
metadata: {id: w-expired}
spec:
  rule: p/missing
  subjects: [s-3]
  reason: r
  approver: a@example.org
  expires: "2025-05-01"
)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

class EngineTest : public ::testing::Test {
 protected:
  void Load(const std::string& enforcement = "deny", const std::string& severity = "high", int streams = 4) {
    std::string text = "[";
    for (int i = 1; i <= streams; ++i) {
      if (i > 1) text += ",\n";
      // s-1 passes, s-2 and s-3 fail, s-4 lacks the fact; more pass.
      const char* quality = i == 1 ? "{\"missing_ratio\": 0.01}" : i == 4 ? "{}" : i <= 3 ? "{\"missing_ratio\": 0.031}"
                                                                                    : "{\"missing_ratio\": 0.0}";
      text += "{\"kind\": \"stream\", \"id\": \"s-" + std::to_string(i) + "\", \"quality\": " + quality + "}";
    }
    text += "]";
    inputs_ = subjects::SubjectSet();
    inputs_.AddFile("in.json", text);
    inputs_.Finish();
    ASSERT_TRUE(inputs_.ok());
    facts::FactSchema schema;
    facts::RegisterCoreFacts(schema);
    subjects::InferFacts(inputs_, &schema);
    bundle::Bundle bundle;
    bundle.files.push_back(
        {"p.yaml", Replace(Replace(kPolicies, "ENFORCEMENT", enforcement), "SEVERITY", severity)});
    policy::LoadOptions load;
    load.now = *policy::ParseTime("2025-06-01T00:00:00Z");
    policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, load);
    ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
    bundle_ = std::move(loaded.bundle);
    options_.at = load.now;
  }

  const OutcomeRecord* Find(const RunResult& r, const std::string& rule, const std::string& id) {
    for (const OutcomeRecord& o : r.outcomes) {
      if (o.rule_id == rule && o.subject_id == id) return &o;
    }
    return nullptr;
  }

  subjects::SubjectSet inputs_;
  std::unique_ptr<policy::LoadedBundle> bundle_;
  EvalOptions options_;
};

TEST_F(EngineTest, OutcomesMessagesEvidenceAndWaivers) {
  Load();
  RunResult r = Evaluate(*bundle_, inputs_, options_);
  EXPECT_EQ(Find(r, "p/missing", "s-1")->outcome, Outcome::kPass);
  const OutcomeRecord* fail = Find(r, "p/missing", "s-3");
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ(fail->outcome, Outcome::kFail);  // its waiver expired
  EXPECT_EQ(fail->message, "missing 3.1%");
  EXPECT_DOUBLE_EQ(fail->evidence.at("stream.quality.missing_ratio").get<double>(), 0.031);
  EXPECT_DOUBLE_EQ(fail->evidence.at("variables.ratio").get<double>(), 0.031);
  const OutcomeRecord* waived = Find(r, "p/missing", "s-2");
  EXPECT_EQ(waived->outcome, Outcome::kWaived);
  EXPECT_EQ(waived->waiver, "w-active");
  const OutcomeRecord* missing = Find(r, "p/missing", "s-4");
  EXPECT_EQ(missing->outcome, Outcome::kNotEvaluable);
  EXPECT_EQ(missing->missing_fact, "stream.quality.missing_ratio");
  EXPECT_EQ(missing->message, "stream s-4 has no value for stream.quality.missing_ratio; the rule cannot be evaluated");
  const OutcomeRecord* typed = Find(r, "p/typed", "s-1");
  EXPECT_EQ(typed->outcome, Outcome::kError);
  EXPECT_NE(typed->message.find("(at p.yaml:17:"), std::string::npos) << typed->message;

  ASSERT_EQ(r.waivers.size(), 2u);
  EXPECT_FALSE(r.waivers[0].expired);
  EXPECT_EQ(r.waivers[0].subjects_waived, 1);
  EXPECT_TRUE(r.waivers[1].expired);
  EXPECT_EQ(r.waivers[1].subjects_waived, 0);
  ASSERT_EQ(ExpiringSoon(r).size(), 1u);
  EXPECT_EQ(ExpiringSoon(r)[0]->id, "w-active");
  EXPECT_EQ(r.counts.total(), 8);
  EXPECT_EQ(r.counts.waived, 1);
  EXPECT_EQ(r.decision, Decision::kDeny);
  EXPECT_EQ(r.evaluated_at, "2025-06-01T00:00:00Z");
}

TEST_F(EngineTest, OnlyDenyEnforcementAtOrAboveFailOnDenies) {
  struct Case {
    std::string enforcement, severity;
    Severity fail_on;
    Decision expected;
  };
  // p/typed (high, errors) is in every run, so use fail_on above it where allow is expected.
  const Case cases[] = {
      {"deny", "high", Severity::kLow, Decision::kDeny},
      {"deny", "critical", Severity::kCritical, Decision::kDeny},
      {"deny", "low", Severity::kCritical, Decision::kAllow},
      {"warn", "critical", Severity::kInfo, Decision::kAllow},
      {"audit", "critical", Severity::kInfo, Decision::kAllow},
  };
  for (const Case& c : cases) {
    Load(c.enforcement, c.severity);
    options_.fail_on = c.fail_on;
    RunResult r = Evaluate(*bundle_, inputs_, options_);
    EXPECT_EQ(r.decision, c.expected) << c.enforcement << " " << c.severity;
    if (c.expected == Decision::kAllow) {
      EXPECT_TRUE(r.deny_reasons.empty());
    }
  }
}

TEST_F(EngineTest, IdenticalForAnyJobCount) {
  Load("deny", "high", 2000);
  options_.jobs = 1;
  RunResult one = Evaluate(*bundle_, inputs_, options_);
  options_.jobs = 8;
  RunResult eight = Evaluate(*bundle_, inputs_, options_);
  ASSERT_EQ(one.outcomes.size(), eight.outcomes.size());
  ASSERT_EQ(one.outcomes.size(), 4000u);
  for (size_t i = 0; i < one.outcomes.size(); ++i) {
    EXPECT_EQ(one.outcomes[i].rule_id, eight.outcomes[i].rule_id);
    EXPECT_EQ(one.outcomes[i].subject_id, eight.outcomes[i].subject_id);
    EXPECT_EQ(one.outcomes[i].outcome, eight.outcomes[i].outcome);
    EXPECT_EQ(one.outcomes[i].message, eight.outcomes[i].message);
    EXPECT_EQ(one.outcomes[i].evidence, eight.outcomes[i].evidence);
  }
  EXPECT_EQ(one.deny_reasons, eight.deny_reasons);
  EXPECT_LT(one.outcomes[0].subject_id, one.outcomes[1].subject_id);
}

TEST_F(EngineTest, PassingRecordsCanBeDroppedButAreCounted) {
  Load("deny", "high", 100);
  options_.record_passing = false;
  RunResult r = Evaluate(*bundle_, inputs_, options_);
  EXPECT_GT(r.counts.pass, 0);
  for (const OutcomeRecord& o : r.outcomes) EXPECT_NE(o.outcome, Outcome::kPass);
}

TEST(FormatTest, NumbersAndTimes) {
  EXPECT_EQ(FormatNumber(0.031 * 100.0), "3.1");
  EXPECT_EQ(FormatNumber(0.02), "0.02");
  EXPECT_EQ(FormatNumber(1500000.0), "1500000");
  EXPECT_EQ(FormatNumber(-2.5), "-2.5");
  EXPECT_EQ(FormatNumber(0.0), "0");
  EXPECT_EQ(FormatTime(*policy::ParseTime("2025-06-01T12:34:56Z")), "2025-06-01T12:34:56Z");
  EXPECT_EQ(OutcomeName(Outcome::kNotEvaluable), "not_evaluable");
  EXPECT_EQ(SeverityName(Severity::kCritical), "critical");
}

}  // namespace
}  // namespace stagegate::eval

namespace stagegate::eval {
namespace {

TEST_F(EngineTest, ProgressReachesEverySubjectOnAnyThreadCount) {
  Load("deny", "high", 300);
  for (int jobs : {1, 2}) {
    size_t best = 0, total = 0, calls = 0;
    options_.jobs = jobs;
    options_.progress = [&](size_t judged, size_t all) {
      best = std::max(best, judged);
      total = all;
      ++calls;
    };
    Evaluate(*bundle_, inputs_, options_);
    EXPECT_EQ(total, 300u);
    EXPECT_EQ(best, 300u) << "jobs " << jobs;
    EXPECT_GE(calls, 1u);
  }
}

}  // namespace
}  // namespace stagegate::eval
