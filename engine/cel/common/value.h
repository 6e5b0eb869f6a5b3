#pragma once
// Runtime values.
//
// A Value is 32 bytes, copied by value. Scalars live inline. Strings, bytes,
// lists and maps are either *owned* (a reference-counted representation, kept
// alive by `owner_`) or *borrowed* (pointing into storage that outlives the
// evaluation: the program's constants, or the JSON/YAML document or host object
// bound to the activation). Borrowing is what lets `stream.device.site ==
// "plant-a"` run over a bound JSON document without a heap allocation.
//
// Lists and maps are reached through an access interface plus an opaque data
// pointer, so that one adapter (for example the JSON adapter) serves every
// node of a document without allocating a wrapper per node.
//
// Errors and unknowns are values (cel-spec semantics): evaluation does not
// throw; an erroring sub-expression yields an error value that operators
// propagate or absorb as the language definition says.
//
// Thread safety: a Value may be copied and read from many threads; reference
// counts are atomic. Values are immutable once built.

#include <atomic>
#include <cstring>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::cel {

enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kList,
  kMap,
  kTimestamp,
  kDuration,
  kType,
  kOptional,
  kError,
  kUnknown,
};

// Returns the kind's CEL type name ("int", "list", "google.protobuf.Timestamp", ...).
std::string_view KindName(ValueKind kind);

// Base of every heap representation that values share.
class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;

  void Ref() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  mutable std::atomic<int32_t> refs_{0};
};

class Value;

// Access to a list's elements. `data` is the adapter-specific pointer stored in the value.
class ListAccess {
 public:
  virtual ~ListAccess() = default;
  virtual size_t Size(const void* data) const = 0;
  // Returns element `index`; the caller guarantees index < Size(data).
  virtual Value Get(const void* data, size_t index) const = 0;
};

// Access to a map's entries. Map keys are int, uint, bool or string; int and
// uint keys that denote the same number are the same key (heterogeneous
// equality), as are doubles with an integral value when looked up.
class MapAccess {
 public:
  virtual ~MapAccess() = default;
  virtual size_t Size(const void* data) const = 0;
  // Returns the value at `key`, or nullopt when absent.
  virtual std::optional<Value> Find(const void* data, const Value& key) const = 0;
  // Returns the value of string key `field` (field selection), or nullopt when
  // absent. Host objects compute facts here, lazily; they may return an error
  // or unknown value when a fact cannot be computed.
  virtual std::optional<Value> FindField(const void* data, std::string_view field) const;
  // Returns the keys as a list, in the map's iteration order (insertion order
  // for maps built by expressions; document order for JSON/YAML).
  virtual Value Keys(const void* data) const = 0;
};

struct Timestamp {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z; valid range years 0001..9999
  int32_t nanos = 0;    // 0..999,999,999
  auto operator<=>(const Timestamp&) const = default;
};

struct Duration {
  int64_t nanos = 0;  // signed; CEL limits durations to what fits in int64 nanoseconds (about ±292 years)
  auto operator<=>(const Duration&) const = default;
};

class Value {
 public:
  // Constructs null.
  Value() : kind_(ValueKind::kNull) { payload_.i = 0; }
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() {
    if (owner_ != nullptr) owner_->Unref();
  }

  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Uint(uint64_t u);
  static Value Double(double d);
  // Copies `s` into an owned representation.
  static Value String(std::string_view s);
  static Value String(std::string&& s);
  static Value String(const char* s) { return String(std::string_view(s)); }  // resolves literal ambiguity
  // Refers to `s` without copying; `s` must outlive every use of the value.
  static Value BorrowedString(std::string_view s);
  static Value Bytes(std::string_view b);
  static Value Bytes(std::string&& b);
  static Value Bytes(const char* b) { return Bytes(std::string_view(b)); }
  static Value BorrowedBytes(std::string_view b);
  static Value TimestampOf(Timestamp t);
  static Value DurationOf(Duration d);
  // A type value, named as CEL prints it ("int", "list", "google.protobuf.Duration", a user type name).
  static Value Type(std::string_view name);
  // A list or map reached through `access` with `data`; `owner` (may be null)
  // keeps the storage alive and is referenced by the value.
  static Value List(const ListAccess* access, const void* data, const RefCounted* owner);
  static Value Map(const MapAccess* access, const void* data, const RefCounted* owner);
  // An owned list / map holding the given elements / entries (map keys must be unique;
  // use MapBuilder to detect duplicates).
  static Value ListOf(std::vector<Value> elements);
  static Value MapOf(std::vector<std::pair<Value, Value>> entries);
  static Value OptionalOf(Value v);
  static Value OptionalNone();
  // An error value with a message (cel-go's wording where the conformance suite
  // fixes it, e.g. "no such key", "division by zero", "no matching overload").
  static Value Error(std::string message);
  // An unknown value: the evaluation needs a fact or variable that is not
  // available. `attribute` names it (for example "stream.quality.missing_ratio").
  static Value Unknown(std::string attribute);

  ValueKind kind() const { return kind_; }
  bool IsNull() const { return kind_ == ValueKind::kNull; }
  bool IsBool() const { return kind_ == ValueKind::kBool; }
  bool IsInt() const { return kind_ == ValueKind::kInt; }
  bool IsUint() const { return kind_ == ValueKind::kUint; }
  bool IsDouble() const { return kind_ == ValueKind::kDouble; }
  bool IsString() const { return kind_ == ValueKind::kString; }
  bool IsBytes() const { return kind_ == ValueKind::kBytes; }
  bool IsList() const { return kind_ == ValueKind::kList; }
  bool IsMap() const { return kind_ == ValueKind::kMap; }
  bool IsTimestamp() const { return kind_ == ValueKind::kTimestamp; }
  bool IsDuration() const { return kind_ == ValueKind::kDuration; }
  bool IsType() const { return kind_ == ValueKind::kType; }
  bool IsOptional() const { return kind_ == ValueKind::kOptional; }
  bool IsError() const { return kind_ == ValueKind::kError; }
  bool IsUnknown() const { return kind_ == ValueKind::kUnknown; }
  // True for error and unknown: values that strict functions propagate.
  bool IsErrorOrUnknown() const { return kind_ == ValueKind::kError || kind_ == ValueKind::kUnknown; }

  bool GetBool() const { return payload_.b; }
  int64_t GetInt() const { return payload_.i; }
  uint64_t GetUint() const { return payload_.u; }
  double GetDouble() const { return payload_.d; }
  std::string_view GetString() const { return {payload_.str.data, payload_.str.size}; }  // also bytes and type names
  Timestamp GetTimestamp() const { return payload_.ts; }
  Duration GetDuration() const { return Duration{payload_.i}; }

  // Lists.
  size_t ListSize() const { return payload_.list.access->Size(payload_.list.data); }
  Value ListGet(size_t index) const { return payload_.list.access->Get(payload_.list.data, index); }
  // Maps.
  size_t MapSize() const { return payload_.map.access->Size(payload_.map.data); }
  std::optional<Value> MapFind(const Value& key) const { return payload_.map.access->Find(payload_.map.data, key); }
  std::optional<Value> MapFindField(std::string_view field) const {
    return payload_.map.access->FindField(payload_.map.data, field);
  }
  Value MapKeys() const { return payload_.map.access->Keys(payload_.map.data); }
  const ListAccess* list_access() const { return payload_.list.access; }
  const MapAccess* map_access() const { return payload_.map.access; }
  const void* aggregate_data() const { return payload_.list.data; }

  // Optionals.
  bool OptionalHasValue() const;
  const Value& OptionalValue() const;  // requires OptionalHasValue()

  // Errors and unknowns.
  const std::string& ErrorMessage() const;       // requires IsError()
  // Byte offset in the expression source of the node where the error arose,
  // or -1 when unknown. The interpreter sets it on errors that leave a call,
  // select or index step without one, so that the CLI can point at the cause.
  int32_t ErrorOffset() const;                   // requires IsError()
  // Returns a copy of this error value located at `offset` (only if it has no location yet).
  Value WithErrorOffset(int32_t offset) const;   // requires IsError()
  const std::string& UnknownAttribute() const;   // requires IsUnknown()

  // Returns the value's CEL type name, as `type(v)` would denote it.
  std::string_view TypeName() const;

  // Returns a debug / CLI rendering, stable across runs: JSON-like for data,
  // `timestamp("...")` / `duration("...")` for time values, `error: msg` for errors.
  std::string DebugString() const;

 private:
  struct StringPayload {
    const char* data;
    size_t size;
  };
  struct AggregatePayload {
    const void* access;
    const void* data;
  };
  struct ListPayload {
    const ListAccess* access;
    const void* data;
  };
  struct MapPayload {
    const MapAccess* access;
    const void* data;
  };
  union Payload {
    // Explicit: Timestamp's member initialisers would otherwise delete the union's constructor.
    Payload() : raw{0, 0} {}
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    StringPayload str;
    ListPayload list;
    MapPayload map;
    Timestamp ts;
    struct {
      uint64_t lo, hi;
    } raw;  // both words, so that a default value is fully initialised
    const void* ptr;  // optional / error / unknown representation (== owner_)
  };

  // Copies the payload as two 8-byte words. Factories write 8-byte halves; a
  // 16-byte (vector) load of a value just written stalls store-to-load
  // forwarding on x86 (~15 cycles a copy), which dominated evaluation time.
  // The empty asm keeps the compiler from merging the two moves.
  static void CopyPayload(Payload& to, const Payload& from) {
    uint64_t lo;
    uint64_t hi;
    std::memcpy(&lo, static_cast<const void*>(&from), 8);
    std::memcpy(&hi, static_cast<const char*>(static_cast<const void*>(&from)) + 8, 8);
#if defined(__GNUC__)
    asm("" : "+r"(lo), "+r"(hi));
#endif
    std::memcpy(static_cast<void*>(&to), &lo, 8);
    std::memcpy(static_cast<char*>(static_cast<void*>(&to)) + 8, &hi, 8);
  }

  ValueKind kind_;
  Payload payload_;
  const RefCounted* owner_ = nullptr;

  friend class ValueInternals;
};

// Equality as cel-spec defines `==`: heterogeneous numeric equality (1 == 1u ==
// 1.0), NaN unequal to itself, lists and maps compared element-wise, values of
// different kinds unequal. Errors and unknowns are the caller's concern: do not
// pass them here.
bool ValuesEqual(const Value& a, const Value& b);

// Ordering for `<`, `<=`, `>`, `>=`: returns -1, 0 or 1, or nullopt when the
// operands are not ordered (different non-numeric kinds, or NaN).
std::optional<int> CompareValues(const Value& a, const Value& b);

// Builds an owned map, rejecting duplicate keys (an error value: "Failed with repeated key").
class MapBuilder {
 public:
  // Returns false when `key` is already present (heterogeneous numeric equality counts).
  bool Insert(Value key, Value value);
  Value Build() &&;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<Value, Value>> entries_;
};

// Copies and moves are inline: they sit on every evaluation step.
inline Value::Value(const Value& other) : kind_(other.kind_), owner_(other.owner_) {
  CopyPayload(payload_, other.payload_);
  if (owner_ != nullptr) owner_->Ref();
}
inline Value::Value(Value&& other) noexcept : kind_(other.kind_), owner_(other.owner_) {
  CopyPayload(payload_, other.payload_);
  other.owner_ = nullptr;
  other.kind_ = ValueKind::kNull;
}
// `other` may live inside the storage this value owns (`v = v.OptionalValue()`),
// so both assignments read `other` completely before releasing the old owner.
inline Value& Value::operator=(const Value& other) {
  const RefCounted* old_owner = owner_;
  if (other.owner_ != nullptr) other.owner_->Ref();
  kind_ = other.kind_;
  CopyPayload(payload_, other.payload_);
  owner_ = other.owner_;
  if (old_owner != nullptr) old_owner->Unref();
  return *this;
}
inline Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    const RefCounted* old_owner = owner_;
    kind_ = other.kind_;
    CopyPayload(payload_, other.payload_);
    owner_ = other.owner_;
    other.owner_ = nullptr;
    other.kind_ = ValueKind::kNull;
    if (old_owner != nullptr) old_owner->Unref();
  }
  return *this;
}
inline Value Value::Bool(bool b) {
  Value v;
  v.kind_ = ValueKind::kBool;
  // Written as one 8-byte word (the bool's byte first, as payload_.b lays it
  // out) so that copies' 8-byte loads forward from this store.
  uint64_t word = 0;
  std::memcpy(&word, &b, 1);
  v.payload_.u = word;
  return v;
}
inline Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = ValueKind::kInt;
  v.payload_.i = i;
  return v;
}
inline Value Value::Uint(uint64_t u) {
  Value v;
  v.kind_ = ValueKind::kUint;
  v.payload_.u = u;
  return v;
}
inline Value Value::Double(double d) {
  Value v;
  v.kind_ = ValueKind::kDouble;
  v.payload_.d = d;
  return v;
}
inline Value Value::BorrowedString(std::string_view s) {
  Value v;
  v.kind_ = ValueKind::kString;
  v.payload_.str = {s.data(), s.size()};
  return v;
}
inline Value Value::BorrowedBytes(std::string_view b) {
  Value v;
  v.kind_ = ValueKind::kBytes;
  v.payload_.str = {b.data(), b.size()};
  return v;
}

}  // namespace stagegate::cel
