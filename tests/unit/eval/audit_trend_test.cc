// The trend of an audit against the previous one's recorded decision.

#include "engine/eval/audit_trend.h"

#include <gtest/gtest.h>

namespace stagegate::eval {
namespace {

OutcomeRecord Finding(const char* rule, const char* id, Outcome outcome = Outcome::kFail) {
  OutcomeRecord o;
  o.rule_id = rule;
  o.subject_kind = "device";
  o.subject_id = id;
  o.outcome = outcome;
  return o;
}

TEST(AuditTrendTest, NewFixedGoneAndStillFailing) {
  subjects::SubjectSet subjects;
  subjects.AddFile("in.json", R"([{"kind": "device", "id": "d-1"}, {"kind": "device", "id": "d-2"},
                                  {"kind": "device", "id": "d-3"}])");
  subjects.Finish();
  RunResult current;
  RuleInfo a, b;
  a.id = "p/a";
  b.id = "p/b";
  current.rules = {a, b};
  current.outcomes = {Finding("p/a", "d-1"), Finding("p/a", "d-2", Outcome::kNotEvaluable),
                      Finding("p/b", "d-3", Outcome::kWaived)};
  WaiverInfo soon;
  soon.id = "w";
  soon.days_left = 3;
  current.waivers = {soon};
  const nlohmann::json previous = nlohmann::json::parse(R"({"evaluated_at": "2026-11-01T00:00:00Z", "outcomes": [
    {"rule": "p/a", "subject": {"kind": "device", "id": "d-1"}, "outcome": "fail"},
    {"rule": "p/b", "subject": {"kind": "device", "id": "d-3"}, "outcome": "error"},
    {"rule": "p/b", "subject": {"kind": "device", "id": "d-9"}, "outcome": "fail"},
    {"rule": "p/old", "subject": {"kind": "device", "id": "d-1"}, "outcome": "fail"},
    {"rule": "p/a", "subject": {"kind": "device", "id": "d-3"}, "outcome": "pass"}]})");
  std::string error;
  std::optional<AuditTrend> trend = CompareAudits(current, subjects, previous, &error);
  ASSERT_TRUE(trend) << error;
  EXPECT_EQ(trend->previous_evaluated_at, "2026-11-01T00:00:00Z");
  EXPECT_EQ(trend->still_failing, 1);  // p/a on d-1
  ASSERT_EQ(trend->new_findings.size(), 1u);
  EXPECT_EQ(trend->new_findings[0].subject_id, "d-2");
  EXPECT_EQ(trend->new_findings[0].outcome, "not_evaluable");
  ASSERT_EQ(trend->fixed.size(), 1u);  // p/b on d-3: waived now, no longer a finding
  EXPECT_EQ(trend->fixed[0].subject_id, "d-3");
  ASSERT_EQ(trend->gone.size(), 2u);  // d-9 left the fleet; p/old no longer runs
  ASSERT_EQ(trend->waivers_expiring.size(), 1u);

  EXPECT_FALSE(CompareAudits(current, subjects, nlohmann::json::object(), &error));
  EXPECT_EQ(error, "the previous audit's record holds no outcomes list");
  EXPECT_FALSE(CompareAudits(current, subjects, nlohmann::json::parse(R"({"outcomes": [{"rule": 1}]})"), &error));
  EXPECT_EQ(error, "the previous audit's record has a malformed outcome");
}

}  // namespace
}  // namespace stagegate::eval
