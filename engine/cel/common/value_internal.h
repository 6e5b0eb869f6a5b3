#pragma once
// Representations behind owned values, for the runtime and the bindings only.
// Not part of the public API: other modules go through value.h.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/cel/common/value.h"

namespace stagegate::cel {

class ListRep : public RefCounted {
 public:
  explicit ListRep(std::vector<Value> e) : elements(std::move(e)) {}
  std::vector<Value> elements;
};

// An insertion-ordered map. Small maps are scanned; larger ones carry an
// open-addressing index (slot = entry index + 1, 0 = empty) keyed by a hash
// under which 1, 1u and 1.0 collide, so heterogeneous numeric lookups work.
class MapRep : public RefCounted {
 public:
  static constexpr size_t kLinearScanLimit = 8;
  explicit MapRep(std::vector<std::pair<Value, Value>> entries);
  const std::pair<Value, Value>* Lookup(const Value& key) const;

  std::vector<std::pair<Value, Value>> entries;
  std::vector<uint32_t> table;
};

class ValueInternals {
 public:
  // Map key equality: numbers by value across int/uint/double, others by ValuesEqual of the same kind.
  static bool KeysEqual(const Value& a, const Value& b);
  static size_t KeyHash(const Value& key);
  // The representation of an owned list / map built by ListOf / MapOf, or null for adapters.
  static const ListRep* OwnedList(const Value& v);
  static const MapRep* OwnedMap(const Value& v);
};

// RFC 3339 text of a timestamp ("2024-01-02T03:04:05.5Z") and cel-go's duration text ("1.5s").
std::string FormatTimestamp(Timestamp t);
std::string FormatDuration(Duration d);

}  // namespace stagegate::cel
