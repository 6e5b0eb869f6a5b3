#include "evaluators/zones/zone_assessment.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "evaluators/zones/conduit_protocols.h"

namespace stagegate::zones {
namespace {

enum class Status { kMet, kExcluded, kUnassessed, kUnmet };

struct RequirementStatus {
  Status status = Status::kMet;
  std::string reason;  // for kUnassessed and kUnmet
};

std::string DescribeUnmet(const subjects::Subject& member, const eval::ControlLedger::Tally* tally,
                          const eval::ControlLedger& ledger) {
  if (tally == nullptr) return fmt::format("no rule mapped to it judged {}", member.id);
  if (std::string_view rule = ledger.UnmetRule(*tally); !rule.empty()) {
    return fmt::format("{} does not pass {}", member.id, rule);
  }
  return fmt::format("its rules do not apply to {}", member.id);
}

// SR 5.1 and SR 5.2 are properties of the zone model itself, judged from the
// zone document (with any device rules mapped to them on top).
std::optional<RequirementStatus> JudgeZoneBoundary(const Requirement& requirement, const ZoneAssessment& zone) {
  if (requirement.id == "SR-5.1" && !zone.unknown_zones.empty()) {
    return RequirementStatus{Status::kUnmet, "the zone has conduits to zones that are not modelled"};
  }
  if (requirement.id == "SR-5.2" && !zone.unprotected_conduits.empty()) {
    return RequirementStatus{Status::kUnmet, "conduits to zones of another target allow unprotected protocols"};
  }
  return std::nullopt;
}

bool IsZoneBoundaryRequirement(const Requirement& requirement) {
  return requirement.id == "SR-5.1" || requirement.id == "SR-5.2";
}

RequirementStatus Judge(const Requirement& requirement, const ZoneDocument& zone, const ZoneAssessment& assessed,
                        const std::vector<const subjects::Subject*>& members, const eval::ControlLedger& ledger) {
  for (const Exclusion& exclusion : zone.exclusions) {
    if (exclusion.requirement == requirement.id) return {Status::kExcluded, {}};
  }
  if (std::optional<RequirementStatus> boundary = JudgeZoneBoundary(requirement, assessed)) return *boundary;
  const std::string control = std::string(kSystemRequirementsFramework) + ":" + requirement.id;
  if (ledger.RulesOf(control).empty()) {
    if (IsZoneBoundaryRequirement(requirement)) return {Status::kMet, {}};
    return {Status::kUnassessed, "no rule maps to it"};
  }
  size_t unmet = 0;
  std::string example;
  for (const subjects::Subject* member : members) {
    const eval::ControlLedger::Tally* tally = ledger.Find(*member, control);
    if (tally != nullptr && tally->Met()) continue;
    if (unmet++ == 0) example = DescribeUnmet(*member, tally, ledger);
  }
  if (unmet == 0) return {Status::kMet, {}};
  return {Status::kUnmet, fmt::format("{} of {} members do not meet it ({})", unmet, members.size(), example)};
}

std::string TargetText(const std::array<int, kFoundationalRequirements>& target) {
  std::string out;
  for (size_t i = 0; i < target.size(); ++i) out += fmt::format("{}{}", i == 0 ? "" : ",", target[i]);
  return out;
}

void AssessConduits(const ZoneDocument& zone, const ZoneContext& context, ZoneAssessment* out) {
  for (const Conduit& conduit : zone.conduits) {
    auto other = context.targets->find(conduit.to);
    if (other == context.targets->end()) {
      out->unknown_zones.push_back(
          fmt::format("to {}: no zone '{}' is in the inputs; add its zone document or fix the name", conduit.to,
                      conduit.to));
      continue;
    }
    if (other->second == zone.target) continue;  // same SL-T: SR 5.2 does not ask for more here
    std::vector<std::string> weak;
    for (const std::string& protocol : conduit.protocols) {
      switch (ClassifyProtocol(protocol)) {
        case ProtocolProtection::kEncryptedAuthenticated: break;
        case ProtocolProtection::kUnprotected: weak.push_back(protocol + " (not encrypted and authenticated)"); break;
        case ProtocolProtection::kUnknown: weak.push_back(protocol + " (unknown protocol)"); break;
      }
    }
    if (weak.empty()) continue;
    std::string joined;
    for (const std::string& w : weak) joined += (joined.empty() ? "" : ", ") + w;
    out->unprotected_conduits.push_back(fmt::format("to {} (SL-T {} here, {} there): {}", conduit.to,
                                                    TargetText(zone.target), TargetText(other->second), joined));
  }
}

}  // namespace

std::vector<Requirement> LeveledRequirements(const policy::Framework& framework) {
  std::vector<Requirement> out;
  for (const policy::Control& control : framework.controls) {
    const std::string& family = control.family;
    if (control.level < 1 || family.size() != 3 || family[0] != 'F' || family[1] != 'R' || family[2] < '1' ||
        family[2] > '7') {
      continue;
    }
    out.push_back({control.id, family[2] - '0', control.level});
  }
  // Within an FR and level, the catalog's order (SR-1.2 before SR-1.10).
  std::stable_sort(out.begin(), out.end(), [](const Requirement& a, const Requirement& b) {
    return a.fr != b.fr ? a.fr < b.fr : a.level < b.level;
  });
  return out;
}

ZoneAssessment AssessZone(const ZoneDocument& zone, const std::vector<const subjects::Subject*>& members,
                          const ZoneContext& context) {
  ZoneAssessment out;
  for (const subjects::Subject* member : members) out.member_ids.push_back(member->id);
  for (const Exclusion& exclusion : zone.exclusions) {
    out.excluded.push_back(exclusion.requirement + ": " + exclusion.reason);
  }
  AssessConduits(zone, context, &out);
  for (int fr = 1; fr <= kFoundationalRequirements; ++fr) {
    const int target = zone.target[static_cast<size_t>(fr - 1)];
    // The lowest level with an unmet requirement caps SL-A just below it.
    int achieved = 4;
    std::vector<std::string> blocking;  // requirements above SL-A up to SL-T
    for (const Requirement& requirement : *context.requirements) {
      if (requirement.fr != fr) continue;
      const RequirementStatus status = Judge(requirement, zone, out, members, *context.ledger);
      if (status.status == Status::kMet || status.status == Status::kExcluded) continue;
      if (status.status == Status::kUnassessed && requirement.level <= target) {
        out.unassessed.push_back(requirement.id);
      }
      achieved = std::min(achieved, requirement.level - 1);
      if (requirement.level <= target) {
        blocking.push_back(fmt::format("{} (level {}): {}", requirement.id, requirement.level, status.reason));
      }
    }
    out.achieved[static_cast<size_t>(fr - 1)] = achieved;
    const int gap = std::max(0, target - achieved);
    out.gap[static_cast<size_t>(fr - 1)] = gap;
    if (gap > 0) {
      std::string line = fmt::format("FR{}: target {}, achieved {}", fr, target, achieved);
      // Only what stands between SL-A and SL-T.
      std::string reasons;
      for (const std::string& b : blocking) reasons += (reasons.empty() ? "" : "; ") + b;
      out.gaps.push_back(line + ": " + reasons);
    }
  }
  return out;
}

}  // namespace stagegate::zones
