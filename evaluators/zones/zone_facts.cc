#include "evaluators/zones/zone_facts.h"

#include <map>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "engine/subjects/field_selector.h"
#include "evaluators/zones/zone_assessment.h"
#include "evaluators/zones/zone_document.h"

namespace stagegate::zones {

using facts::FactDef;
using facts::FactOrigin;
using facts::SubjectKind;
using subjects::ComputedFact;
using subjects::Subject;

void RegisterZoneFacts(facts::FactSchema& schema) {
  const SubjectKind z = SubjectKind::kZone;
  auto add = [&](std::string name, cel::Type type, FactOrigin origin, std::string description) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.description = std::move(description);
    def.origin = origin;
    schema.Add(z, std::move(def));
  };
  const cel::Type i = cel::Type::Int(), s = cel::Type::String();
  const cel::Type strings = cel::Type::List(cel::Type::String());
  const cel::Type maps = cel::Type::List(cel::Type::Map(cel::Type::String(), cel::Type::Dyn()));
  add("title", s, FactOrigin::kInput, "Name of the zone.");
  add("security_level_target", cel::Type::Dyn(), FactOrigin::kInput,
      "Target security level: one level 0..4 for every FR, or a map FR1..FR7 to levels.");
  add("device_selector", cel::Type::Map(cel::Type::String(), cel::Type::Dyn()), FactOrigin::kInput,
      "Member devices by field equality (dotted paths); default: devices whose zone is the zone id.");
  add("device_ids", strings, FactOrigin::kInput, "Member devices by id.");
  add("conduits", maps, FactOrigin::kInput, "Conduits to other zones: {to, protocols}.");
  add("exclusions", maps, FactOrigin::kInput, "Requirements excluded from the zone: {requirement, reason}.");
  for (int fr = 1; fr <= kFoundationalRequirements; ++fr) {
    add(fmt::format("sl.target.fr{}", fr), i, FactOrigin::kComputed, fmt::format("SL-T of FR{} (0..4).", fr));
    add(fmt::format("sl.achieved.fr{}", fr), i, FactOrigin::kComputed,
        fmt::format("SL-A of FR{}: the highest level whose FR{} requirements the members all meet (0..4).", fr, fr));
    add(fmt::format("sl.gap.fr{}", fr), i, FactOrigin::kComputed, fmt::format("SL-T minus SL-A of FR{}, at least 0.", fr));
  }
  add("sl.gap_max", i, FactOrigin::kComputed, "The largest gap over FR1..FR7.");
  add("sl.gaps", strings, FactOrigin::kComputed,
      "One line per FR below its target: target, achieved, and the requirements in between with why each is unmet.");
  add("sl.unassessed", strings, FactOrigin::kComputed,
      "Requirements up to the target level that no rule of the run maps to (not excluded).");
  add("sl.excluded", strings, FactOrigin::kComputed, "The zone's excluded requirements with their reasons.");
  add("members.count", i, FactOrigin::kComputed, "Number of member devices.");
  add("members.ids", strings, FactOrigin::kComputed, "Ids of the member devices, sorted.");
  add("boundary.conduits", i, FactOrigin::kComputed, "Number of conduits of the zone.");
  add("boundary.unprotected", strings, FactOrigin::kComputed,
      "Conduits to a zone of different SL-T allowing a protocol that does not both encrypt and authenticate.");
  add("boundary.unknown_zones", strings, FactOrigin::kComputed, "Conduits to zones that are not in the inputs.");
}

namespace {

std::string Where(const Subject& subject) {
  return fmt::format("{}:{}: zone '{}'", subject.location.file, subject.location.line, subject.id);
}

nlohmann::json Strings(const std::vector<std::string>& values) { return nlohmann::json(values); }

}  // namespace

struct ZoneReview::State {
  const eval::ControlLedger* ledger = nullptr;
  const policy::Framework* catalog = nullptr;
  std::vector<Requirement> requirements;
  std::map<std::string, std::array<int, kFoundationalRequirements>, std::less<>> targets;
  struct Zone {
    ZoneDocument document;
    std::vector<const Subject*> members;
    std::once_flag assessed;
    ZoneAssessment assessment;
  };
  std::map<const Subject*, std::unique_ptr<Zone>> zones;

  const ZoneAssessment& Assess(Zone& zone) const {
    std::call_once(zone.assessed, [&] {
      ZoneContext context{&requirements, ledger, &targets};
      zone.assessment = AssessZone(zone.document, zone.members, context);
    });
    return zone.assessment;
  }
};

namespace {

class ZoneProvider final : public subjects::FactProvider {
 public:
  explicit ZoneProvider(std::shared_ptr<ZoneReview::State> state) : state_(std::move(state)) {}

  ComputedFact Compute(const Subject& subject, std::string_view fact) const override {
    auto found = state_->zones.find(&subject);
    if (found == state_->zones.end()) return ComputedFact::Missing();
    ZoneReview::State::Zone& zone = *found->second;
    if (fact.starts_with("sl.target.fr")) {
      const int fr = FrOf(fact, "sl.target.fr");
      if (fr == 0) return ComputedFact::Missing();
      return ComputedFact::Of(zone.document.target[static_cast<size_t>(fr - 1)]);
    }
    if (fact == "sl.excluded") {
      std::vector<std::string> excluded;
      for (const Exclusion& e : zone.document.exclusions) excluded.push_back(e.requirement + ": " + e.reason);
      return ComputedFact::Of(Strings(excluded));
    }
    if (fact == "members.count") return ComputedFact::Of(static_cast<int64_t>(zone.members.size()));
    if (fact == "members.ids") {
      std::vector<std::string> ids;
      for (const Subject* member : zone.members) ids.push_back(member->id);
      return ComputedFact::Of(Strings(ids));
    }
    if (fact == "boundary.conduits") return ComputedFact::Of(static_cast<int64_t>(zone.document.conduits.size()));
    if (fact == "boundary.unprotected" || fact == "boundary.unknown_zones") {
      const ZoneAssessment& a = state_->Assess(zone);
      return ComputedFact::Of(Strings(fact == "boundary.unprotected" ? a.unprotected_conduits : a.unknown_zones));
    }
    // The achieved levels need the catalog and at least one member.
    if (state_->catalog == nullptr) {
      return ComputedFact::Error(fmt::format(
          "zone {}: the policy bundle has no '{}' Framework document, whose requirement levels SL-A is computed from; "
          "add policies/frameworks/iec62443-3-3.yaml to the policy repository",
          subject.id, kSystemRequirementsFramework));
    }
    if (zone.members.empty()) return ComputedFact::Missing();
    const ZoneAssessment& a = state_->Assess(zone);
    if (fact.starts_with("sl.achieved.fr")) {
      const int fr = FrOf(fact, "sl.achieved.fr");
      if (fr == 0) return ComputedFact::Missing();
      return ComputedFact::Of(a.achieved[static_cast<size_t>(fr - 1)]);
    }
    if (fact.starts_with("sl.gap.fr")) {
      const int fr = FrOf(fact, "sl.gap.fr");
      if (fr == 0) return ComputedFact::Missing();
      return ComputedFact::Of(a.gap[static_cast<size_t>(fr - 1)]);
    }
    if (fact == "sl.gap_max") return ComputedFact::Of(*std::max_element(a.gap.begin(), a.gap.end()));
    if (fact == "sl.gaps") return ComputedFact::Of(Strings(a.gaps));
    if (fact == "sl.unassessed") return ComputedFact::Of(Strings(a.unassessed));
    return ComputedFact::Missing();
  }

 private:
  static int FrOf(std::string_view fact, std::string_view prefix) {
    const std::string_view rest = fact.substr(prefix.size());
    if (rest.size() != 1 || rest[0] < '1' || rest[0] > '7') return 0;
    return rest[0] - '0';
  }

  std::shared_ptr<ZoneReview::State> state_;
};

// The devices a zone document designates, in id order.
bool ResolveMembers(const ZoneDocument& zone, const subjects::SubjectSet& subjects,
                    std::vector<const Subject*>* members, std::vector<std::string>* errors) {
  const Subject& subject = *zone.subject;
  if (zone.device_ids) {
    for (const std::string& id : *zone.device_ids) {
      const Subject* device = subjects.Find(SubjectKind::kDevice, id);
      if (device == nullptr) {
        errors->push_back(fmt::format("{}: device_ids names '{}', which is not a device of the inputs", Where(subject), id));
        return false;
      }
      members->push_back(device);
    }
    std::sort(members->begin(), members->end(), [](const Subject* a, const Subject* b) { return a->id < b->id; });
    members->erase(std::unique(members->begin(), members->end()), members->end());
    return true;
  }
  for (const Subject* device : subjects.OfKind(SubjectKind::kDevice)) {
    bool match = false;
    if (zone.device_selector.is_object()) {
      match = subjects::MatchesFields(device->document, zone.device_selector);
    } else {
      const nlohmann::json* value = subjects::FindField(device->document, "zone");
      match = value != nullptr && value->is_string() && value->get_ref<const std::string&>() == subject.id;
    }
    if (match) members->push_back(device);
  }
  return true;
}

}  // namespace

ZoneReview::~ZoneReview() = default;

std::shared_ptr<const ZoneReview> ZoneReview::Create(const policy::LoadedBundle& bundle,
                                                     const subjects::SubjectSet& subjects,
                                                     const eval::ControlLedger* ledger,
                                                     std::vector<std::string>* errors) {
  auto state = std::make_shared<State>();
  state->ledger = ledger;
  for (const policy::Framework& framework : bundle.frameworks) {
    if (framework.id == kSystemRequirementsFramework) state->catalog = &framework;
  }
  if (state->catalog != nullptr) state->requirements = LeveledRequirements(*state->catalog);
  const size_t errors_before = errors->size();
  std::map<const Subject*, const Subject*> zone_of_device;
  for (const Subject* subject : subjects.OfKind(SubjectKind::kZone)) {
    std::string error;
    std::optional<ZoneDocument> document = ParseZoneDocument(*subject, &error);
    if (!document) {
      errors->push_back(Where(*subject) + ": " + error);
      continue;
    }
    if (state->catalog != nullptr) {
      for (const Exclusion& exclusion : document->exclusions) {
        bool known = false;
        for (const Requirement& r : state->requirements) known = known || r.id == exclusion.requirement;
        if (!known) {
          errors->push_back(fmt::format("{}: exclusions names '{}', which is not a leveled requirement of {}",
                                        Where(*subject), exclusion.requirement, kSystemRequirementsFramework));
        }
      }
    }
    auto zone = std::make_unique<State::Zone>();
    zone->document = std::move(*document);
    if (!ResolveMembers(zone->document, subjects, &zone->members, errors)) continue;
    for (const Subject* member : zone->members) {
      auto [it, added] = zone_of_device.try_emplace(member, subject);
      if (!added) {
        errors->push_back(fmt::format("{}: device '{}' is already a member of zone '{}'; a device belongs to one zone",
                                      Where(*subject), member->id, it->second->id));
      }
    }
    state->targets.emplace(subject->id, zone->document.target);
    state->zones.emplace(subject, std::move(zone));
  }
  if (errors->size() > errors_before) return nullptr;
  std::shared_ptr<ZoneReview> review(new ZoneReview());
  review->state_ = std::move(state);
  return review;
}

void ZoneReview::RegisterProviders(subjects::FactProviderRegistry* registry) const {
  auto provider = std::make_shared<ZoneProvider>(state_);
  for (const char* prefix : {"sl", "members", "boundary"}) registry->Register(SubjectKind::kZone, prefix, provider);
}

}  // namespace stagegate::zones
