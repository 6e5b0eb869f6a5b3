#include "engine/eval/policy_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stagegate::eval {
namespace {

OutcomeRecord Record(std::string rule, std::string id, Outcome outcome, std::string message = "") {
  OutcomeRecord record;
  record.rule_id = std::move(rule);
  record.subject_kind = "stream";
  record.subject_id = std::move(id);
  record.outcome = outcome;
  record.message = std::move(message);
  return record;
}

TEST(AddOutcomeDiffTest, ListsOnlyOutcomesThatChange) {
  RunResult before, after;
  before.decision = Decision::kAllow;
  after.decision = Decision::kDeny;
  before.outcomes = {Record("p/a", "s1", Outcome::kPass), Record("p/a", "s2", Outcome::kFail, "old failure"),
                     Record("p/a", "s3", Outcome::kPass), Record("p/gone", "s1", Outcome::kPass),
                     Record("p/gone", "s2", Outcome::kError, "broken")};
  after.outcomes = {Record("p/a", "s1", Outcome::kFail, "now fails"), Record("p/a", "s2", Outcome::kPass),
                    Record("p/a", "s3", Outcome::kPass), Record("p/new", "s1", Outcome::kNotApplicable),
                    Record("p/new", "s2", Outcome::kNotEvaluable, "missing fact")};
  PolicyDiff diff;
  AddOutcomeDiff(before, after, 3, &diff);
  ASSERT_TRUE(diff.evaluated);
  EXPECT_EQ(diff.decision_before, Decision::kAllow);
  EXPECT_EQ(diff.decision_after, Decision::kDeny);
  EXPECT_EQ(diff.subjects, 3);
  ASSERT_EQ(diff.flips.size(), 4u);
  // Sorted by rule, then subject; a removed rule that passed and a new rule
  // that is not applicable flip nothing.
  EXPECT_EQ(diff.flips[0].rule, "p/a");
  EXPECT_EQ(diff.flips[0].subject_id, "s1");
  EXPECT_EQ(diff.flips[0].message, "now fails");
  EXPECT_TRUE(diff.flips[0].worse());
  EXPECT_EQ(diff.flips[1].subject_id, "s2");
  EXPECT_EQ(diff.flips[1].message, "old failure");  // explained by the side that did not pass
  EXPECT_FALSE(diff.flips[1].worse());
  EXPECT_EQ(diff.flips[2].rule, "p/gone");
  EXPECT_EQ(diff.flips[2].before, Outcome::kError);
  EXPECT_EQ(diff.flips[2].after, std::nullopt);
  EXPECT_FALSE(diff.flips[2].worse());
  EXPECT_EQ(diff.flips[3].rule, "p/new");
  EXPECT_EQ(diff.flips[3].before, std::nullopt);
  EXPECT_EQ(diff.flips[3].after, Outcome::kNotEvaluable);
  EXPECT_TRUE(diff.flips[3].worse());
}

TEST(RenderDiffTest, MarkdownEscapesTableCells) {
  PolicyDiff diff;
  diff.from.ref = "v1";
  diff.to.ref = "v2";
  RuleChange change;
  change.kind = RuleChangeKind::kChanged;
  change.rule = "p/r";
  change.where = "policies/p.yaml:3";
  change.changes = {{"assert", "a || b", "`x` | y"}};
  diff.rules.push_back(change);
  diff.changed = 1;
  const std::string markdown = RenderDiffMarkdown(diff);
  EXPECT_THAT(markdown, ::testing::HasSubstr("`assert`: `a \\|\\| b` → `` `x` \\| y ``"));
  EXPECT_THAT(markdown, ::testing::HasSubstr("run with `--input`"));
  const std::string text = RenderDiffText(diff);
  EXPECT_THAT(text, ::testing::HasSubstr("  ~ p/r  policies/p.yaml:3\n      assert  a || b → `x` | y\n"));
  const nlohmann::json json = nlohmann::json::parse(RenderDiffJson(diff));
  EXPECT_EQ(json["rules"][0]["fields"][0]["after"], "`x` | y");
  EXPECT_TRUE(json["evaluation"].is_null());
}

}  // namespace
}  // namespace stagegate::eval
