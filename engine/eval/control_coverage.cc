#include "engine/eval/control_coverage.h"

#include <algorithm>
#include <map>

namespace stagegate::eval {

std::string_view ControlStatusName(ControlStatus status) {
  switch (status) {
    case ControlStatus::kSatisfied: return "satisfied";
    case ControlStatus::kNotSatisfied: return "not_satisfied";
    case ControlStatus::kPartial: return "partial";
    case ControlStatus::kNoEvidence: return "no_evidence";
  }
  return "no_evidence";
}

namespace {

void Add(Counts& to, const Counts& add) {
  to.pass += add.pass;
  to.fail += add.fail;
  to.not_evaluable += add.not_evaluable;
  to.error += add.error;
  to.waived += add.waived;
  to.not_applicable += add.not_applicable;
}

ControlStatus StatusOf(const ControlCoverage& control) {
  const Counts& c = control.counts;
  if (control.rules.empty()) return ControlStatus::kNoEvidence;
  if (c.fail + c.error + c.not_evaluable > 0) return ControlStatus::kNotSatisfied;
  if (c.waived > 0) return ControlStatus::kPartial;
  if (c.pass > 0) return ControlStatus::kSatisfied;
  return ControlStatus::kNoEvidence;
}

}  // namespace

std::vector<FrameworkCoverage> ComputeCoverage(const policy::LoadedBundle& bundle, const RunResult& result) {
  // Control reference → the rules of the run mapped to it.
  std::map<std::string, std::vector<const RuleInfo*>, std::less<>> rules_of;
  for (const RuleInfo& rule : result.rules) {
    for (const std::string& control : rule.controls) rules_of[control].push_back(&rule);
  }
  std::vector<FrameworkCoverage> out;
  for (const policy::Framework& framework : bundle.frameworks) {
    FrameworkCoverage coverage;
    coverage.id = framework.id;
    coverage.title = framework.title;
    coverage.version = framework.version;
    for (const policy::Control& control : framework.controls) {
      ControlCoverage entry;
      entry.id = control.id;
      entry.title = control.title;
      entry.family = control.family;
      entry.level = control.level;
      entry.evidence = control.evidence;
      auto found = rules_of.find(framework.id + ":" + control.id);
      if (found != rules_of.end()) {
        for (const RuleInfo* rule : found->second) {
          entry.rules.push_back(rule->id);
          entry.subject_kinds.push_back(rule->subject_kind);
          Add(entry.counts, rule->counts);
        }
      }
      std::sort(entry.rules.begin(), entry.rules.end());
      std::sort(entry.subject_kinds.begin(), entry.subject_kinds.end());
      entry.subject_kinds.erase(std::unique(entry.subject_kinds.begin(), entry.subject_kinds.end()),
                                entry.subject_kinds.end());
      entry.status = StatusOf(entry);
      switch (entry.status) {
        case ControlStatus::kSatisfied: ++coverage.satisfied; break;
        case ControlStatus::kNotSatisfied: ++coverage.not_satisfied; break;
        case ControlStatus::kPartial: ++coverage.partial; break;
        case ControlStatus::kNoEvidence: ++coverage.no_evidence; break;
      }
      if (entry.gap()) ++coverage.gaps;
      coverage.controls.push_back(std::move(entry));
    }
    out.push_back(std::move(coverage));
  }
  std::sort(out.begin(), out.end(), [](const FrameworkCoverage& a, const FrameworkCoverage& b) { return a.id < b.id; });
  return out;
}

}  // namespace stagegate::eval
