#include "engine/subjects/subject_value.h"

#include <functional>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/cel/bindings/json_value.h"

namespace stagegate::subjects {

namespace {

using Json = nlohmann::json;

thread_local SubjectScope::State* g_scope = nullptr;

// Where a JSON node sits: the subject that owns the document holding it, and
// its path below that subject.
struct NodePath {
  const Subject* owner = nullptr;
  std::string path;           // below `owner`: "quality" ("" for the root)
  std::string display_prefix; // "stream" or "stream.device" (through the link)
};

bool FindPath(const Json& node, const Json* target, std::string& path) {
  if (&node == target) return true;
  if (!node.is_object()) return false;
  for (const auto& [key, value] : node.get_ref<const Json::object_t&>()) {
    const size_t size = path.size();
    if (!path.empty()) path += '.';
    path += key;
    if (FindPath(value, target, path)) return true;
    path.resize(size);
  }
  return false;
}

std::optional<NodePath> PathOf(const Subject& subject, const Json* node) {
  NodePath out;
  if (FindPath(subject.document, node, out.path)) {
    out.owner = &subject;
    out.display_prefix = std::string(facts::SubjectKindName(subject.kind));
    return out;
  }
  out.path.clear();
  if (subject.device != nullptr && FindPath(subject.device->document, node, out.path)) {
    out.owner = subject.device;
    out.display_prefix = "stream.device";
    return out;
  }
  return std::nullopt;
}

std::string Join(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  out += '.';
  out += b;
  return out;
}

void RecordRead(const Json* node, const std::string* path = nullptr) {
  if (g_scope != nullptr && g_scope->capture != nullptr) g_scope->capture->reads_.push_back({node, path});
}

void RecordMiss(const void* object, bool virtual_group, std::string_view field, bool device_link = false) {
  if (g_scope != nullptr && g_scope->capture != nullptr) {
    g_scope->capture->misses_.push_back({object, virtual_group, field, device_link});
  }
}

cel::Value ComputedValue(const ComputedFactCache::Entry& entry);
std::optional<cel::Value> LookupComputed(const Subject& owner, const std::string& path, const void* object,
                                         bool virtual_group, std::string_view field);

// Objects of subject documents. One adapter serves every node; the value's
// data pointer is the nlohmann node itself.
class FactMapAccess final : public cel::MapAccess {
 public:
  size_t Size(const void* data) const override {
    RecordRead(Node(data));
    return Node(data)->size();
  }
  std::optional<cel::Value> Find(const void* data, const cel::Value& key) const override {
    if (!key.IsString()) return std::nullopt;
    return FindField(data, key.GetString());
  }
  std::optional<cel::Value> FindField(const void* data, std::string_view field) const override;
  cel::Value Keys(const void* data) const override {
    RecordRead(Node(data));
    const Json& object = *Node(data);
    std::vector<cel::Value> keys;
    keys.reserve(object.size());
    for (const auto& [key, value] : object.get_ref<const Json::object_t&>()) {
      keys.push_back(cel::Value::BorrowedString(key));
    }
    return cel::Value::ListOf(std::move(keys));
  }

  static const Json* Node(const void* data) { return static_cast<const Json*>(data); }
};

// Groups that exist only because a provider serves facts below them.
class VirtualGroupAccess final : public cel::MapAccess {
 public:
  size_t Size(const void*) const override { return 0; }
  std::optional<cel::Value> Find(const void* data, const cel::Value& key) const override {
    if (!key.IsString()) return std::nullopt;
    return FindField(data, key.GetString());
  }
  std::optional<cel::Value> FindField(const void* data, std::string_view field) const override {
    const auto* entry = static_cast<const ComputedFactCache::Entry*>(data);
    return LookupComputed(*entry->subject, Join(*entry->path, field), entry, true, field);
  }
  cel::Value Keys(const void*) const override { return cel::Value::ListOf({}); }
};

const FactMapAccess kFactMap;
const VirtualGroupAccess kVirtualGroup;

cel::Value WrapJson(const Json& node) {
  if (node.is_object()) return cel::Value::Map(&kFactMap, &node, nullptr);
  return cel::JsonValue(node);
}

std::optional<cel::Value> FactMapAccess::FindField(const void* data, std::string_view field) const {
  const Json& object = *Node(data);
  const auto& map = object.get_ref<const Json::object_t&>();
  const Json* child = nullptr;
  if (map.size() <= 8) {
    for (const auto& [key, value] : map) {
      if (std::string_view(key) == field) {
        child = &value;
        break;
      }
    }
  } else if (auto it = map.find(field); it != map.end()) {
    child = &it->second;
  }
  SubjectScope::State* scope = g_scope;
  if (scope != nullptr && scope->subject->kind == facts::SubjectKind::kStream && &object == &scope->subject->document &&
      field == "device" && child != nullptr && child->is_string()) {
    // The stream → device link.
    if (scope->subject->device != nullptr) return cel::Value::Map(&kFactMap, &scope->subject->device->document, nullptr);
    RecordMiss(&object, false, field, true);
    return std::nullopt;
  }
  if (child != nullptr) {
    if (child->is_object()) return cel::Value::Map(&kFactMap, child, nullptr);  // captured when used as a whole
    RecordRead(child);
    return cel::JsonValue(*child);
  }
  if (scope != nullptr && scope->options != nullptr && scope->options->providers != nullptr &&
      !scope->options->providers->empty()) {
    if (std::optional<NodePath> where = PathOf(*scope->subject, &object)) {
      return LookupComputed(*where->owner, Join(where->path, field), &object, false, field);
    }
  }
  RecordMiss(&object, false, field);
  return std::nullopt;
}

cel::Value ComputedValue(const ComputedFactCache::Entry& entry) {
  if (entry.group) return cel::Value::Map(&kVirtualGroup, &entry, nullptr);
  if (!entry.error.empty()) return cel::Value::Error(*entry.full_path + ": " + entry.error);
  RecordRead(&*entry.value, entry.full_path);
  return WrapJson(*entry.value);
}

std::optional<cel::Value> LookupComputed(const Subject& owner, const std::string& path, const void* object,
                                         bool virtual_group, std::string_view field) {
  SubjectScope::State* scope = g_scope;
  if (scope == nullptr || scope->options == nullptr || scope->options->providers == nullptr ||
      scope->options->cache == nullptr) {
    RecordMiss(object, virtual_group, field);
    return std::nullopt;
  }
  const FactProviderRegistry& providers = *scope->options->providers;
  if (const FactProvider* provider = providers.Find(owner.kind, path)) {
    const ComputedFactCache::Entry& entry = scope->options->cache->Get(owner, path, *provider);
    if (entry.value || !entry.error.empty()) return ComputedValue(entry);
    // A registered prefix the provider gives no value for is a group of facts.
    if (providers.IsPrefix(owner.kind, path) || providers.ServesBelow(owner.kind, path)) {
      return ComputedValue(scope->options->cache->Group(owner, path));
    }
  } else if (providers.ServesBelow(owner.kind, path)) {
    return ComputedValue(scope->options->cache->Group(owner, path));
  }
  RecordMiss(object, virtual_group, field);
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------

void FactProviderRegistry::Register(facts::SubjectKind kind, std::string prefix,
                                    std::shared_ptr<const FactProvider> provider) {
  providers_.insert_or_assign({kind, std::move(prefix)}, std::move(provider));
}

const FactProvider* FactProviderRegistry::Find(facts::SubjectKind kind, std::string_view fact) const {
  // The longest registered prefix of `fact` (at a '.' boundary) wins.
  std::string_view candidate = fact;
  while (true) {
    auto it = providers_.find(std::pair<facts::SubjectKind, std::string_view>(kind, candidate));
    if (it != providers_.end()) return it->second.get();
    const size_t dot = candidate.rfind('.');
    if (dot == std::string_view::npos) return nullptr;
    candidate = candidate.substr(0, dot);
  }
}

bool FactProviderRegistry::IsPrefix(facts::SubjectKind kind, std::string_view prefix) const {
  return providers_.find(std::pair<facts::SubjectKind, std::string_view>(kind, prefix)) != providers_.end();
}

bool FactProviderRegistry::ServesBelow(facts::SubjectKind kind, std::string_view prefix) const {
  // The kind's registered prefixes that extend `prefix` sort together right
  // after it; a provider serves below it when one continues with a '.'.
  for (auto it = providers_.upper_bound(std::pair<facts::SubjectKind, std::string_view>(kind, prefix));
       it != providers_.end() && it->first.first == kind && it->first.second.starts_with(prefix); ++it) {
    if (it->first.second[prefix.size()] == '.') return true;
  }
  return false;
}

struct ComputedFactCache::Shard {
  std::mutex mutex;
  // Entries by subject, then by path and whether they are the path's group
  // (a provider may also have been asked for a group's path as a fact). A
  // lookup hashes the subject and searches its few paths, however many
  // subjects the run has; evicting a subject drops its map whole. Entries
  // live in the map's nodes, which never move.
  using Key = std::pair<std::string_view, bool>;
  std::unordered_map<const Subject*, std::map<Key, Entry>> subjects;

  // The subject's entry for (path, group), or null.
  const Entry* Find(const Subject& subject, std::string_view path, bool group) {
    std::lock_guard<std::mutex> lock(mutex);
    auto paths = subjects.find(&subject);
    if (paths == subjects.end()) return nullptr;
    auto it = paths->second.find(Key(path, group));
    return it == paths->second.end() ? nullptr : &it->second;
  }

  // Keeps `entry` unless another thread stored one first; returns the kept one.
  const Entry& Insert(Entry entry) {
    std::lock_guard<std::mutex> lock(mutex);
    const Key key(*entry.path, entry.group);
    return subjects[entry.subject].try_emplace(key, std::move(entry)).first->second;
  }
};

// Each path a fact was asked by, once per subject kind, with its full path:
// the entries of a hundred thousand streams share a few dozen strings.
struct ComputedFactCache::InternedPaths {
  struct Names {
    std::string path, full_path;
  };
  std::mutex mutex;
  std::map<facts::SubjectKind, std::map<std::string, Names, std::less<>>> by_kind_and_path;

  // Points `entry` at the interned path and full path of (kind, path).
  void Name(Entry& entry, facts::SubjectKind kind, const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex);
    std::map<std::string, Names, std::less<>>& by_path = by_kind_and_path[kind];
    auto it = by_path.find(path);
    if (it == by_path.end()) it = by_path.emplace(path, Names{path, Join(facts::SubjectKindName(kind), path)}).first;
    entry.path = &it->second.path;
    entry.full_path = &it->second.full_path;
  }
};

namespace {
constexpr size_t kCacheShards = 32;
size_t ShardOf(const Subject& subject) { return std::hash<const void*>{}(&subject) % kCacheShards; }
}  // namespace

ComputedFactCache::ComputedFactCache()
    : shards_(new Shard[kCacheShards]), interned_(std::make_unique<InternedPaths>()) {}
ComputedFactCache::~ComputedFactCache() = default;

const ComputedFactCache::Entry& ComputedFactCache::Get(const Subject& subject, const std::string& path,
                                                      const FactProvider& provider) {
  Shard& shard = shards_[ShardOf(subject)];
  if (const Entry* cached = shard.Find(subject, path, false)) return *cached;
  // Computed outside the lock: a provider may read other facts of the subject.
  ComputedFact computed;
  try {
    computed = provider.Compute(subject, path);
  } catch (const std::exception& e) {
    computed = ComputedFact::Error(std::string("the fact provider failed: ") + e.what());
  }
  Entry entry;
  entry.subject = &subject;
  interned_->Name(entry, subject.kind, path);
  entry.value = std::move(computed.value);
  entry.error = std::move(computed.error);
  // Another thread may have won the race: its entry is the one kept.
  return shard.Insert(std::move(entry));
}

const ComputedFactCache::Entry& ComputedFactCache::Group(const Subject& subject, const std::string& path) {
  Shard& shard = shards_[ShardOf(subject)];
  if (const Entry* cached = shard.Find(subject, path, true)) return *cached;
  Entry entry;
  entry.subject = &subject;
  interned_->Name(entry, subject.kind, path);
  entry.group = true;
  return shard.Insert(std::move(entry));
}

void ComputedFactCache::Evict(const Subject& subject) {
  Shard& shard = shards_[ShardOf(subject)];
  std::lock_guard<std::mutex> lock(shard.mutex);
  shard.subjects.erase(&subject);
}

SubjectScope::SubjectScope(const Subject& subject, FactCapture* capture, const BindingOptions* options)
    : state_{&subject, capture, options, g_scope} {
  g_scope = &state_;
}

SubjectScope::~SubjectScope() { g_scope = state_.previous; }

cel::Value SubjectValue(const Subject& subject) { return cel::Value::Map(&kFactMap, &subject.document, nullptr); }

namespace {
// Records the paths of the `wanted` nodes below `node` (one walk of the
// document; a plain recursive function rather than a std::function, which
// cost an indirect call and a heap allocation per failing outcome).
void WalkEvidence(const Json& node, std::string& path, std::unordered_set<const Json*>& wanted,
                  std::map<std::string, nlohmann::json>* evidence) {
  if (wanted.empty()) return;
  if (auto it = wanted.find(&node); it != wanted.end()) {
    evidence->insert_or_assign(path, node);
    wanted.erase(it);
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.get_ref<const Json::object_t&>()) {
    const size_t size = path.size();
    path += '.';
    path += key;
    WalkEvidence(value, path, wanted, evidence);
    path.resize(size);
  }
}
}  // namespace

void CollectEvidence(const Subject& subject, const FactCapture& capture,
                     std::map<std::string, nlohmann::json>* evidence) {
  if (capture.reads_.empty()) return;
  // Paths of the captured document nodes, found in one walk of each document.
  std::unordered_set<const Json*> wanted;
  for (const FactCapture::Read& read : capture.reads_) {
    if (read.path != nullptr) {
      evidence->insert_or_assign(*read.path, *read.node);
    } else {
      wanted.insert(read.node);
    }
  }
  if (wanted.empty()) return;
  std::string path(facts::SubjectKindName(subject.kind));
  WalkEvidence(subject.document, path, wanted, evidence);
  if (subject.device != nullptr) {
    path = "stream.device";
    WalkEvidence(subject.device->document, path, wanted, evidence);
  }
}

std::optional<MissingFact> FindMissingFact(const Subject& subject, const FactCapture& capture,
                                           std::string_view error_message, const facts::FactSchema& schema) {
  constexpr std::string_view kNoSuchKey = "no such key: ";
  if (error_message.substr(0, kNoSuchKey.size()) != kNoSuchKey) return std::nullopt;
  const std::string_view field = error_message.substr(kNoSuchKey.size());
  for (auto it = capture.misses_.rbegin(); it != capture.misses_.rend(); ++it) {
    if (it->field != field) continue;
    const std::string subject_name =
        std::string(facts::SubjectKindName(subject.kind)) + " " + subject.id;
    if (it->device_link) return MissingFact{"stream.device", subject.link_error};
    const Subject* owner = nullptr;
    std::string relative;
    std::string display;
    if (it->virtual_group) {
      const auto* entry = static_cast<const ComputedFactCache::Entry*>(it->object);
      owner = entry->subject;
      relative = Join(*entry->path, field);
      display = Join(*entry->full_path, field);
    } else {
      std::optional<NodePath> where = PathOf(subject, static_cast<const Json*>(it->object));
      if (!where) continue;
      owner = where->owner;
      relative = Join(where->path, field);
      display = Join(where->display_prefix, relative);
    }
    if (schema.Find(owner->kind, relative) == nullptr && !schema.IsGroup(owner->kind, relative)) return std::nullopt;
    return MissingFact{display, subject_name + " has no value for " + display};
  }
  return std::nullopt;
}

}  // namespace stagegate::subjects
