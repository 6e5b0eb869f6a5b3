#pragma once
// Framework coverage of one run: for every control of every Framework of the
// bundle, the rules of the run mapped to it, their outcomes summed over the
// subjects they judged, and a status a compliance reader understands.
//
//   satisfied      some mapped rule judged a subject; none failed, erred,
//                  lacked a fact or was waived
//   not_satisfied  a mapped rule failed, erred or could not be evaluated
//   partial        nothing failed, but some failures were waived
//   no_evidence    no rule maps to the control (a gap in the policy set), or
//                  its rules judged nothing (no subject, or none applied)

#include <string>
#include <string_view>
#include <vector>

#include "engine/eval/run_result.h"
#include "engine/policy/model.h"

namespace stagegate::eval {

enum class ControlStatus { kSatisfied, kNotSatisfied, kPartial, kNoEvidence };

// "satisfied", "not_satisfied", "partial", "no_evidence".
std::string_view ControlStatusName(ControlStatus status);

struct ControlCoverage {
  std::string id;     // "SR-1.8"
  std::string title;
  std::string family;
  int level = 0;
  std::string evidence;             // what an auditor expects (from the catalog)
  std::vector<std::string> rules;   // ids of the run's rules mapped to it, sorted
  std::vector<std::string> subject_kinds;  // kinds those rules judge, sorted, unique
  Counts counts;                    // the rules' outcomes summed
  ControlStatus status = ControlStatus::kNoEvidence;
  bool gap() const { return rules.empty(); }  // no rule maps to it at all
};

struct FrameworkCoverage {
  std::string id;
  std::string title;
  std::string version;
  std::vector<ControlCoverage> controls;  // in catalog order
  int satisfied = 0, not_satisfied = 0, partial = 0, no_evidence = 0, gaps = 0;
};

// Coverage of every framework of `bundle` by the rules of `result` (which
// must come from evaluating that bundle), frameworks sorted by id.
std::vector<FrameworkCoverage> ComputeCoverage(const policy::LoadedBundle& bundle, const RunResult& result);

}  // namespace stagegate::eval
