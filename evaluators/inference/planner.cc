#include "evaluators/inference/planner.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

namespace stagegate::inference {
namespace {

std::size_t AlignUp(std::size_t bytes) { return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

ArenaLayout AssignOffsets(const std::vector<BufferRequest>& requests) {
  ArenaLayout layout;
  layout.offsets.assign(requests.size(), 0);
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return requests[a].bytes > requests[b].bytes; });
  std::vector<std::size_t> placed;
  std::vector<std::pair<std::size_t, std::size_t>> busy;  // [offset, end) of overlapping placed buffers
  for (std::size_t index : order) {
    const BufferRequest& request = requests[index];
    const std::size_t size = AlignUp(request.bytes);
    if (size == 0) continue;  // an empty tensor needs no bytes; offset 0 is as good as any
    busy.clear();
    for (std::size_t other : placed) {
      const BufferRequest& o = requests[other];
      if (o.first <= request.last && request.first <= o.last) {
        busy.emplace_back(layout.offsets[other], layout.offsets[other] + AlignUp(o.bytes));
      }
    }
    std::sort(busy.begin(), busy.end());
    std::size_t best_offset = 0;
    std::size_t best_gap = std::numeric_limits<std::size_t>::max();
    std::size_t cursor = 0;
    for (const auto& [start, end] : busy) {
      if (start > cursor && start - cursor >= size && start - cursor < best_gap) {
        best_gap = start - cursor;
        best_offset = cursor;
      }
      cursor = std::max(cursor, end);
    }
    if (best_gap == std::numeric_limits<std::size_t>::max()) best_offset = cursor;
    layout.offsets[index] = best_offset;
    layout.size = std::max(layout.size, best_offset + size);
    placed.push_back(index);
  }
  return layout;
}

}  // namespace stagegate::inference
