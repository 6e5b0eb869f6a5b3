// ReadDecision, the inverse of RenderJson: rendering what it reads gives the
// same bytes, and a malformed document gives an error naming the member.

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/decision_reader.h"
#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

// RenderJson of what ReadDecision reads back from RenderJson(run).
std::string RenderReadBack(const eval::RunResult& run) {
  std::string error;
  std::optional<eval::RunResult> read = ReadDecision(nlohmann::json::parse(RenderJson(run)), &error);
  EXPECT_TRUE(read.has_value()) << error;
  return read ? RenderJson(*read) : "";
}

// FullRun with evidence of every JSON type and the awkward numbers.
eval::RunResult RichRun() {
  eval::RunResult run = testing::FullRun();
  eval::OutcomeRecord& outcome = run.outcomes[1];
  outcome.evidence["a.bool"] = true;
  outcome.evidence["a.false"] = false;
  outcome.evidence["a.null"] = nullptr;
  outcome.evidence["a.negative"] = -42;
  outcome.evidence["a.big_unsigned"] = std::numeric_limits<uint64_t>::max();
  outcome.evidence["a.tiny"] = 1.5e-300;
  outcome.evidence["a.whole_double"] = 3.0;
  outcome.evidence["a.array"] = nlohmann::json::array({1, "two", nullptr, nlohmann::json::array({false})});
  outcome.evidence["a.empty_object"] = nlohmann::json::object();
  outcome.evidence["a.zeta_before_alpha"] = {{"zeta", 1}, {"alpha", {{"y", 2}, {"b", 3}}}};
  run.outcomes[6].message += " invalid \xC3(utf-8";
  return run;
}

TEST(DecisionReader, RoundTripsEveryMemberOfARichRun) {
  const eval::RunResult run = RichRun();
  EXPECT_EQ(RenderReadBack(run), RenderJson(run));
}

TEST(DecisionReader, RoundTripsAllowedAuditAndEmptyRuns) {
  EXPECT_EQ(RenderReadBack(testing::AllowRun()), RenderJson(testing::AllowRun()));
  EXPECT_EQ(RenderReadBack(testing::LargeRun(3)), RenderJson(testing::LargeRun(3)));
  const eval::RunResult empty;
  EXPECT_EQ(RenderReadBack(empty), RenderJson(empty));
}

TEST(DecisionReader, ReadsTheFieldsTheOtherRenderersUse) {
  const eval::RunResult run = RichRun();
  std::string error;
  std::optional<eval::RunResult> read = ReadDecision(nlohmann::json::parse(RenderJson(run)), &error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(RenderSarif(*read), RenderSarif(run));
  EXPECT_EQ(RenderJUnit(*read), RenderJUnit(run));
  EXPECT_EQ(RenderMarkdown(*read), RenderMarkdown(run));
  EXPECT_EQ(read->rules[0].location.line, 12);
  EXPECT_EQ(read->outcomes[3].missing_fact, "device.identity.cert.days_to_expiry");
  EXPECT_EQ(read->policy_source.commit, "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");
}

// Reads `document` after `edit`; returns the error (empty when it was read).
std::string ErrorAfter(void (*edit)(nlohmann::json&)) {
  nlohmann::json document = nlohmann::json::parse(RenderJson(testing::FullRun()));
  edit(document);
  std::string error;
  std::optional<eval::RunResult> read;
  EXPECT_NO_THROW(read = ReadDecision(document, &error));
  EXPECT_EQ(read.has_value(), error.empty());
  return error;
}

TEST(DecisionReader, NamesTheMemberThatIsWrong) {
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["schemaVersion"] = "stagegate.decision/v9"; }),
            "decision: schemaVersion: \"stagegate.decision/v9\" is not stagegate.decision/v1");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d.erase("kind"); }), "decision: kind: missing");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["decision"] = "maybe"; }),
            "decision: decision: \"maybe\" is not one of allow, deny");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["outcomes"][2]["outcome"] = "passed"; }),
            "decision: outcomes[2].outcome: \"passed\" is not one of pass, fail, not_evaluable, error, waived, "
            "not_applicable");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["outcomes"][1]["evidence"] = 3; }),
            "decision: outcomes[1].evidence: expected an object");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["rules"][0]["location"]["line"] = "12"; }),
            "decision: rules[0].location.line: expected an integer");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["rules"][0]["location"]["line"] = -1; }),
            "decision: rules[0].location.line: out of range");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["rules"][1]["controls"] = {1}; }),
            "decision: rules[1].controls[0]: expected a string");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["waivers"][0]["expired"] = "no"; }),
            "decision: waivers[0].expired: expected true or false");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["counts"]["fail"] = 1e300; }),
            "decision: counts.fail: expected an integer");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["counts"]["fail"] = std::numeric_limits<uint64_t>::max(); }),
            "decision: counts.fail: expected an integer");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["inputs"] = {"a.yaml"}; }),
            "decision: inputs[0]: expected an object");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["policy_source"] = nlohmann::json::array(); }),
            "decision: policy_source: expected an object");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& d) { d["fail_on"] = nullptr; }), "decision: fail_on: missing");
}

TEST(DecisionReader, RefusesDocumentsThatAreNotObjects) {
  for (const char* text : {"null", "[]", "\"decision\"", "42", "{}"}) {
    std::string error;
    EXPECT_FALSE(ReadDecision(nlohmann::json::parse(text), &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
  std::string error;
  EXPECT_FALSE(ReadDecision(nlohmann::json::parse("[]"), &error));
  EXPECT_EQ(error, "decision: (document): expected an object");
  EXPECT_FALSE(ReadDecision(nlohmann::json::object(), nullptr));  // no error wanted: still no crash
}

}  // namespace
}  // namespace stagegate::reports
