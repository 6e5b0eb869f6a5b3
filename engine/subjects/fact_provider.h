#pragma once
// Computed facts: the hook evaluators use to produce facts that input
// documents do not carry (`device.identity.cert.days_to_expiry`,
// `stream.quality.missing_ratio` from the telemetry store, ...).
//
// A provider is registered for a subject kind and a fact-name prefix
// ("identity.cert" serves "identity.cert.days_to_expiry" and every other fact
// below it). It is called only when a rule reads a fact the input document does
// not hold, at most once per (subject, fact) in a run: the evaluation caches
// the result per subject. Providers are called from many threads at once
// (different subjects): Compute must be thread-safe.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/facts/fact_schema.h"

namespace stagegate::subjects {

struct Subject;

// What a provider computed for one fact.
struct ComputedFact {
  // The value; nullopt when the subject lacks what the fact needs (the rule is
  // then not_evaluable, naming the fact).
  std::optional<nlohmann::json> value;
  // Non-empty when computing failed (the rule's outcome is then `error` with
  // this message): corrupt data, an unreadable file, ...
  std::string error;

  static ComputedFact Of(nlohmann::json v) { return ComputedFact{std::move(v), {}}; }
  static ComputedFact Missing() { return ComputedFact{}; }
  static ComputedFact Error(std::string message) { return ComputedFact{std::nullopt, std::move(message)}; }
};

class FactProvider {
 public:
  virtual ~FactProvider() = default;
  // Computes `fact` (the path below the subject: "identity.cert.days_to_expiry")
  // of `subject`. Thread-safe; must not throw.
  virtual ComputedFact Compute(const Subject& subject, std::string_view fact) const = 0;
};

// Providers by subject kind and prefix. Built before a run, read-only during it.
class FactProviderRegistry {
 public:
  // Registers `provider` for the facts of `kind` named `prefix` or below it.
  // A longer prefix wins over a shorter one.
  void Register(facts::SubjectKind kind, std::string prefix, std::shared_ptr<const FactProvider> provider);
  // Returns the provider serving `fact` of `kind`, or null.
  const FactProvider* Find(facts::SubjectKind kind, std::string_view fact) const;
  // True when some provider serves facts below `prefix` ("identity" when a
  // provider is registered for "identity.cert").
  bool ServesBelow(facts::SubjectKind kind, std::string_view prefix) const;
  // True when `prefix` itself is registered.
  bool IsPrefix(facts::SubjectKind kind, std::string_view prefix) const;
  bool empty() const { return providers_.empty(); }

 private:
  // Orders (kind, prefix) keys; finds them by a prefix view, so that a
  // lookup copies no string.
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      if (a.first != b.first) return a.first < b.first;
      return std::string_view(a.second) < std::string_view(b.second);
    }
  };
  std::map<std::pair<facts::SubjectKind, std::string>, std::shared_ptr<const FactProvider>, KeyLess> providers_;
};

}  // namespace stagegate::subjects
