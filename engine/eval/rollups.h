#pragma once
// Roll-ups of a run for people who own parts of the fleet: findings per
// site, zone, device class, firmware version and model version, and the
// subjects with the most serious findings.
//
// A finding is a fail, error or not_evaluable outcome. A stream's findings
// count for its device's site, zone, class and firmware; a model's for its
// version. Waived outcomes are not findings.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/eval/run_result.h"
#include "engine/subjects/inputs.h"

namespace stagegate::eval {

struct RollupGroup {
  std::string value;               // "plant-a", "4.2.1", ... ("(none)" when the field is absent)
  int64_t subjects = 0;            // subjects of the group in the run (devices; models for model_version)
  int64_t subjects_with_findings = 0;
  int64_t findings = 0;
  int64_t critical = 0, high = 0;  // findings of those severities
};

struct Rollup {
  std::string dimension;            // "site", "zone", "class", "firmware", "model_version"
  std::vector<RollupGroup> groups;  // most findings first, then by value
};

struct Offender {
  std::string subject_kind;
  std::string subject_id;
  int64_t findings = 0;
  int64_t critical = 0, high = 0, medium = 0, low = 0;
  std::vector<std::string> rules;  // rule ids with a finding, sorted
};

struct Rollups {
  std::vector<Rollup> dimensions;
  std::vector<Offender> worst;  // at most `max_offenders`, most serious first
  // The site of every subject with a finding whose device names one:
  // "stream/dev-7/temperature" → "plant-a". Reports list findings by site.
  std::map<std::string, std::string> finding_sites;
};

// Rolls up `result` (run on `subjects`).
Rollups ComputeRollups(const RunResult& result, const subjects::SubjectSet& subjects, size_t max_offenders = 20);

}  // namespace stagegate::eval
