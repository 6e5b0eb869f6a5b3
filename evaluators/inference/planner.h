#pragma once
// Arena layout: offsets for buffers with known sizes and lifetimes, so that
// buffers alive at the same time never overlap and a buffer's bytes are
// reused once its last reader has run. Private to evaluators/inference.

#include <cstddef>
#include <vector>

namespace stagegate::inference {

// Every buffer starts on this boundary (cache line; what Eigen's aligned
// loads and AVX-512 want).
inline constexpr std::size_t kArenaAlignment = 64;

// A buffer alive from step `first` to step `last`, both inclusive (steps are
// node indices: a node's inputs and outputs are alive together).
struct BufferRequest {
  std::size_t bytes = 0;
  int first = 0;
  int last = 0;
};

struct ArenaLayout {
  std::vector<std::size_t> offsets;  // one per request, multiples of kArenaAlignment
  std::size_t size = 0;              // bytes of the arena: the planned peak
};

// Places the largest buffers first; each goes to the smallest free gap
// between the buffers it overlaps in time that holds it (best fit), or
// after the last of them.
ArenaLayout AssignOffsets(const std::vector<BufferRequest>& requests);

}  // namespace stagegate::inference
