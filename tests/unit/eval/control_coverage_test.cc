// Framework coverage: each control's rules, summed outcomes and status.

#include "engine/eval/control_coverage.h"

#include <gtest/gtest.h>

#include "engine/eval/engine.h"
#include "engine/policy/loader.h"

namespace stagegate::eval {
namespace {

constexpr char kBundle[] = R"(apiVersion: stagegate/v1
kind: Framework
metadata: {id: f, title: Framework F}
spec:
  version: "1"
  controls:
    - {id: C-met, title: Met, evidence: logs}
    - {id: C-failed, title: Failed}
    - {id: C-waived, title: Waived}
    - {id: C-gap, title: No rule}
    - {id: C-skipped, title: Rules apply to nothing}
---
apiVersion: stagegate/v1
kind: Policy
metadata: {name: p}
spec:
  enforcement: deny
  rules:
    - id: good
      subject: device
      assert: "true"
      severity: high
      controls: [f:C-met, f:C-failed]
    - id: bad-on-d2
      subject: device
      assert: device.id != "d-2"
      severity: high
      controls: [f:C-failed]
    - id: waived-on-d1
      subject: device
      assert: device.id != "d-1"
      severity: high
      controls: [f:C-waived]
    - id: never
      subject: device
      when: "false"
      assert: "true"
      severity: high
      controls: [f:C-skipped]
---
apiVersion: stagegate/v1
kind: Waiver
metadata: {id: w}
spec:
  rule: p/waived-on-d1
  subjects: [d-1]
  reason: r
  approver: a@example.org
  expires: "2025-06-30"
)";

TEST(ControlCoverageTest, StatusPerControlFromTheRulesOutcomes) {
  subjects::SubjectSet inputs;
  inputs.AddFile("in.json", R"([{"kind": "device", "id": "d-1"}, {"kind": "device", "id": "d-2"}])");
  inputs.Finish();
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  subjects::InferFacts(inputs, &schema);
  bundle::Bundle bundle;
  bundle.files.push_back({"p.yaml", kBundle});
  policy::LoadOptions load;
  load.now = *policy::ParseTime("2025-06-01T00:00:00Z");
  policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, load);
  ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
  EvalOptions options;
  options.at = load.now;
  options.record_passing = false;  // coverage needs only the per-rule counts
  const RunResult result = Evaluate(*loaded.bundle, inputs, options);

  const std::vector<FrameworkCoverage> coverage = ComputeCoverage(*loaded.bundle, result);
  ASSERT_EQ(coverage.size(), 1u);
  const FrameworkCoverage& f = coverage[0];
  EXPECT_EQ(f.title, "Framework F");
  ASSERT_EQ(f.controls.size(), 5u);
  EXPECT_EQ(f.controls[0].status, ControlStatus::kSatisfied);
  EXPECT_EQ(f.controls[0].counts.pass, 2);
  EXPECT_EQ(f.controls[0].evidence, "logs");
  EXPECT_EQ(f.controls[1].status, ControlStatus::kNotSatisfied);
  EXPECT_EQ(f.controls[1].rules, (std::vector<std::string>{"p/bad-on-d2", "p/good"}));
  EXPECT_EQ(f.controls[1].counts.pass, 3);
  EXPECT_EQ(f.controls[1].counts.fail, 1);
  EXPECT_EQ(f.controls[2].status, ControlStatus::kPartial);
  EXPECT_EQ(f.controls[3].status, ControlStatus::kNoEvidence);
  EXPECT_TRUE(f.controls[3].gap());
  EXPECT_EQ(f.controls[4].status, ControlStatus::kNoEvidence);
  EXPECT_FALSE(f.controls[4].gap());
  EXPECT_EQ(f.controls[4].subject_kinds, std::vector<std::string>{"device"});
  EXPECT_EQ(f.satisfied, 1);
  EXPECT_EQ(f.not_satisfied, 1);
  EXPECT_EQ(f.partial, 1);
  EXPECT_EQ(f.no_evidence, 2);
  EXPECT_EQ(f.gaps, 1);
  // The per-rule counts survive without passing records.
  EXPECT_TRUE(result.outcomes.size() < static_cast<size_t>(result.counts.total()));
  EXPECT_EQ(ControlStatusName(ControlStatus::kNotSatisfied), "not_satisfied");
}

}  // namespace
}  // namespace stagegate::eval
