#include "engine/eval/control_ledger.h"

#include <algorithm>

namespace stagegate::eval {

void ControlLedger::Begin(std::vector<std::pair<std::string, std::vector<std::string>>> rules) {
  rules_.clear();
  controls_.clear();
  control_index_.clear();
  rules_of_control_.clear();
  tallies_.clear();
  rules_.reserve(rules.size());
  for (auto& [id, controls] : rules) {
    Rule rule;
    rule.id = std::move(id);
    for (std::string& control : controls) {
      auto [it, added] = control_index_.try_emplace(control, static_cast<uint32_t>(controls_.size()));
      if (added) {
        controls_.push_back(std::move(control));
        rules_of_control_.emplace_back();
      }
      rule.controls.push_back(it->second);
      rules_of_control_[it->second].push_back(rule.id);
    }
    rules_.push_back(std::move(rule));
  }
}

void ControlLedger::Add(const subjects::Subject& subject, uint32_t rule_rank, Outcome outcome) {
  Count(tallies_[&subject], rule_rank, outcome);
}

void ControlLedger::Add(const subjects::Subject& subject, std::span<const RuleOutcome> outcomes) {
  if (outcomes.empty()) return;
  Tallies& tallies = tallies_[&subject];
  for (const RuleOutcome& judged : outcomes) Count(tallies, judged.rule_rank, judged.outcome);
  tallies.shrink_to_fit();
}

void ControlLedger::Count(Tallies& tallies, uint32_t rule_rank, Outcome outcome) const {
  if (rule_rank >= rules_.size() || rules_[rule_rank].controls.empty()) return;
  const Rule& rule = rules_[rule_rank];
  for (uint32_t control : rule.controls) {
    auto it = std::lower_bound(tallies.begin(), tallies.end(), control,
                               [](const std::pair<uint32_t, Tally>& entry, uint32_t c) { return entry.first < c; });
    if (it == tallies.end() || it->first != control) it = tallies.insert(it, {control, Tally{}});
    Tally& tally = it->second;
    switch (outcome) {
      case Outcome::kPass: ++tally.pass; break;
      case Outcome::kFail: ++tally.fail; break;
      case Outcome::kError: ++tally.error; break;
      case Outcome::kNotEvaluable: ++tally.not_evaluable; break;
      case Outcome::kWaived: ++tally.waived; break;
      case Outcome::kNotApplicable: ++tally.not_applicable; break;
    }
    // Outcomes arrive in any order; keep the unmet rule with the smallest id
    // so that the explanation does not depend on the number of threads.
    if (outcome != Outcome::kPass && outcome != Outcome::kNotApplicable &&
        (tally.unmet_rule_rank == Tally::kNoRule || rule.id < rules_[tally.unmet_rule_rank].id)) {
      tally.unmet_rule_rank = rule_rank;
    }
  }
}

const ControlLedger::Tally* ControlLedger::Find(const subjects::Subject& subject, std::string_view control) const {
  auto index = control_index_.find(std::string(control));
  if (index == control_index_.end()) return nullptr;
  auto found = tallies_.find(&subject);
  if (found == tallies_.end()) return nullptr;
  const auto& tallies = found->second;
  auto it = std::lower_bound(tallies.begin(), tallies.end(), index->second,
                             [](const std::pair<uint32_t, Tally>& entry, uint32_t c) { return entry.first < c; });
  if (it == tallies.end() || it->first != index->second) return nullptr;
  return &it->second;
}

std::span<const std::string> ControlLedger::RulesOf(std::string_view control) const {
  auto index = control_index_.find(std::string(control));
  if (index == control_index_.end()) return {};
  return rules_of_control_[index->second];
}

std::string_view ControlLedger::UnmetRule(const Tally& tally) const {
  if (tally.unmet_rule_rank >= rules_.size()) return {};
  return rules_[tally.unmet_rule_rank].id;
}

}  // namespace stagegate::eval
