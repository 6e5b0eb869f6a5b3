#include "engine/cel/common/value.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>

#include "engine/cel/common/value_internal.h"

namespace stagegate::cel {

namespace {

class StringRep : public RefCounted {
 public:
  explicit StringRep(std::string s) : text(std::move(s)) {}
  std::string text;
};

class OptionalRep : public RefCounted {
 public:
  OptionalRep() = default;
  explicit OptionalRep(Value v) : has_value(true), value(std::move(v)) {}
  bool has_value = false;
  Value value;
};

class MessageRep : public RefCounted {
 public:
  explicit MessageRep(std::string m, int32_t at = -1) : message(std::move(m)), offset(at) {}
  std::string message;
  int32_t offset;  // errors only: where in the expression it arose, -1 if unknown
};

class VectorListAccess final : public ListAccess {
 public:
  size_t Size(const void* data) const override { return static_cast<const ListRep*>(data)->elements.size(); }
  Value Get(const void* data, size_t index) const override {
    return static_cast<const ListRep*>(data)->elements[index];
  }
};

class HashMapAccess final : public MapAccess {
 public:
  size_t Size(const void* data) const override { return static_cast<const MapRep*>(data)->entries.size(); }
  std::optional<Value> Find(const void* data, const Value& key) const override {
    const MapRep* rep = static_cast<const MapRep*>(data);
    const std::pair<Value, Value>* entry = rep->Lookup(key);
    if (entry == nullptr) return std::nullopt;
    return entry->second;
  }
  std::optional<Value> FindField(const void* data, std::string_view field) const override {
    const MapRep* rep = static_cast<const MapRep*>(data);
    const std::pair<Value, Value>* entry = rep->Lookup(Value::BorrowedString(field));
    if (entry == nullptr) return std::nullopt;
    return entry->second;
  }
  Value Keys(const void* data) const override {
    const MapRep* rep = static_cast<const MapRep*>(data);
    std::vector<Value> keys;
    keys.reserve(rep->entries.size());
    for (const auto& entry : rep->entries) keys.push_back(entry.first);
    return Value::ListOf(std::move(keys));
  }
};

const VectorListAccess kVectorListAccess;
const HashMapAccess kHashMapAccess;

// The one shared "none": referenced once at creation so it is never freed.
const OptionalRep* NoneRep() {
  static const OptionalRep* rep = [] {
    auto* r = new OptionalRep();
    r->Ref();
    return r;
  }();
  return rep;
}

// Names of the built-in types, borrowed by type values so that `type(x) == int` does not allocate.
constexpr std::string_view kBuiltinTypeNames[] = {
    "null_type", "bool",  "int",  "uint",  "double", "string", "bytes", "list", "map",
    "google.protobuf.Timestamp", "google.protobuf.Duration", "type", "optional_type", "error", "unknown",
};

// Maps a numeric key to a canonical form: int when it fits int64, uint above.
// Returns false when the value is not a usable map key number (non-integral double).
bool CanonicalNumber(const Value& v, bool* is_int, int64_t* i, uint64_t* u) {
  switch (v.kind()) {
    case ValueKind::kInt:
      *is_int = true;
      *i = v.GetInt();
      return true;
    case ValueKind::kUint:
      if (v.GetUint() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *is_int = true;
        *i = static_cast<int64_t>(v.GetUint());
      } else {
        *is_int = false;
        *u = v.GetUint();
      }
      return true;
    case ValueKind::kDouble: {
      double d = v.GetDouble();
      if (!std::isfinite(d) || std::trunc(d) != d) return false;
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        *is_int = true;
        *i = static_cast<int64_t>(d);
        return true;
      }
      if (d >= 0 && d < 18446744073709551616.0) {
        *is_int = false;
        *u = static_cast<uint64_t>(d);
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

int CompareIntUint(int64_t a, uint64_t b) {
  if (a < 0) return -1;
  uint64_t ua = static_cast<uint64_t>(a);
  return ua < b ? -1 : (ua > b ? 1 : 0);
}

// Compares an integer with a double as cel-go does: out-of-range doubles are
// ordered against every integer, otherwise the integer is converted to double
// (lossy above 2^53: 9223372036854775807 == 9223372036854775808.0, as the
// conformance suite requires). nullopt when d is NaN.
std::optional<int> CompareIntDouble(int64_t a, double d) {
  if (std::isnan(d)) return std::nullopt;
  if (d < -9223372036854775808.0) return 1;
  if (d > 9223372036854775808.0) return -1;
  double x = static_cast<double>(a);
  return x < d ? -1 : (x > d ? 1 : 0);
}

std::optional<int> CompareUintDouble(uint64_t a, double d) {
  if (std::isnan(d)) return std::nullopt;
  if (d < 0) return 1;
  if (d > 18446744073709551616.0) return -1;
  double x = static_cast<double>(a);
  return x < d ? -1 : (x > d ? 1 : 0);
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool IsNumeric(ValueKind k) { return k == ValueKind::kInt || k == ValueKind::kUint || k == ValueKind::kDouble; }

std::optional<int> CompareNumbers(const Value& a, const Value& b) {
  switch (a.kind()) {
    case ValueKind::kInt:
      switch (b.kind()) {
        case ValueKind::kInt:
          return Cmp(a.GetInt(), b.GetInt());
        case ValueKind::kUint:
          return CompareIntUint(a.GetInt(), b.GetUint());
        default:
          return CompareIntDouble(a.GetInt(), b.GetDouble());
      }
    case ValueKind::kUint:
      switch (b.kind()) {
        case ValueKind::kInt:
          return -CompareIntUint(b.GetInt(), a.GetUint());
        case ValueKind::kUint:
          return Cmp(a.GetUint(), b.GetUint());
        default:
          return CompareUintDouble(a.GetUint(), b.GetDouble());
      }
    default:
      switch (b.kind()) {
        case ValueKind::kInt: {
          auto c = CompareIntDouble(b.GetInt(), a.GetDouble());
          if (!c) return std::nullopt;
          return -*c;
        }
        case ValueKind::kUint: {
          auto c = CompareUintDouble(b.GetUint(), a.GetDouble());
          if (!c) return std::nullopt;
          return -*c;
        }
        default: {
          double x = a.GetDouble(), y = b.GetDouble();
          if (std::isnan(x) || std::isnan(y)) return std::nullopt;
          return Cmp(x, y);
        }
      }
  }
}

void AppendQuoted(std::string* out, std::string_view s, bool bytes) {
  if (bytes) out->push_back('b');
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || (bytes && c >= 0x7f)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  // Prefer the shortest representation that round-trips.
  for (int precision = 1; precision <= 17; ++precision) {
    char tmp[40];
    std::snprintf(tmp, sizeof tmp, "%.*g", precision, d);
    if (std::strtod(tmp, nullptr) == d) {
      std::snprintf(buf, sizeof buf, "%s", tmp);
      break;
    }
  }
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

void AppendDebug(std::string* out, const Value& v);

}  // namespace

// ---------------------------------------------------------------------------
// Internals shared with the runtime.

bool ValueInternals::KeysEqual(const Value& a, const Value& b) {
  if (IsNumeric(a.kind()) && IsNumeric(b.kind())) {
    auto c = CompareNumbers(a, b);
    return c && *c == 0;
  }
  if (a.kind() != b.kind()) return false;
  return ValuesEqual(a, b);
}

size_t ValueInternals::KeyHash(const Value& key) {
  switch (key.kind()) {
    case ValueKind::kInt:
    case ValueKind::kUint:
    case ValueKind::kDouble: {
      bool is_int = false;
      int64_t i = 0;
      uint64_t u = 0;
      if (!CanonicalNumber(key, &is_int, &i, &u)) return 0x9e3779b9u;
      return is_int ? std::hash<int64_t>()(i) : std::hash<uint64_t>()(u) ^ 0x5bd1e995u;
    }
    case ValueKind::kBool:
      return key.GetBool() ? 0x1234567u : 0x7654321u;
    case ValueKind::kString:
      return std::hash<std::string_view>()(key.GetString());
    default:
      return 0x42u;
  }
}

MapRep::MapRep(std::vector<std::pair<Value, Value>> e) : entries(std::move(e)) {
  if (entries.size() > kLinearScanLimit) {
    size_t capacity = 16;
    while (capacity < entries.size() * 2) capacity <<= 1;
    table.assign(capacity, 0);
    for (size_t i = 0; i < entries.size(); ++i) {
      size_t slot = ValueInternals::KeyHash(entries[i].first) & (capacity - 1);
      while (table[slot] != 0) slot = (slot + 1) & (capacity - 1);
      table[slot] = static_cast<uint32_t>(i + 1);
    }
  }
}

const std::pair<Value, Value>* MapRep::Lookup(const Value& key) const {
  if (table.empty()) {
    for (const auto& entry : entries) {
      if (ValueInternals::KeysEqual(entry.first, key)) return &entry;
    }
    return nullptr;
  }
  size_t mask = table.size() - 1;
  size_t slot = ValueInternals::KeyHash(key) & mask;
  while (table[slot] != 0) {
    const auto& entry = entries[table[slot] - 1];
    if (ValueInternals::KeysEqual(entry.first, key)) return &entry;
    slot = (slot + 1) & mask;
  }
  return nullptr;
}

const ListRep* ValueInternals::OwnedList(const Value& v) {
  if (!v.IsList() || v.list_access() != &kVectorListAccess) return nullptr;
  return static_cast<const ListRep*>(v.aggregate_data());
}

const MapRep* ValueInternals::OwnedMap(const Value& v) {
  if (!v.IsMap() || v.map_access() != &kHashMapAccess) return nullptr;
  return static_cast<const MapRep*>(v.aggregate_data());
}

// ---------------------------------------------------------------------------
// Value.

std::string_view KindName(ValueKind kind) {
  size_t index = static_cast<size_t>(kind);
  if (index < std::size(kBuiltinTypeNames)) return kBuiltinTypeNames[index];
  return "unknown";
}

std::optional<Value> MapAccess::FindField(const void* data, std::string_view field) const {
  return Find(data, Value::BorrowedString(field));
}

Value Value::String(std::string_view s) { return String(std::string(s)); }

Value Value::String(std::string&& s) {
  Value v;
  auto* rep = new StringRep(std::move(s));
  rep->Ref();
  v.kind_ = ValueKind::kString;
  v.payload_.str = {rep->text.data(), rep->text.size()};
  v.owner_ = rep;
  return v;
}

Value Value::Bytes(std::string_view b) { return Bytes(std::string(b)); }

Value Value::Bytes(std::string&& b) {
  Value v = String(std::move(b));
  v.kind_ = ValueKind::kBytes;
  return v;
}

Value Value::TimestampOf(Timestamp t) {
  Value v;
  v.kind_ = ValueKind::kTimestamp;
  v.payload_.ts = t;
  return v;
}

Value Value::DurationOf(Duration d) {
  Value v;
  v.kind_ = ValueKind::kDuration;
  v.payload_.i = d.nanos;
  return v;
}

Value Value::Type(std::string_view name) {
  for (std::string_view builtin : kBuiltinTypeNames) {
    if (builtin == name) {
      Value v = BorrowedString(builtin);
      v.kind_ = ValueKind::kType;
      return v;
    }
  }
  Value v = String(name);
  v.kind_ = ValueKind::kType;
  return v;
}

Value Value::List(const ListAccess* access, const void* data, const RefCounted* owner) {
  Value v;
  v.kind_ = ValueKind::kList;
  v.payload_.list = {access, data};
  if (owner != nullptr) owner->Ref();
  v.owner_ = owner;
  return v;
}

Value Value::Map(const MapAccess* access, const void* data, const RefCounted* owner) {
  Value v;
  v.kind_ = ValueKind::kMap;
  v.payload_.map = {access, data};
  if (owner != nullptr) owner->Ref();
  v.owner_ = owner;
  return v;
}

Value Value::ListOf(std::vector<Value> elements) {
  auto* rep = new ListRep(std::move(elements));
  return List(&kVectorListAccess, rep, rep);
}

Value Value::MapOf(std::vector<std::pair<Value, Value>> entries) {
  auto* rep = new MapRep(std::move(entries));
  return Map(&kHashMapAccess, rep, rep);
}

Value Value::OptionalOf(Value value) {
  auto* rep = new OptionalRep(std::move(value));
  rep->Ref();
  Value v;
  v.kind_ = ValueKind::kOptional;
  v.payload_.ptr = rep;
  v.owner_ = rep;
  return v;
}

Value Value::OptionalNone() {
  const OptionalRep* rep = NoneRep();
  rep->Ref();
  Value v;
  v.kind_ = ValueKind::kOptional;
  v.payload_.ptr = rep;
  v.owner_ = rep;
  return v;
}

Value Value::Error(std::string message) {
  auto* rep = new MessageRep(std::move(message));
  rep->Ref();
  Value v;
  v.kind_ = ValueKind::kError;
  v.payload_.ptr = rep;
  v.owner_ = rep;
  return v;
}

Value Value::Unknown(std::string attribute) {
  Value v = Error(std::move(attribute));
  v.kind_ = ValueKind::kUnknown;
  return v;
}

bool Value::OptionalHasValue() const { return static_cast<const OptionalRep*>(payload_.ptr)->has_value; }

const Value& Value::OptionalValue() const { return static_cast<const OptionalRep*>(payload_.ptr)->value; }

const std::string& Value::ErrorMessage() const { return static_cast<const MessageRep*>(payload_.ptr)->message; }

int32_t Value::ErrorOffset() const { return static_cast<const MessageRep*>(payload_.ptr)->offset; }

Value Value::WithErrorOffset(int32_t offset) const {
  const auto* rep = static_cast<const MessageRep*>(payload_.ptr);
  if (rep->offset >= 0 || offset < 0) return *this;
  auto* located = new MessageRep(rep->message, offset);
  located->Ref();
  Value v;
  v.kind_ = ValueKind::kError;
  v.payload_.ptr = located;
  v.owner_ = located;
  return v;
}

const std::string& Value::UnknownAttribute() const {
  return static_cast<const MessageRep*>(payload_.ptr)->message;
}

std::string_view Value::TypeName() const {
  if (kind_ == ValueKind::kType) return "type";
  return KindName(kind_);
}

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(&out, *this);
  return out;
}

namespace {

void AppendDebug(std::string* out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      out->append("null");
      return;
    case ValueKind::kBool:
      out->append(v.GetBool() ? "true" : "false");
      return;
    case ValueKind::kInt:
      out->append(std::to_string(v.GetInt()));
      return;
    case ValueKind::kUint:
      out->append(std::to_string(v.GetUint()));
      out->push_back('u');
      return;
    case ValueKind::kDouble:
      out->append(FormatDouble(v.GetDouble()));
      return;
    case ValueKind::kString:
      AppendQuoted(out, v.GetString(), false);
      return;
    case ValueKind::kBytes:
      AppendQuoted(out, v.GetString(), true);
      return;
    case ValueKind::kList: {
      out->push_back('[');
      for (size_t i = 0; i < v.ListSize(); ++i) {
        if (i > 0) out->append(", ");
        AppendDebug(out, v.ListGet(i));
      }
      out->push_back(']');
      return;
    }
    case ValueKind::kMap: {
      out->push_back('{');
      Value keys = v.MapKeys();
      for (size_t i = 0; i < keys.ListSize(); ++i) {
        if (i > 0) out->append(", ");
        Value key = keys.ListGet(i);
        AppendDebug(out, key);
        out->append(": ");
        std::optional<Value> value = v.MapFind(key);
        AppendDebug(out, value ? *value : Value());
      }
      out->push_back('}');
      return;
    }
    case ValueKind::kTimestamp:
      out->append("timestamp(\"");
      out->append(FormatTimestamp(v.GetTimestamp()));
      out->append("\")");
      return;
    case ValueKind::kDuration:
      out->append("duration(\"");
      out->append(FormatDuration(v.GetDuration()));
      out->append("\")");
      return;
    case ValueKind::kType:
      out->append(v.GetString());
      return;
    case ValueKind::kOptional:
      if (v.OptionalHasValue()) {
        out->append("optional.of(");
        AppendDebug(out, v.OptionalValue());
        out->push_back(')');
      } else {
        out->append("optional.none()");
      }
      return;
    case ValueKind::kError:
      out->append("error: ");
      out->append(v.ErrorMessage());
      return;
    case ValueKind::kUnknown:
      out->append("unknown: ");
      out->append(v.UnknownAttribute());
      return;
  }
}

// Days since 1970-01-01 to civil date (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2 ? 1 : 0);
}

}  // namespace

std::string FormatTimestamp(Timestamp t) {
  int64_t days = t.seconds / 86400;
  int64_t rem = t.seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d", static_cast<long long>(y), m, d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out = buf;
  if (t.nanos != 0) {
    char frac[16];
    int32_t nanos = t.nanos;
    if (nanos % 1000000 == 0) {
      std::snprintf(frac, sizeof frac, ".%03d", nanos / 1000000);
    } else if (nanos % 1000 == 0) {
      std::snprintf(frac, sizeof frac, ".%06d", nanos / 1000);
    } else {
      std::snprintf(frac, sizeof frac, ".%09d", nanos);
    }
    out += frac;
  }
  out += "Z";
  return out;
}

std::string FormatDuration(Duration d) {
  std::string out;
  uint64_t n;
  if (d.nanos < 0) {
    out.push_back('-');
    n = static_cast<uint64_t>(-(d.nanos + 1)) + 1;
  } else {
    n = static_cast<uint64_t>(d.nanos);
  }
  out += std::to_string(n / 1000000000ULL);
  uint64_t frac = n % 1000000000ULL;
  if (frac != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09llu", static_cast<unsigned long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += "s";
  return out;
}

// ---------------------------------------------------------------------------
// Equality and ordering.

bool ValuesEqual(const Value& a, const Value& b) {
  ValueKind ka = a.kind(), kb = b.kind();
  if (IsNumeric(ka) && IsNumeric(kb)) {
    auto c = CompareNumbers(a, b);
    return c && *c == 0;
  }
  if (ka != kb) return false;
  switch (ka) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
      return a.GetBool() == b.GetBool();
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType:
      return a.GetString() == b.GetString();
    case ValueKind::kTimestamp:
      return a.GetTimestamp() == b.GetTimestamp();
    case ValueKind::kDuration:
      return a.GetDuration() == b.GetDuration();
    case ValueKind::kList: {
      size_t n = a.ListSize();
      if (n != b.ListSize()) return false;
      for (size_t i = 0; i < n; ++i) {
        if (!ValuesEqual(a.ListGet(i), b.ListGet(i))) return false;
      }
      return true;
    }
    case ValueKind::kMap: {
      if (a.MapSize() != b.MapSize()) return false;
      Value keys = a.MapKeys();
      for (size_t i = 0; i < keys.ListSize(); ++i) {
        Value key = keys.ListGet(i);
        std::optional<Value> va = a.MapFind(key);
        std::optional<Value> vb = b.MapFind(key);
        if (!va || !vb || !ValuesEqual(*va, *vb)) return false;
      }
      return true;
    }
    case ValueKind::kOptional:
      if (a.OptionalHasValue() != b.OptionalHasValue()) return false;
      return !a.OptionalHasValue() || ValuesEqual(a.OptionalValue(), b.OptionalValue());
    default:
      return false;
  }
}

std::optional<int> CompareValues(const Value& a, const Value& b) {
  ValueKind ka = a.kind(), kb = b.kind();
  if (IsNumeric(ka) && IsNumeric(kb)) return CompareNumbers(a, b);
  if (ka != kb) return std::nullopt;
  switch (ka) {
    case ValueKind::kBool:
      return Cmp(a.GetBool(), b.GetBool());
    case ValueKind::kString:
    case ValueKind::kBytes: {
      int c = a.GetString().compare(b.GetString());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case ValueKind::kTimestamp:
      return Cmp(a.GetTimestamp(), b.GetTimestamp());
    case ValueKind::kDuration:
      return Cmp(a.GetDuration().nanos, b.GetDuration().nanos);
    default:
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------
// MapBuilder.

bool MapBuilder::Insert(Value key, Value value) {
  for (const auto& entry : entries_) {
    if (ValueInternals::KeysEqual(entry.first, key)) return false;
  }
  entries_.emplace_back(std::move(key), std::move(value));
  return true;
}

Value MapBuilder::Build() && { return Value::MapOf(std::move(entries_)); }

}  // namespace stagegate::cel
