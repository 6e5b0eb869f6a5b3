// Differential fuzzing of the fast YAML reader: on any text it gives what
// the yaml-cpp path gives, or leaves the text to it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/cel/bindings/yaml_limits.h"
#include "tests/unit/cel/bindings/yaml_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The readers refuse NUL bytes and leading commas before parsing (as the
  // inventory does), and yaml-cpp's own endless loops are guarded there.
  if (text.find('\0') != std::string_view::npos) return 0;
  if (stagegate::cel::FindLeadingComma(text)) return 0;
  const std::string difference = stagegate::cel::testing::FastPathDifference(text);
  if (!difference.empty()) {
    std::fprintf(stderr, "fast YAML path differs: %s\n", difference.c_str());
    std::abort();
  }
  return 0;
}
