#pragma once
// Replaces the global operator new/delete with versions that count
// allocations, so that tests and benchmarks can assert or report how many a
// code path makes. Include this header in exactly one source file of a binary.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace stagegate::testing {
inline std::atomic<int64_t> g_allocation_count{0};
// Returns the number of global operator new calls so far in this process.
inline int64_t AllocationCount() { return g_allocation_count.load(std::memory_order_relaxed); }
}  // namespace stagegate::testing

// GCC cannot see that these operators pair malloc with free themselves.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  stagegate::testing::g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  stagegate::testing::g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
