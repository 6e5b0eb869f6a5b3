#include "engine/subjects/inputs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "engine/cel/bindings/json_value.h"
#include "engine/common/digest.h"

namespace stagegate::subjects {

namespace {

using Json = nlohmann::json;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Converts a byte offset of `text` into a 1-based line and column.
std::pair<int, int> LineColumnOf(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// Returns the line each element of the top-level JSON array in `text` starts
// on (the text already parsed as an array, so it is well formed).
std::vector<int> ArrayElementLines(std::string_view text) {
  std::vector<int> lines;
  int line = 1;
  int depth = 0;
  bool in_string = false;
  bool expect_element = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (depth == 1 && expect_element && c != ']') {
      lines.push_back(line);
      expect_element = false;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
      if (depth == 1) expect_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_element = true;
    }
  }
  return lines;
}

// The reason part of an nlohmann parse error ("syntax error while parsing
// value - invalid literal; last read: 'x'").
std::string JsonReason(const std::string& what) {
  const size_t colon = what.rfind(": ");
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

std::string KindList() {
  std::string out;
  for (facts::SubjectKind kind : facts::kAllSubjectKinds) {
    if (!out.empty()) out += ", ";
    out += facts::SubjectKindName(kind);
  }
  return out;
}

std::string Where(const DocumentLocation& location) {
  return location.line > 0 ? location.file + ":" + std::to_string(location.line) : location.file;
}

}  // namespace

std::string FormatInputError(const InputError& error) {
  std::string out = error.file;
  if (error.line > 0) {
    out += ":" + std::to_string(error.line);
    if (error.column > 0) out += ":" + std::to_string(error.column);
  }
  return out + ": error: " + error.message;
}

SubjectSet::SubjectSet() = default;
SubjectSet::~SubjectSet() = default;
SubjectSet::SubjectSet(SubjectSet&&) noexcept = default;
SubjectSet& SubjectSet::operator=(SubjectSet&&) noexcept = default;

void SubjectSet::AddFile(const std::string& path, std::string_view content) {
  eval::InputInfo info;
  info.path = path;
  info.sha256 = common::Sha256Hex(content);
  if (EndsWith(path, ".jsonl")) {
    AddJsonLines(path, content, &info);
  } else if (EndsWith(path, ".json")) {
    AddJsonText(path, content, &info);
  } else {
    AddYamlText(path, content, &info);
  }
  inputs_.push_back(std::move(info));
}

void SubjectSet::AddJsonText(const std::string& path, std::string_view content, eval::InputInfo* info) {
  Json parsed;
  try {
    parsed = Json::parse(content);
  } catch (const Json::parse_error& e) {
    auto [line, column] = LineColumnOf(content, e.byte > 0 ? e.byte - 1 : 0);
    errors_.push_back({path, line, column, "invalid JSON: " + JsonReason(e.what()) + "; fix the document"});
    return;
  } catch (const Json::exception& e) {
    // Not a syntax error: a number beyond the range of a double, for example.
    errors_.push_back({path, 0, 0, "invalid JSON: " + JsonReason(e.what()) + "; fix the document"});
    return;
  }
  if (parsed.is_array()) {
    const std::vector<int> lines = ArrayElementLines(content);
    for (size_t i = 0; i < parsed.size(); ++i) {
      const int line = i < lines.size() ? lines[i] : 1;
      AddDocument(std::move(parsed[i]), {path, line});
      ++info->documents;
    }
    return;
  }
  AddDocument(std::move(parsed), {path, 1});
  ++info->documents;
}

void SubjectSet::AddJsonLines(const std::string& path, std::string_view content, eval::InputInfo* info) {
  int line_number = 0;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Json parsed;
    try {
      parsed = Json::parse(line);
    } catch (const Json::parse_error& e) {
      const int column = static_cast<int>(e.byte > 0 ? e.byte : 1);
      errors_.push_back({path, line_number, column,
                         "invalid JSON Lines record: " + JsonReason(e.what()) + "; each line must be one JSON document"});
      continue;
    } catch (const Json::exception& e) {
      errors_.push_back({path, line_number, 0, "invalid JSON Lines record: " + JsonReason(e.what()) + "; fix the record"});
      continue;
    }
    AddDocument(std::move(parsed), {path, line_number});
    ++info->documents;
  }
}

void SubjectSet::AddYamlText(const std::string& path, std::string_view content, eval::InputInfo* info) {
  // Split at document markers ("---" at the start of a line) so that each
  // document keeps its line numbers and several documents per file work.
  struct Chunk {
    std::string text;
    int first_line;
  };
  std::vector<Chunk> chunks;
  Chunk current{"", 1};
  int line_number = 0;
  size_t start = 0;
  while (start <= content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    ++line_number;
    const bool marker = line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ' || line[3] == '\r');
    const bool end_marker = line.substr(0, 3) == "..." && (line.size() == 3 || line[3] == ' ' || line[3] == '\r');
    if (marker || end_marker) {
      chunks.push_back(std::move(current));
      current = Chunk{"", line_number + 1};
      // Content after "--- " on the same line belongs to the next document:
      // keep it on the first line, padded to its column.
      if (marker && line.size() > 4) {
        current.first_line = line_number;
        current.text = std::string(4, ' ') + std::string(line.substr(4)) + "\n";
      }
    } else {
      current.text.append(line);
      current.text += '\n';
    }
    if (end == content.size()) break;
    start = end + 1;
  }
  chunks.push_back(std::move(current));
  for (Chunk& chunk : chunks) {
    if (chunk.text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    Json parsed;
    std::string error;
    if (!cel::YamlToJson(chunk.text, &parsed, &error)) {
      // error: "line L, column C: reason" relative to the chunk.
      int line = 0;
      int column = 0;
      std::string reason = error;
      if (std::sscanf(error.c_str(), "line %d, column %d", &line, &column) == 2) {
        const size_t colon = error.find(": ");
        if (colon != std::string::npos) reason = error.substr(colon + 2);
        line += chunk.first_line - 1;
      } else {
        line = chunk.first_line;
        column = 0;
      }
      errors_.push_back({path, line, column, "invalid YAML: " + reason + "; fix the document"});
      continue;
    }
    if (parsed.is_null()) continue;  // a comment-only document
    // The first line holding content (comments and blank lines skipped).
    int first = chunk.first_line;
    size_t pos = 0;
    while (pos < chunk.text.size()) {
      size_t eol = chunk.text.find('\n', pos);
      std::string_view l(chunk.text.data() + pos, (eol == std::string::npos ? chunk.text.size() : eol) - pos);
      const size_t nonblank = l.find_first_not_of(" \t\r");
      if (nonblank != std::string_view::npos && l[nonblank] != '#') break;
      ++first;
      if (eol == std::string::npos) break;
      pos = eol + 1;
    }
    if (parsed.is_array()) {
      for (Json& element : parsed) {
        AddDocument(std::move(element), {path, first});
        ++info->documents;
      }
    } else {
      AddDocument(std::move(parsed), {path, first});
      ++info->documents;
    }
  }
}

void SubjectSet::AddDocument(Json document, DocumentLocation location) {
  auto error = [&](std::string message) {
    errors_.push_back({location.file, location.line, 0, std::move(message)});
  };
  if (!document.is_object()) {
    error("an input document must be an object with `kind` and `id`, not " + std::string(document.type_name()));
    return;
  }
  if (!cel::JsonWithinDepth(document)) {
    error("the document nests lists and maps more than " + std::to_string(cel::kMaxDocumentDepth) +
          " levels deep; flatten it");
    return;
  }
  auto kind_it = document.find("kind");
  if (kind_it == document.end() || !kind_it->is_string()) {
    error("the document has no `kind`; add `kind:` with one of " + KindList());
    return;
  }
  const std::string kind_name = kind_it->get<std::string>();
  std::optional<facts::SubjectKind> kind = facts::ParseSubjectKind(kind_name);
  if (!kind) {
    error("unknown subject kind \"" + kind_name + "\"; use one of " + KindList());
    return;
  }
  auto id_it = document.find("id");
  if (id_it == document.end() || !id_it->is_string() || id_it->get_ref<const std::string&>().empty()) {
    error("the " + kind_name + " document has no `id`; add a non-empty string `id:` (unique among " + kind_name +
          "s)");
    return;
  }
  std::string id = id_it->get<std::string>();
  auto key = std::make_pair(*kind, id);
  if (auto existing = index_.find(key); existing != index_.end()) {
    error("duplicate " + kind_name + " id \"" + id + "\": already defined at " + Where(existing->second->location) +
          "; ids must be unique per kind");
    return;
  }
  if (*kind == facts::SubjectKind::kStream) {
    auto device = document.find("device");
    if (device != document.end() && !device->is_string() && !device->is_object()) {
      error("stream \"" + id + "\": `device` must be a device id (string) or an object with the device's facts");
      return;
    }
  }
  Subject& subject = subjects_.emplace_back();
  subject.kind = *kind;
  subject.id = std::move(id);
  subject.document = std::move(document);
  subject.location = std::move(location);
  index_.emplace(std::move(key), &subject);
}

void SubjectSet::RecordInput(std::string path, int64_t documents,
                             std::function<std::optional<std::string>()> digest) {
  pending_digests_.emplace_back(inputs_.size(), std::move(digest));
  inputs_.push_back({std::move(path), "", documents});
}

const std::vector<eval::InputInfo>& SubjectSet::inputs() const {
  if (pending_digests_.empty()) return inputs_;
  std::vector<bool> unreadable(inputs_.size());
  for (auto& [position, digest] : pending_digests_) {
    if (std::optional<std::string> sha256 = digest()) {
      inputs_[position].sha256 = std::move(*sha256);
    } else {
      unreadable[position] = true;
    }
  }
  pending_digests_.clear();
  size_t kept = 0;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (unreadable[i]) continue;
    if (kept != i) inputs_[kept] = std::move(inputs_[i]);
    ++kept;
  }
  inputs_.resize(kept);
  return inputs_;
}

void SubjectSet::Finish() {
  by_kind_.clear();
  for (Subject& subject : subjects_) {
    by_kind_[subject.kind].push_back(&subject);
    if (subject.kind != facts::SubjectKind::kStream) continue;
    auto device = subject.document.find("device");
    if (device == subject.document.end() || !device->is_string()) continue;
    const std::string& device_id = device->get_ref<const std::string&>();
    subject.device = Find(facts::SubjectKind::kDevice, device_id);
    if (subject.device == nullptr) {
      subject.link_error = "stream " + subject.id + " names device " + device_id + ", which is not in the inputs";
    } else {
      subject.link_error.clear();
    }
  }
  for (auto& [kind, list] : by_kind_) {
    std::sort(list.begin(), list.end(), [](const Subject* a, const Subject* b) { return a->id < b->id; });
  }
}

std::span<const Subject* const> SubjectSet::OfKind(facts::SubjectKind kind) const {
  auto it = by_kind_.find(kind);
  if (it == by_kind_.end()) return {};
  return it->second;
}

const Subject* SubjectSet::Find(facts::SubjectKind kind, std::string_view id) const {
  auto it = index_.find(std::make_pair(kind, std::string(id)));
  return it == index_.end() ? nullptr : it->second;
}

SubjectSet LoadInputs(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  SubjectSet set;
  std::vector<InputError> errors;  // path errors, reported after the files' own
  for (const std::string& path : paths) {
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_directory(path, ec)) {
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file(ec)) continue;
        if (EndsWith(name, ".json") || EndsWith(name, ".jsonl") || EndsWith(name, ".yaml") || EndsWith(name, ".yml")) {
          files.push_back(it->path().generic_string());
        }
      }
      if (ec) {
        errors.push_back({path, 0, 0, "cannot read the directory (" + ec.message() + "); check --input"});
        continue;
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        errors.push_back({path, 0, 0, "the directory holds no .json, .jsonl, .yaml or .yml file; check --input"});
      }
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      errors.push_back({path, 0, 0, "no such file or directory; check --input"});
      continue;
    }
    for (const std::string& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        errors.push_back({file, 0, 0, "cannot open the file; check its permissions"});
        continue;
      }
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      set.AddFile(file, content);
    }
  }
  set.Finish();
  for (InputError& error : errors) set.AddError(std::move(error));
  return set;
}

namespace {

cel::Type JsonType(const Json& value) {
  switch (value.type()) {
    case Json::value_t::boolean: return cel::Type::Bool();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return cel::Type::Int();
    case Json::value_t::number_float: return cel::Type::Double();
    case Json::value_t::string: return cel::Type::String();
    case Json::value_t::array: return cel::Type::List(cel::Type::Dyn());
    case Json::value_t::object: return cel::Type::Map(cel::Type::String(), cel::Type::Dyn());
    default: return cel::Type::Dyn();
  }
}

cel::Type Merge(const cel::Type& a, const cel::Type& b) {
  if (a == b) return a;
  const bool a_num = a.kind == cel::TypeKind::kInt || a.kind == cel::TypeKind::kDouble;
  const bool b_num = b.kind == cel::TypeKind::kInt || b.kind == cel::TypeKind::kDouble;
  if (a_num && b_num) return cel::Type::Double();
  return cel::Type::Dyn();
}

void InferObject(const facts::FactSchema& schema, facts::SubjectKind kind, const Json& object, const std::string& prefix,
                 std::map<std::pair<facts::SubjectKind, std::string>, cel::Type>* found) {
  for (const auto& [key, value] : object.items()) {
    if (prefix.empty() && (key == "kind" || key == "id")) continue;
    if (prefix.empty() && kind == facts::SubjectKind::kStream && key == "device") continue;
    if (value.is_null()) continue;
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (schema.Find(kind, path) != nullptr) continue;  // known: typed by the schema, whole
    if (value.is_object() && !value.empty()) {
      InferObject(schema, kind, value, path, found);
      continue;
    }
    auto [it, inserted] = found->try_emplace({kind, path}, JsonType(value));
    if (!inserted) it->second = Merge(it->second, JsonType(value));
  }
}

}  // namespace

void InferFacts(const SubjectSet& subjects, facts::FactSchema* schema) {
  std::map<std::pair<facts::SubjectKind, std::string>, cel::Type> found;
  for (facts::SubjectKind kind : facts::kAllSubjectKinds) {
    for (const Subject* subject : subjects.OfKind(kind)) InferObject(*schema, kind, subject->document, "", &found);
  }
  for (auto& [key, type] : found) {
    facts::FactDef def;
    def.name = key.second;
    def.type = type;
    def.description = "Inferred from the inputs.";
    def.origin = facts::FactOrigin::kInferred;
    schema->Add(key.first, std::move(def));
  }
}

}  // namespace stagegate::subjects
