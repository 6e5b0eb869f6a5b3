#include "engine/cel/bindings/yaml_json_documents.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <yaml.h>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/bindings/yaml_limits.h"

namespace stagegate::cel {
namespace {

using Json = nlohmann::json;

// Documents past half of yaml_limits.h's budgets are left to the yaml-cpp
// path, which counts the same nodes and gives the canonical error: the
// margin keeps any difference in counting from deciding the outcome.
constexpr size_t kFastMaxDepth = kMaxYamlDepth / 2;
constexpr size_t kFastMaxValues = kMaxYamlValues / 2;

constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

struct ParserDeleter {
  void operator()(yaml_parser_t* parser) const {
    yaml_parser_delete(parser);
    delete parser;
  }
};

// One event, released when it goes out of scope.
class Event {
 public:
  Event() { std::memset(&event_, 0, sizeof(event_)); }
  ~Event() { yaml_event_delete(&event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  // Returns false on a syntax error.
  bool Next(yaml_parser_t* parser) {
    yaml_event_delete(&event_);
    return yaml_parser_parse(parser, &event_) != 0;
  }
  const yaml_event_t& operator*() const { return event_; }
  const yaml_event_t* operator->() const { return &event_; }

 private:
  yaml_event_t event_;
};

std::string_view TagOf(const yaml_char_t* tag) {
  return tag == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(tag));
}

// The value of a scalar as YamlNodeToJson gives it; nullopt for a tag that
// path may read otherwise.
// `has_backslash` and `line_breaks` describe the whole text.
std::optional<Json> ScalarValue(const yaml_event_t& event, bool has_backslash, size_t line_breaks) {
  const auto& scalar = event.data.scalar;
  // The parsers fold a plain or quoted scalar over several lines in
  // different ways at the edges: those are left to yaml-cpp.
  const bool flow_style = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                          scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
  if (flow_style && event.start_mark.line != event.end_mark.line) return std::nullopt;
  // A block scalar ("|", ">") that runs to the end of the text, or keeps
  // blank lines ("|+"): the parsers keep different trailing white space.
  const bool block_style = scalar.style == YAML_LITERAL_SCALAR_STYLE || scalar.style == YAML_FOLDED_SCALAR_STYLE;
  if (block_style &&
      (event.end_mark.line >= line_breaks ||
       std::string_view(reinterpret_cast<const char*>(scalar.value), scalar.length).ends_with("\n\n"))) {
    return std::nullopt;
  }
  // yaml-cpp decodes some escapes of double-quoted text to other bytes
  // ("\_" to a lone 0xA0): text that may hold one is left to it (libyaml's
  // marks count characters, not bytes, so the scalar's own text is not at
  // hand).
  if (scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && has_backslash) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(scalar.value), scalar.length);
  const std::string_view tag = TagOf(scalar.tag);
  if (tag.empty()) {
    if (scalar.style == YAML_PLAIN_SCALAR_STYLE) return ResolvePlainYamlScalar(text);
    return Json(std::move(text));
  }
  if (text.empty()) return std::nullopt;  // yaml-cpp makes a tagged empty node null
  if (tag == kIntTag) return ResolvePlainYamlScalar(text);
  if (tag == kStrTag || tag == "!") return Json(std::move(text));
  return std::nullopt;
}

// A list or map being built, with the key waiting for its value.
struct Open {
  Json value;
  bool is_map = false;
  bool flow = false;  // written in [ ] or { }
  bool has_key = false;
  std::string key;
  int line = 1;                 // where it starts
  std::vector<int> item_lines;  // kept for a document's top-level list only
};

class Builder {
 public:
  Builder(bool has_backslash, size_t line_breaks) : has_backslash_(has_backslash), line_breaks_(line_breaks) {}

  // Reads the events of one document, from its first node to its end;
  // returns false when the text is to be left to the yaml-cpp path.
  bool Document(yaml_parser_t* parser, YamlJsonDocument* document) {
    Event event;
    values_ = 0;
    bool have_root = false;
    while (true) {
      if (!event.Next(parser)) return false;
      switch (event->type) {
        case YAML_DOCUMENT_END_EVENT:
          return have_root;
        case YAML_ALIAS_EVENT:
          return false;
        case YAML_SCALAR_EVENT: {
          if (event->data.scalar.anchor != nullptr) return false;
          const bool is_key = !open_.empty() && open_.back().is_map && !open_.back().has_key;
          if (is_key) {
            // yaml-cpp names a null key "~": only untagged keys that are
            // text are read here.
            if (event->data.scalar.tag != nullptr || event->start_mark.line != event->end_mark.line) return false;
            std::string key(reinterpret_cast<const char*>(event->data.scalar.value), event->data.scalar.length);
            if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ResolvePlainYamlScalar(key).is_null()) {
              return false;
            }
            open_.back().key = std::move(key);
            open_.back().has_key = true;
            if (!Count()) return false;
            break;
          }
          // yaml-cpp places an empty item of a document's list elsewhere
          // than libyaml: its line is left to that path, which errors name.
          if (open_.size() == 1 && !open_.back().is_map && event->data.scalar.length == 0) return false;
          std::optional<Json> value = ScalarValue(*event, has_backslash_, line_breaks_);
          if (!value || !Count()) return false;
          if (!Place(std::move(*value), Line(*event), document, &have_root)) return false;
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          const bool is_map = event->type == YAML_MAPPING_START_EVENT;
          const auto& start = is_map ? event->data.mapping_start.anchor : event->data.sequence_start.anchor;
          const yaml_char_t* tag = is_map ? event->data.mapping_start.tag : event->data.sequence_start.tag;
          if (start != nullptr || tag != nullptr) return false;
          if (!open_.empty() && open_.back().is_map && !open_.back().has_key) return false;  // a complex key
          // A pair inside [ ] without braces ("[a: b]", "[? a]") is a map
          // yaml-cpp reads otherwise, or refuses; libyaml starts it with an
          // event of no width.
          if (is_map && !open_.empty() && !open_.back().is_map && open_.back().flow &&
              event->start_mark.index == event->end_mark.index) {
            return false;
          }
          if (open_.size() + 1 > kFastMaxDepth || !Count()) return false;
          Open node;
          node.value = is_map ? Json::object() : Json::array();
          node.is_map = is_map;
          node.flow = (is_map ? event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                              : event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
          node.line = Line(*event);
          open_.push_back(std::move(node));
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          Open node = std::move(open_.back());
          open_.pop_back();
          if (open_.empty()) document->item_lines = std::move(node.item_lines);
          if (!Place(std::move(node.value), node.line, document, &have_root)) return false;
          break;
        }
        default:
          return false;  // no other event can come inside a document
      }
    }
  }

 private:
  static int Line(const yaml_event_t& event) { return static_cast<int>(event.start_mark.line) + 1; }

  bool Count() { return ++values_ <= kFastMaxValues; }

  // Puts a finished value where it belongs: the document's root, an item of
  // the innermost list, or the value of the innermost map's waiting key.
  bool Place(Json value, int line, YamlJsonDocument* document, bool* have_root) {
    if (open_.empty()) {
      if (*have_root) return false;
      document->value = std::move(value);
      document->line = line;
      *have_root = true;
      return true;
    }
    Open& parent = open_.back();
    if (parent.is_map) {
      parent.value[parent.key] = std::move(value);  // a repeated key keeps its last value, as in yaml-cpp
      parent.has_key = false;
      return true;
    }
    if (open_.size() == 1) parent.item_lines.push_back(line);
    parent.value.push_back(std::move(value));
    return true;
  }

  bool has_backslash_ = false;  // anywhere in the text
  size_t line_breaks_ = 0;      // in the whole text
  std::vector<Open> open_;
  size_t values_ = 0;
};

// Returns true when `text` has a character the two parsers read
// differently: a carriage return alone (yaml-cpp keeps it in a plain
// scalar); NEL, LS or PS (line breaks in YAML 1.1, which libyaml follows,
// text in YAML 1.2, which yaml-cpp follows); a byte order mark (libyaml
// skips it but counts it in the first line's columns, yaml-cpp reads one
// after the start as text); a tab (white space
// to both, in places where each takes it differently: "---\t").
bool HasDisputedCharacter(std::string_view text) {
  for (size_t i = text.find_first_of("\t\r\xC2\xE2\xEF"); i != std::string_view::npos;
       i = text.find_first_of("\t\r\xC2\xE2\xEF", i + 1)) {
    const std::string_view rest = text.substr(i);
    if (rest[0] == '\t') return true;
    if (rest[0] == '\r' && !rest.starts_with("\r\n")) return true;
    if (rest.starts_with("\xC2\x85") || rest.starts_with("\xE2\x80\xA8") || rest.starts_with("\xE2\x80\xA9")) {
      return true;
    }
    if (rest.starts_with("\xEF\xBB\xBF")) return true;
  }
  return false;
}

}  // namespace

std::optional<std::vector<YamlJsonDocument>> FastYamlDocumentsToJson(std::string_view text) {
  if (HasDisputedCharacter(text)) return std::nullopt;
  std::unique_ptr<yaml_parser_t, ParserDeleter> parser(new yaml_parser_t);
  if (yaml_parser_initialize(parser.get()) == 0) {
    delete parser.release();
    return std::nullopt;
  }
  yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_parser_set_encoding(parser.get(), YAML_UTF8_ENCODING);

  const bool has_backslash = text.find('\\') != std::string_view::npos;
  const size_t line_breaks = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  std::vector<YamlJsonDocument> documents;
  Event event;
  if (!event.Next(parser.get()) || event->type != YAML_STREAM_START_EVENT) return std::nullopt;
  while (true) {
    if (!event.Next(parser.get())) return std::nullopt;
    if (event->type == YAML_STREAM_END_EVENT) return documents;
    if (event->type != YAML_DOCUMENT_START_EVENT) return std::nullopt;
    const auto& start = event->data.document_start;
    if (start.version_directive != nullptr || start.tag_directives.start != start.tag_directives.end) {
      return std::nullopt;
    }
    YamlJsonDocument document;
    Builder builder(has_backslash, line_breaks);
    if (!builder.Document(parser.get(), &document)) return std::nullopt;
    documents.push_back(std::move(document));
  }
}

}  // namespace stagegate::cel
