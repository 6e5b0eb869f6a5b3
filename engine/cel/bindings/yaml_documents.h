#pragma once
// Every multi-document YAML read of untrusted text goes through
// LoadYamlDocuments instead of YAML::LoadAll.
//
// yaml-cpp 0.7 (Debian 12) loops without end in LoadAll, allocating a null
// document per turn, when a document's parse consumes no token: a ',' where
// a block node should start does that ("!tag, x", ",", "- a\n,b"). The
// pattern-based checks (FindLeadingComma) name the common cases precisely;
// this guard catches every other one by parsing once without building nodes
// and refusing a document that starts where the previous one started.

#include <istream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

namespace stagegate::cel {

namespace yaml_documents_internal {

// Sees only where documents start; every other event is ignored.
class DocumentStartWatcher : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stalled_ = seen_document_ && mark.pos == previous_start_.pos;
    previous_start_ = mark;
    seen_document_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  bool stalled() const { return stalled_; }
  const YAML::Mark& stalled_at() const { return previous_start_; }

 private:
  bool seen_document_ = false;
  bool stalled_ = false;
  YAML::Mark previous_start_ = YAML::Mark::null_mark();
};

}  // namespace yaml_documents_internal

// Parses every document of `text`. Throws YAML::ParserException (with the
// mark of the offending token) for invalid YAML, including the inputs
// yaml-cpp's own LoadAll would never return from.
inline std::vector<YAML::Node> LoadYamlDocuments(std::string_view text) {
  {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    yaml_documents_internal::DocumentStartWatcher watcher;
    while (parser.HandleNextDocument(watcher)) {
      if (watcher.stalled()) {
        throw YAML::ParserException(watcher.stalled_at(),
                                    "unexpected ','; outside [ ] and { } a comma cannot start a value: quote the "
                                    "value or remove the comma");
      }
    }
  }
  return YAML::LoadAll(std::string(text));
}

}  // namespace stagegate::cel
