#include "engine/eval/rollups.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace stagegate::eval {
namespace {

constexpr const char* kNone = "(none)";
constexpr const char* kDeviceDimensions[] = {"site", "zone", "class", "firmware"};

// The device field as a group value: strings as they are, a firmware object
// by its version, anything else absent.
std::string FieldValue(const subjects::Subject& device, std::string_view field) {
  auto it = device.document.find(std::string(field));
  if (it == device.document.end()) return kNone;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto version = it->find("version");
    if (version != it->end() && version->is_string()) return version->get<std::string>();
  }
  return kNone;
}

std::string ModelVersion(const subjects::Subject& model) {
  auto version = model.document.find("version");
  const std::string v = version != model.document.end() && version->is_string() ? version->get<std::string>() : "";
  return model.id + (v.empty() ? "" : "@" + v);
}

struct GroupTally {
  RollupGroup group;
  std::set<const subjects::Subject*> with_findings;
};

void Sort(std::vector<RollupGroup>& groups) {
  std::sort(groups.begin(), groups.end(), [](const RollupGroup& a, const RollupGroup& b) {
    if (a.findings != b.findings) return a.findings > b.findings;
    return a.value < b.value;
  });
}

}  // namespace

Rollups ComputeRollups(const RunResult& result, const subjects::SubjectSet& subjects, size_t max_offenders) {
  std::unordered_map<std::string, const RuleInfo*> rules;
  for (const RuleInfo& rule : result.rules) rules.emplace(rule.id, &rule);

  // Every device counts in its groups, findings or not.
  std::map<std::string, std::map<std::string, GroupTally>> device_groups;  // dimension → value → tally
  for (const char* dimension : kDeviceDimensions) {
    for (const subjects::Subject* device : subjects.OfKind(facts::SubjectKind::kDevice)) {
      GroupTally& tally = device_groups[dimension][FieldValue(*device, dimension)];
      tally.group.value = FieldValue(*device, dimension);
      ++tally.group.subjects;
    }
  }
  std::map<std::string, GroupTally> model_groups;
  for (const subjects::Subject* model : subjects.OfKind(facts::SubjectKind::kModel)) {
    GroupTally& tally = model_groups[ModelVersion(*model)];
    tally.group.value = ModelVersion(*model);
    ++tally.group.subjects;
  }

  Rollups out;
  std::map<std::pair<std::string, std::string>, Offender> offenders;
  auto count = [](GroupTally& tally, const subjects::Subject* subject, Severity severity) {
    ++tally.group.findings;
    if (severity == Severity::kCritical) ++tally.group.critical;
    if (severity == Severity::kHigh) ++tally.group.high;
    tally.with_findings.insert(subject);
  };
  for (const OutcomeRecord& outcome : result.outcomes) {
    if (!IsFinding(outcome.outcome)) continue;
    auto rule = rules.find(outcome.rule_id);
    const Severity severity = rule == rules.end() ? Severity::kMedium : rule->second->severity;
    Offender& offender = offenders[{outcome.subject_kind, outcome.subject_id}];
    offender.subject_kind = outcome.subject_kind;
    offender.subject_id = outcome.subject_id;
    ++offender.findings;
    switch (severity) {
      case Severity::kCritical: ++offender.critical; break;
      case Severity::kHigh: ++offender.high; break;
      case Severity::kMedium: ++offender.medium; break;
      default: ++offender.low; break;
    }
    offender.rules.push_back(outcome.rule_id);

    const std::optional<facts::SubjectKind> kind = facts::ParseSubjectKind(outcome.subject_kind);
    if (!kind) continue;
    const subjects::Subject* subject = subjects.Find(*kind, outcome.subject_id);
    if (subject == nullptr) continue;
    const subjects::Subject* device = *kind == facts::SubjectKind::kDevice   ? subject
                                      : *kind == facts::SubjectKind::kStream ? subject->device
                                                                             : nullptr;
    if (device != nullptr) {
      const std::string site = FieldValue(*device, "site");
      if (site != kNone) out.finding_sites.emplace(outcome.subject_kind + "/" + outcome.subject_id, site);
      for (const char* dimension : kDeviceDimensions) {
        count(device_groups[dimension][FieldValue(*device, dimension)], device, severity);
      }
    }
    if (*kind == facts::SubjectKind::kModel) count(model_groups[ModelVersion(*subject)], subject, severity);
  }

  for (const char* dimension : kDeviceDimensions) {
    Rollup rollup;
    rollup.dimension = dimension;
    for (auto& [value, tally] : device_groups[dimension]) {
      tally.group.subjects_with_findings = static_cast<int64_t>(tally.with_findings.size());
      rollup.groups.push_back(tally.group);
    }
    Sort(rollup.groups);
    out.dimensions.push_back(std::move(rollup));
  }
  Rollup models;
  models.dimension = "model_version";
  for (auto& [value, tally] : model_groups) {
    tally.group.subjects_with_findings = static_cast<int64_t>(tally.with_findings.size());
    models.groups.push_back(tally.group);
  }
  Sort(models.groups);
  out.dimensions.push_back(std::move(models));

  for (auto& [key, offender] : offenders) {
    std::sort(offender.rules.begin(), offender.rules.end());
    offender.rules.erase(std::unique(offender.rules.begin(), offender.rules.end()), offender.rules.end());
    out.worst.push_back(std::move(offender));
  }
  std::sort(out.worst.begin(), out.worst.end(), [](const Offender& a, const Offender& b) {
    if (a.critical != b.critical) return a.critical > b.critical;
    if (a.high != b.high) return a.high > b.high;
    if (a.findings != b.findings) return a.findings > b.findings;
    if (a.subject_kind != b.subject_kind) return a.subject_kind < b.subject_kind;
    return a.subject_id < b.subject_id;
  });
  if (out.worst.size() > max_offenders) out.worst.resize(max_offenders);
  return out;
}

}  // namespace stagegate::eval
