#pragma once
// The IEC 62443 assessment of one zone: the security level it achieves per
// foundational requirement (SL-A) from how its member devices were judged by
// the rules mapped to the catalog's requirements, the gap to its target
// (SL-T), and its conduits.
//
// SL-A for FR n is the highest level L (0..4) such that every requirement of
// FR n applying at L or below (catalog `level`) is met: excluded by the zone
// with a reason, or judged by at least one mapped rule for every member
// device with no failure, error, missing fact or waiver (a rule that does not
// apply to a member gives no evidence for it). A requirement no rule maps to
// is unassessed and caps the level: SL-A claims only what was verified.
// SR 5.1 (network segmentation) and SR 5.2 (zone boundary protection) are
// judged from the zone document itself: unmet when a conduit leads to a zone
// that is not modelled, or crosses to another target level unprotected.

#include <array>
#include <map>
#include <string>
#include <vector>

#include "engine/eval/control_ledger.h"
#include "engine/policy/model.h"
#include "evaluators/zones/zone_document.h"

namespace stagegate::zones {

inline constexpr char kSystemRequirementsFramework[] = "iec62443-3-3";

// A requirement of the catalog with its FR (1..7) and level (1..4).
struct Requirement {
  std::string id;
  int fr = 0;
  int level = 0;
};

// The leveled requirements of `framework` (controls with family FR1..FR7 and
// a level), sorted by FR and level, in catalog order within them.
std::vector<Requirement> LeveledRequirements(const policy::Framework& framework);

struct ZoneAssessment {
  std::vector<std::string> member_ids;
  std::array<int, kFoundationalRequirements> achieved{};
  std::array<int, kFoundationalRequirements> gap{};
  // One line per FR whose SL-A is below its SL-T, naming what blocks the next level.
  std::vector<std::string> gaps;
  // Requirements up to the zone's target level that no rule of the run maps to.
  std::vector<std::string> unassessed;
  // "SR-1.6: <reason>" for the zone's exclusions.
  std::vector<std::string> excluded;
  // Conduits to zones of a different SL-T with a protocol that does not both
  // encrypt and authenticate: "to cloud: mqtt (unprotected)".
  std::vector<std::string> unprotected_conduits;
  // Conduits naming a zone that is not in the inputs.
  std::vector<std::string> unknown_zones;
};

struct ZoneContext {
  const std::vector<Requirement>* requirements = nullptr;
  const eval::ControlLedger* ledger = nullptr;
  // SL-T of every zone of the run, by id (for the conduits).
  const std::map<std::string, std::array<int, kFoundationalRequirements>, std::less<>>* targets = nullptr;
};

ZoneAssessment AssessZone(const ZoneDocument& zone, const std::vector<const subjects::Subject*>& members,
                          const ZoneContext& context);

}  // namespace stagegate::zones
