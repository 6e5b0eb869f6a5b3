// Good-policy tests of the loader: templates, parameters, variables, positions.

#include <gtest/gtest.h>

#include "engine/cel/bindings/json_value.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"
#include "tests/unit/policy/test_support.h"

namespace stagegate::policy {
namespace {

constexpr char kRules[] = R"(apiVersion: stagegate/v1
kind: Rule
metadata: {id: data.stream.missingness, title: Missingness}
spec:
  subject: stream
  params:
    max_missing_ratio: {type: double, default: 0.02, minimum: 0, maximum: 1}
    window: {type: duration, default: 15m}
  variables:
    - name: ratio
      expression: stream.quality.missing_ratio
  assert: |
    variables.ratio <=
      params.max_missing_ratio
  message: "missing {{ variables.ratio * 100.0 }}%"
  severity: high
)";

LoadResult Load(std::vector<std::pair<std::string, std::string>> files, bool warnings = false) {
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  LoadOptions options;
  options.now = *ParseTime("2026-01-01T00:00:00Z");
  options.undeclared_facts_are_warnings = warnings;
  return LoadPolicies(testing::BundleOf(std::move(files)), schema, options);
}

TEST(LoaderTest, InstantiatesTemplatesWithDefaultsAndOverrides) {
  LoadResult r = Load({{"rules.yaml", kRules},
                       {"p.yaml", R"(apiVersion: stagegate/v1
kind: Policy
metadata: {name: telemetry}
spec:
  enforcement: warn
  rules:
    - use: data.stream.missingness
      with: {max_missing_ratio: 1}
      severity: critical
    - use: data.stream.missingness
      id: default-limit
)"}});
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  const Policy* p = r.bundle->FindPolicy("telemetry");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->enforcement, eval::Enforcement::kWarn);
  ASSERT_EQ(p->rules.size(), 2u);
  EXPECT_EQ(p->rules[0].params["max_missing_ratio"], nlohmann::json(1.0));
  EXPECT_TRUE(p->rules[0].params["max_missing_ratio"].is_number_float());  // an int given for a double is a double
  EXPECT_EQ(p->rules[0].params["window"], nlohmann::json("15m"));
  EXPECT_EQ(p->rules[0].severity, eval::Severity::kCritical);
  EXPECT_EQ(p->rules[1].id, "default-limit");
  EXPECT_EQ(p->rules[1].params["max_missing_ratio"], nlohmann::json(0.02));
  EXPECT_EQ(p->rules[1].severity, eval::Severity::kHigh);
  EXPECT_EQ(p->rules[1].location.line, 10);
  EXPECT_NE(r.bundle->FindRule("telemetry/default-limit"), nullptr);
  EXPECT_EQ(p->rules[0].variables.size(), 1u);
}

TEST(LoaderTest, BlockScalarPositionsAndTypes) {
  LoadResult r = Load({{"rules.yaml", kRules}});
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  const RuleTemplate* t = r.bundle->FindTemplate("data.stream.missingness");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->assertion.location.line, 13);
  EXPECT_EQ(t->assertion.location.column, 5);
  EXPECT_EQ(t->assertion.text, "variables.ratio <=\n  params.max_missing_ratio");
  EXPECT_EQ(t->assertion.type, cel::Type::Bool());
  // The second line of the block maps to its file line and column.
  cel::SourcePosition pos = t->assertion.source->PositionOf(static_cast<int32_t>(t->assertion.text.find("params")));
  EXPECT_EQ(pos.line, 14);
  EXPECT_EQ(pos.column, 7);
  ASSERT_EQ(t->variables.size(), 1u);
  EXPECT_EQ(t->variables[0].expression.type, cel::Type::Double());
  EXPECT_EQ(t->variables[0].expression.facts, std::vector<std::string>{"stream.quality.missing_ratio"});
  ASSERT_EQ(t->message.parts.size(), 3u);
  EXPECT_EQ(t->message.parts[0].literal, "missing ");
  ASSERT_TRUE(t->message.parts[1].expression.has_value());
  EXPECT_EQ(t->message.parts[1].expression->location.column, 23);
  EXPECT_EQ(t->message.parts[2].literal, "%");
}

TEST(LoaderTest, CompiledProgramsEvaluateAndOutliveTheLoader) {
  std::shared_ptr<const cel::Program> program;
  {
    LoadResult r = Load({{"rules.yaml", R"(apiVersion: stagegate/v1
kind: Rule
metadata: {id: r}
spec:
  subject: stream
  assert: stream.quality.missing_ratio <= 0.02 && stream.device.site == "plant-a"
)"}});
    ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
    program = r.bundle->FindTemplate("r")->assertion.program;
  }
  nlohmann::json stream = {{"quality", {{"missing_ratio", 0.01}}}, {"device", {{"site", "plant-a"}}}};
  cel::MapActivation vars;
  vars.Bind("stream", cel::JsonValue(stream));
  cel::Value v = program->Evaluate(vars);
  EXPECT_EQ(cel::ValueToJson(v), nlohmann::json(true));
}

TEST(LoaderTest, UnknownFactIsAWarningWhenAsked) {
  constexpr char kRule[] = R"(apiVersion: stagegate/v1
kind: Rule
metadata: {id: r}
spec:
  subject: device
  assert: device.battery_pct > 20
)";
  LoadResult strict = Load({{"r.yaml", kRule}});
  EXPECT_FALSE(strict.ok());
  LoadResult lenient = Load({{"r.yaml", kRule}}, /*warnings=*/true);
  ASSERT_TRUE(lenient.ok());
  ASSERT_EQ(lenient.diagnostics.size(), 1u);
  EXPECT_EQ(FormatDiagnostic(lenient.diagnostics[0]),
            "r.yaml:6:18: warning SG402: unknown fact 'device.battery_pct': device has no fact 'battery_pct'; declare "
            "it in a FactSchema document or check 'stagegate facts'\n | "
            "  assert: device.battery_pct > 20\n | .................^\n");
}

TEST(LoaderTest, FactSchemaDocumentDeclaresFacts) {
  LoadResult r = Load({{"f.yaml", R"(apiVersion: stagegate/v1
kind: FactSchema
metadata: {name: inventory}
spec:
  subject: device
  facts:
    battery_pct: {type: double, unit: percent, description: Battery charge}
---
apiVersion: stagegate/v1
kind: Rule
metadata: {id: r}
spec:
  subject: device
  assert: device.battery_pct > 20.0
---
apiVersion: stagegate/v1
kind: DataContract
metadata: {name: ignored-for-now}
spec: {anything: goes}
)"}});
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  ASSERT_NE(r.bundle->schema.Find(facts::SubjectKind::kDevice, "battery_pct"), nullptr);
  EXPECT_EQ(r.bundle->schema.Find(facts::SubjectKind::kDevice, "battery_pct")->unit, "percent");
}

TEST(LoaderTest, WaiverExpiryIsEndOfDay) {
  LoadResult r = Load({{"rules.yaml", kRules},
                       {"p.yaml", "apiVersion: stagegate/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  rules: [{use: data.stream.missingness}]\n"},
                       {"w.yaml", "apiVersion: stagegate/v1\nkind: Waiver\nmetadata: {id: w}\nspec:\n  rule: p/data.stream.missingness\n  reason: r\n  approver: a\n  expires: 2026-03-01\n"}});
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  const Waiver& w = r.bundle->waivers.at(0);
  EXPECT_FALSE(w.ExpiredAt(*ParseTime("2026-03-01T23:59:59Z")));
  EXPECT_TRUE(w.ExpiredAt(*ParseTime("2026-03-02T00:00:00Z")));
}

TEST(ParseTimeTest, AcceptsDatesAndRfc3339) {
  EXPECT_TRUE(ParseTime("2026-02-28").has_value());
  EXPECT_FALSE(ParseTime("2026-02-30").has_value());
  EXPECT_EQ(*ParseTime("2026-01-01T02:00:00+02:00"), *ParseTime("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseTime("2026-01-01T00:00:00").has_value());
}

}  // namespace
}  // namespace stagegate::policy
