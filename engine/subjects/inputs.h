#pragma once
// Input documents and the subjects they describe.
//
// `--input FILE|DIR` hands the engine JSON (a document or an array of
// documents), YAML (one or more `---`-separated documents) or JSON Lines (one
// document per line). A directory means every .json/.yaml/.yml/.jsonl file
// below it, in path order. Every document has `kind` (a subject kind) and `id`
// (unique per kind). Streams link to their device through their `device`
// field: a device id (resolved against the device subjects) or an inline object.
//
// Ownership and lifetime: a SubjectSet owns the documents; Subject pointers and
// the JSON nodes inside them stay valid until the set is destroyed (subjects
// are never moved once added). After Finish() the set is immutable and may be
// read from many threads.
//
// Never throws: every mistake becomes an InputError naming file and line.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"
#include "engine/facts/fact_schema.h"

namespace stagegate::subjects {

// A mistake in the inputs: one line "file:line:col: error: message".
struct InputError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the whole file
  int column = 0;  // 1-based; 0 when unknown
  std::string message;  // what is wrong and how to fix it
};
std::string FormatInputError(const InputError& error);

// Where a document starts: "inputs/fleet.yaml" line 12.
struct DocumentLocation {
  std::string file;
  int line = 0;
};

struct Subject {
  facts::SubjectKind kind = facts::SubjectKind::kDevice;
  std::string id;
  nlohmann::json document;  // the whole input document (including `kind` and `id`)
  DocumentLocation location;
  // Streams: the device subject named by the `device` field (an id), once
  // Finish() resolved it; null for inline device objects or unresolved ids.
  const Subject* device = nullptr;
  // Streams whose `device` id names no device subject:
  // "stream X names device Y, which is not in the inputs". Rules reading
  // `stream.device` are then not_evaluable with this message (not a load error).
  std::string link_error;
};

class SubjectSet {
 public:
  SubjectSet();
  ~SubjectSet();
  SubjectSet(SubjectSet&&) noexcept;
  SubjectSet& operator=(SubjectSet&&) noexcept;

  // Parses `content` as the input file `path`: JSON Lines for ".jsonl", JSON
  // for ".json", YAML otherwise (".yaml", ".yml"). Records the file's SHA-256
  // and document count in inputs(). Mistakes go to errors().
  void AddFile(const std::string& path, std::string_view content);
  // Adds one document (e.g. a PolicyTest's inline input).
  void AddDocument(nlohmann::json document, DocumentLocation location);
  // Records an input that is not a document file (a telemetry store, an
  // inventory read by an evaluator) so that results name it with its digest.
  void RecordInput(eval::InputInfo info) { inputs_.push_back(std::move(info)); }
  // Records an input whose digest is still being computed (a telemetry store
  // of gigabytes, hashed on a thread of its own while the rest loads):
  // inputs() calls `digest`, which may wait, the first time it is read, and
  // leaves the input out when it gives nullopt (the file could not be read).
  void RecordInput(std::string path, int64_t documents, std::function<std::optional<std::string>()> digest);
  // Resolves links (stream → device) and sorts the subjects of each kind by id.
  // Call after the last Add; an evaluator that adds subjects calls it again.
  void Finish();
  // Records a mistake found outside the set (an --input path that does not exist).
  void AddError(InputError error) { errors_.push_back(std::move(error)); }

  const std::vector<InputError>& errors() const { return errors_; }
  bool ok() const { return errors_.empty(); }
  // One entry per file given to AddFile, in the order added.
  // Not to be read from two threads while a digest is pending.
  const std::vector<eval::InputInfo>& inputs() const;

  // The subjects of `kind`, sorted by id (after Finish()).
  std::span<const Subject* const> OfKind(facts::SubjectKind kind) const;
  // Returns the subject `kind`/`id`, or null.
  const Subject* Find(facts::SubjectKind kind, std::string_view id) const;
  size_t size() const { return subjects_.size(); }

 private:
  void AddJsonText(const std::string& path, std::string_view content, eval::InputInfo* info);
  void AddJsonLines(const std::string& path, std::string_view content, eval::InputInfo* info);
  void AddYamlText(const std::string& path, std::string_view content, eval::InputInfo* info);

  std::deque<Subject> subjects_;  // a deque: addresses stay stable as subjects are added
  std::map<facts::SubjectKind, std::vector<const Subject*>> by_kind_;
  std::map<std::pair<facts::SubjectKind, std::string>, const Subject*, std::less<>> index_;
  std::vector<InputError> errors_;
  mutable std::vector<eval::InputInfo> inputs_;
  // Inputs whose digest is pending: their position in inputs_ and how to get it.
  mutable std::vector<std::pair<size_t, std::function<std::optional<std::string>()>>> pending_digests_;
};

// Reads every path given to --input: a file, or a directory (every
// .json/.yaml/.yml/.jsonl file below it, sorted by path; hidden entries
// skipped). Returns a finished set; check ok() / errors().
SubjectSet LoadInputs(const std::vector<std::string>& paths);


// Adds to `schema` every field of the subjects' documents that the schema does
// not know yet, typed from its JSON type (int, double, string, bool, list,
// map; int and double together make double; other mixes make dyn), as
// FactOrigin::kInferred. Objects become groups (their leaves are added), except
// below a fact the schema already knows. `kind` and `id` are skipped, and so is
// a stream's `device` (the link to the device subject).
void InferFacts(const SubjectSet& subjects, facts::FactSchema* schema);

}  // namespace stagegate::subjects
