// Fuzzes the zone assessment end to end: the input is a YAML or JSON input
// file (devices and zones). Its zone documents are parsed by a ZoneReview
// over a small IEC 62443-3-3 catalog, then a policy with device rules mapped
// to the catalog and zone rules reading every zone fact is evaluated with
// the control ledger, so membership, SL-A, gaps and conduits all run.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/eval/engine.h"
#include "engine/policy/loader.h"
#include "evaluators/zones/zone_facts.h"

namespace {

constexpr const char* kPolicy = R"yaml(apiVersion: stagegate/v1
kind: Framework
metadata: {id: iec62443-3-3}
spec:
  controls:
    - {id: SR-1.2, family: FR1, level: 2, title: Device authentication}
    - {id: SR-1.2-RE-1, family: FR1, level: 3, title: Unique device authentication}
    - {id: SR-3.4, family: FR3, level: 1, title: Integrity}
    - {id: SR-5.1, family: FR5, level: 1, title: Segmentation}
    - {id: SR-5.2, family: FR5, level: 1, title: Boundary protection}
    - {id: SR-7.8, family: FR7, level: 2, title: Inventory}
---
apiVersion: stagegate/v1
kind: Policy
metadata: {name: p}
spec:
  enforcement: deny
  rules:
    - id: identity
      subject: device
      assert: has(device.ok) && device.ok == true
      severity: high
      controls: [iec62443-3-3:SR-1.2, iec62443-3-3:SR-1.2-RE-1]
    - id: integrity
      subject: device
      when: has(device.signed)
      assert: device.signed == true
      severity: high
      controls: [iec62443-3-3:SR-3.4, iec62443-3-3:SR-7.8]
    - id: zone
      subject: zone
      assert: >-
        zone.sl.gap_max == 0 && size(zone.sl.gaps) == 0 && size(zone.sl.unassessed) >= 0 &&
        size(zone.sl.excluded) >= 0 && zone.sl.achieved.fr1 + zone.sl.gap.fr3 + zone.sl.target.fr7 >= 0 &&
        size(zone.members.ids) == zone.members.count
      severity: high
    - id: boundary
      subject: zone
      assert: size(zone.boundary.unprotected) + size(zone.boundary.unknown_zones) <= zone.boundary.conduits
      severity: high
)yaml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stagegate;
  subjects::SubjectSet inputs;
  inputs.AddFile("fuzz.yaml", std::string_view(reinterpret_cast<const char*>(data), size));
  inputs.Finish();
  if (!inputs.ok()) return 0;
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  zones::RegisterZoneFacts(schema);
  // The rules read device.ok and device.signed whatever the inputs infer.
  schema.Add(facts::SubjectKind::kDevice, {"ok", cel::Type::Dyn(), "", "", facts::FactOrigin::kInput});
  schema.Add(facts::SubjectKind::kDevice, {"signed", cel::Type::Dyn(), "", "", facts::FactOrigin::kInput});
  subjects::InferFacts(inputs, &schema);
  bundle::Bundle bundle;
  bundle.files.push_back({"p.yaml", kPolicy});
  policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, {});
  if (!loaded.ok()) return 0;  // the inputs typed a fact the rules read otherwise
  eval::ControlLedger ledger;
  std::vector<std::string> errors;
  std::shared_ptr<const zones::ZoneReview> review = zones::ZoneReview::Create(*loaded.bundle, inputs, &ledger, &errors);
  if (!review) return 0;
  subjects::FactProviderRegistry registry;
  review->RegisterProviders(&registry);
  eval::EvalOptions options;
  options.jobs = 1;
  options.providers = &registry;
  options.control_ledger = &ledger;
  (void)eval::Evaluate(*loaded.bundle, inputs, options);
  return 0;
}
