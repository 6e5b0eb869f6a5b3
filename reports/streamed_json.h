#pragma once
// Pretty-printed JSON documents with one large array written element by
// element; private to reports/. A fleet audit lists hundreds of thousands of
// outcomes: building them all as one JSON tree took gigabytes, so the
// renderers build the document around the array and the array one element
// at a time, with the same bytes as dumping the whole tree.
//
//   StreamedArray outcomes;
//   document["outcomes"] = outcomes.Slot(result.outcomes.size());
//   return outcomes.Dump(document, [&](size_t i) { return OutcomeJson(result.outcomes[i]); });

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace stagegate::reports::internal {

// Returns an empty object with room for `keys` members. An ordered_json
// object is a vector of (const key, value) pairs, whose move may throw (the
// key is copied), so growing it copies every member it holds, values
// included: a document whose members hold the large arrays of an audit
// copied them each time a member was added after them.
nlohmann::ordered_json ObjectWithRoom(size_t keys);

class StreamedArray {
 public:
  using Json = nlohmann::ordered_json;

  StreamedArray();
  // The value to put where the array goes: an empty array when `count` is 0,
  // else a one-element array holding a placeholder no document text can
  // contain (it carries 128 random bits).
  Json Slot(size_t count);
  // Returns `document` dumped with two-space indents, invalid UTF-8 replaced
  // and a final newline, the slot's array holding element(0..count-1).
  std::string Dump(const Json& document, const std::function<Json(size_t)>& element) const;
  // Writes the same bytes to `out` as they are made, never holding the whole
  // text (an audit's OSCAL document runs to hundreds of megabytes).
  void DumpTo(std::ostream& out, const Json& document, const std::function<Json(size_t)>& element) const;

 private:
  void Write(nlohmann::detail::output_adapter_t<char> sink, const Json& document,
             const std::function<Json(size_t)>& element) const;

  std::string placeholder_;
  size_t count_ = 0;
};

}  // namespace stagegate::reports::internal
