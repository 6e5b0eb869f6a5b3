// The arena layout: lifetimes decide which buffers may share bytes.

#include "evaluators/inference/planner.h"

#include <gtest/gtest.h>

namespace stagegate::inference {
namespace {

bool Overlap(const ArenaLayout& layout, const std::vector<BufferRequest>& requests, std::size_t a, std::size_t b) {
  const bool in_time = requests[a].first <= requests[b].last && requests[b].first <= requests[a].last;
  const bool in_space = layout.offsets[a] < layout.offsets[b] + requests[b].bytes &&
                        layout.offsets[b] < layout.offsets[a] + requests[a].bytes;
  return in_time && in_space;
}

TEST(PlannerTest, DisjointLifetimesShareBytes) {
  const std::vector<BufferRequest> requests = {{1000, 0, 1}, {1000, 2, 3}};
  const ArenaLayout layout = AssignOffsets(requests);
  EXPECT_EQ(layout.offsets[0], 0u);
  EXPECT_EQ(layout.offsets[1], 0u);
  EXPECT_EQ(layout.size, 1024u);  // rounded up to 64
}

TEST(PlannerTest, OverlappingLifetimesGetSeparateAlignedOffsets) {
  const std::vector<BufferRequest> requests = {{100, 0, 2}, {10, 1, 3}, {300, 2, 2}};
  const ArenaLayout layout = AssignOffsets(requests);
  for (std::size_t a = 0; a < requests.size(); ++a) {
    EXPECT_EQ(layout.offsets[a] % kArenaAlignment, 0u);
    for (std::size_t b = a + 1; b < requests.size(); ++b)
      EXPECT_FALSE(Overlap(layout, requests, a, b)) << a << " " << b;
  }
  EXPECT_EQ(layout.size, 320u + 128u + 64u);
}

TEST(PlannerTest, BestFitPicksTheSmallestGapThatHolds) {
  // Largest first: A [0,512) alive 0..1, B [512,768) alive 0..5, C [768,1024)
  // alive 0..1, D [1024,1152) alive 0..5. E (128 bytes, alive 3..4) sees
  // the gaps A and C left, [0,512) and [768,1024), and takes the smaller.
  const std::vector<BufferRequest> requests = {{512, 0, 1}, {256, 0, 5}, {200, 0, 1}, {128, 0, 5}, {128, 3, 4}};
  const ArenaLayout layout = AssignOffsets(requests);
  EXPECT_EQ(layout.offsets[1], 512u);
  EXPECT_EQ(layout.offsets[2], 768u);
  EXPECT_EQ(layout.offsets[3], 1024u);
  EXPECT_EQ(layout.offsets[4], 768u);
  EXPECT_EQ(layout.size, 1152u);
}

TEST(PlannerTest, EmptyBuffersTakeNoBytes) {
  const ArenaLayout layout = AssignOffsets({{0, 0, 3}, {64, 0, 3}});
  EXPECT_EQ(layout.size, 64u);
}

}  // namespace
}  // namespace stagegate::inference
