#pragma once
// The facts of `zone` subjects: one registration of their schema, and the
// provider computing them from the zone documents, the IEC 62443-3-3 catalog
// of the policy bundle and the control ledger of the run.
//
// Zones are judged after every device (see engine/eval/control_ledger.h), so
// a zone's SL-A reflects the outcomes of this very run. Each zone is
// assessed once, on the first fact a rule reads.

#include <memory>
#include <string>
#include <vector>

#include "engine/eval/control_ledger.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/model.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::zones {

// Registers the computed facts of the `zone` subject and the input fields of
// its document.
void RegisterZoneFacts(facts::FactSchema& schema);

class ZoneReview {
 public:
  // Parses the zone subjects of `subjects` and resolves their members. Null
  // with `errors` ("file:line: zone 'id': ...") when a zone document is
  // malformed, two zones claim one device, or a listed device is unknown.
  // `bundle` (its iec62443-3-3 Framework) and `ledger` must outlive the review.
  static std::shared_ptr<const ZoneReview> Create(const policy::LoadedBundle& bundle,
                                                  const subjects::SubjectSet& subjects,
                                                  const eval::ControlLedger* ledger, std::vector<std::string>* errors);
  ~ZoneReview();
  void RegisterProviders(subjects::FactProviderRegistry* registry) const;

  struct State;

 private:
  ZoneReview() = default;
  std::shared_ptr<State> state_;
};

}  // namespace stagegate::zones
