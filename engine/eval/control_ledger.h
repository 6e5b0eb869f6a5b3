#pragma once
// How the rules mapped to each control judged each subject in one run: the
// evidence behind a control, per subject. The IEC 62443 zone assessment reads
// it (a zone achieves a security level when its member devices meet the
// requirements of that level), and so can any fact that summarises other
// subjects' outcomes.
//
// Evaluate fills the ledger given in EvalOptions::control_ledger from every
// subject that is not a zone, then judges the zones: fact providers of zone
// subjects may read it; nothing else may (it is empty while the others run).
//
//   eval::ControlLedger ledger;
//   options.control_ledger = &ledger;
//   eval::Evaluate(bundle, subjects, options);
//   const eval::ControlLedger::Tally* t = ledger.Find(device, "iec62443-3-3:SR-1.8");

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/eval/run_result.h"
#include "engine/facts/fact_schema.h"

namespace stagegate::subjects {
struct Subject;
}

namespace stagegate::eval {

class ControlLedger {
 public:
  // The outcomes of the rules mapped to one control, for one subject.
  struct Tally {
    uint32_t pass = 0;
    uint32_t fail = 0;
    uint32_t error = 0;
    uint32_t not_evaluable = 0;
    uint32_t waived = 0;
    uint32_t not_applicable = 0;
    // The rank of the first rule (in rule id order) that did not pass:
    // failed, erred, could not be evaluated or was waived; kNoRule when every
    // rule passed. ControlLedger::UnmetRule names it. A rank, not the id: a
    // fleet audit keeps tens of tallies per device.
    static constexpr uint32_t kNoRule = UINT32_MAX;
    uint32_t unmet_rule_rank = kNoRule;

    // True when some rule passed and none failed, erred, lacked a fact or
    // needed a waiver: a waived failure is an accepted risk, not evidence.
    bool Met() const { return pass > 0 && fail + error + not_evaluable + waived == 0; }
  };

  // Starts a run: `rules` are (rule id, its control references) in rule rank
  // order. Forgets any earlier run.
  void Begin(std::vector<std::pair<std::string, std::vector<std::string>>> rules);
  // Limits the ledger to subjects of `kinds`, the ones its reader summarises
  // (zones read their member devices): a fleet audit judges millions of
  // stream pairs no zone looks at. By default every kind but zones is kept.
  void RecordOnly(std::vector<facts::SubjectKind> kinds) { kinds_ = std::move(kinds); }
  bool Records(facts::SubjectKind kind) const {
    if (kind == facts::SubjectKind::kZone) return false;
    return kinds_.empty() || std::find(kinds_.begin(), kinds_.end(), kind) != kinds_.end();
  }
  // Records that rule `rule_rank` judged `subject` with `outcome`. Not
  // thread-safe: Evaluate's workers add a subject's outcomes under a lock
  // when it is judged.
  void Add(const subjects::Subject& subject, uint32_t rule_rank, Outcome outcome);
  struct RuleOutcome {
    uint32_t rule_rank;
    Outcome outcome;
  };
  // Records all of a judged subject's outcomes at once and gives back what
  // its tallies reserved for growth (a fleet has a hundred thousand devices).
  void Add(const subjects::Subject& subject, std::span<const RuleOutcome> outcomes);

  // The tally of `control` ("iec62443-3-3:SR-1.8") for `subject`; null when
  // no rule mapped to the control judged the subject.
  const Tally* Find(const subjects::Subject& subject, std::string_view control) const;
  // The ids of the run's rules mapped to `control` (rules over zones
  // excluded), in rule id order.
  std::span<const std::string> RulesOf(std::string_view control) const;
  // The id of the tally's first rule that did not pass; empty when every rule passed.
  std::string_view UnmetRule(const Tally& tally) const;

 private:
  struct Rule {
    std::string id;
    std::vector<uint32_t> controls;  // indexes into controls_
  };
  std::vector<facts::SubjectKind> kinds_;  // empty: every kind but zones
  std::vector<Rule> rules_;
  using Tallies = std::vector<std::pair<uint32_t, Tally>>;  // sorted by control index
  void Count(Tallies& tallies, uint32_t rule_rank, Outcome outcome) const;

  std::vector<std::string> controls_;
  std::unordered_map<std::string, uint32_t> control_index_;
  std::vector<std::vector<std::string>> rules_of_control_;
  std::unordered_map<const subjects::Subject*, Tallies> tallies_;
};

}  // namespace stagegate::eval
