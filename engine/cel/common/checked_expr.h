#pragma once
// The checker's findings about a tree, which the planner uses.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/cel/common/types.h"

namespace stagegate::cel {

// What a name in the tree resolved to.
struct Reference {
  std::string name;                       // fully qualified variable or function name
  std::vector<std::string> overload_ids;  // for calls: the overloads that may apply
};

struct CheckedExpr {
  std::map<int64_t, Type> types;            // node id → deduced type
  std::map<int64_t, Reference> references;  // ident/select/call node id → resolution
  Type result_type;
};

}  // namespace stagegate::cel
