#pragma once
// Subjects as CEL values, with evidence capture.
//
// SubjectValue(subject) is a map-like CEL value over the subject's document:
// fields are read lazily, straight from the JSON (no copy, no allocation on
// the read path). While a SubjectScope is active on a thread, every fact an
// expression reads on that thread is recorded in the scope's FactCapture: leaf
// values as they are selected, objects only when used as a whole (iterated,
// sized, compared). A field the document lacks is recorded as a miss, so that
// the engine can turn the resulting "no such key" error into not_evaluable
// naming the fact (`has()` keeps working: it sees an absent field).
// `stream.device` follows the link to the device subject. Facts the document
// lacks but a FactProvider serves are computed on first read and cached in
// the run's ComputedFactCache.
//
// Thread safety: values may be read from many threads; each thread captures
// into its own FactCapture (the scope is thread-local).

#include <memory>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cel/common/value.h"
#include "engine/facts/fact_schema.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::subjects {

// What one evaluation read. Reused across evaluations (Clear keeps capacity),
// so capturing allocates nothing once warm.
class FactCapture {
 public:
  void Clear() {
    reads_.clear();
    misses_.clear();
  }
  bool empty() const { return reads_.empty() && misses_.empty(); }

  // Internal records, filled by the value adapters.
  struct Miss {
    const void* object = nullptr;  // the JSON object (or virtual group) that lacked the field
    bool virtual_group = false;
    std::string_view field;        // points into the program: valid while it lives
    bool device_link = false;      // the stream's device id names no device
  };
  struct Read {
    const nlohmann::json* node = nullptr;  // in a document, or in the computed-fact cache
    const std::string* path = nullptr;     // set for computed facts (the path is not in a document)
  };
  std::vector<Read> reads_;
  std::vector<Miss> misses_;
};

// Computed facts of one run, per subject. Thread-safe; entries never move.
class ComputedFactCache {
 public:
  ComputedFactCache();
  ~ComputedFactCache();
  struct Entry;
  // Returns the entry for (subject, path), computing it with `provider` on first use.
  const Entry& Get(const Subject& subject, const std::string& path, const FactProvider& provider);
  // Returns a stable virtual group node for (subject, path).
  const Entry& Group(const Subject& subject, const std::string& path);
  // Drops every entry of `subject`. References returned for it must no longer
  // be used; a later Get computes the fact again.
  void Evict(const Subject& subject);

 private:
  struct Shard;
  struct InternedPaths;
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<InternedPaths> interned_;
};

struct ComputedFactCache::Entry {
  const Subject* subject = nullptr;
  // Both shared by every entry of the path and kind, and kept by the cache.
  const std::string* path = nullptr;       // below the subject: "identity.cert.days_to_expiry"
  const std::string* full_path = nullptr;  // "device.identity.cert.days_to_expiry"
  bool group = false;
  std::optional<nlohmann::json> value;
  std::string error;
};

// Run-wide settings of the binding.
struct BindingOptions {
  const FactProviderRegistry* providers = nullptr;  // null: no computed facts
  ComputedFactCache* cache = nullptr;               // required when providers is set
};

// Makes the calling thread record reads of `subject`'s facts into `capture`
// while the scope lives. Scopes nest (the innermost wins) and must be
// destroyed on the thread that created them.
class SubjectScope {
 public:
  SubjectScope(const Subject& subject, FactCapture* capture, const BindingOptions* options);
  ~SubjectScope();
  SubjectScope(const SubjectScope&) = delete;
  SubjectScope& operator=(const SubjectScope&) = delete;

  struct State {
    const Subject* subject;
    FactCapture* capture;
    const BindingOptions* options;
    State* previous;
  };

 private:
  State state_;
};

// Returns the CEL value that names `subject` in rules (borrowed: the subject
// must outlive the value).
cel::Value SubjectValue(const Subject& subject);

// Converts the reads `capture` recorded while judging `subject` into evidence:
// "stream.quality.missing_ratio" → 0.031 (full path from the kind).
void CollectEvidence(const Subject& subject, const FactCapture& capture, std::map<std::string, nlohmann::json>* evidence);

// A fact the evaluation needed and the subject lacks.
struct MissingFact {
  std::string path;     // "stream.quality.missing_ratio"
  std::string message;  // for the outcome: "stream s1 has no stream.quality.missing_ratio" or the link error
};
// Returns the miss `error_message` ("no such key: missing_ratio") comes from,
// when `capture` recorded one and `schema` knows the path as a fact or group
// (or the path crosses a broken stream → device link). Otherwise nullopt: the
// error is the rule's own.
std::optional<MissingFact> FindMissingFact(const Subject& subject, const FactCapture& capture,
                                           std::string_view error_message, const facts::FactSchema& schema);

}  // namespace stagegate::subjects
