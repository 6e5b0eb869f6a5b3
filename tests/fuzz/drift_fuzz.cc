// Fuzzes what the drift module reads from outside: baseline sketch blobs
// (read back from a store that may be corrupt or hostile) and CSV files
// (`drift compare`, `baseline create --csv`). The first byte picks the
// parser; a CSV input is compared column against column with the automatic
// test choice. Nothing may crash, leak or hang; bad input is an error.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "evaluators/drift/column_drift.h"
#include "evaluators/drift/csv_columns.h"
#include "evaluators/drift/sketch.h"

namespace {

using namespace stagegate::drift;

void FuzzSketchBlob(std::string_view blob) {
  std::string error;
  if (std::optional<DistributionSketch> sketch = DistributionSketch::Deserialize(blob, &error)) {
    (void)sketch->Quantile(0.5);
    const ReferenceDistribution reference = sketch->ToReference();
    if (!reference.sorted_values.empty()) {
      (void)CompareNumeric(reference, reference.sorted_values, DriftOptions{});
    }
    std::string again;
    if (!DistributionSketch::Deserialize(sketch->Serialize(), &again)) __builtin_trap();  // a round trip must hold
  }
  (void)CategoricalSketch::Deserialize(blob, &error);
}

void FuzzCsv(std::string_view text) {
  static const std::string path = [] {
    char name[] = "/tmp/stagegate-drift-fuzz-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  if (FILE* file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }
  CsvReadOptions options;
  options.threads = 1;
  std::vector<CsvColumn> columns;
  std::string error;
  if (!ReadCsvColumns(path, options, &columns, &error) || columns.size() < 2) return;
  const CsvColumn& reference = columns[0];
  const CsvColumn& current = columns[1];
  if (reference.numeric && current.numeric) {
    (void)CompareNumeric(MakeReference(reference.numbers, {}), current.numbers, DriftOptions{});
  } else if (!reference.numeric && !current.numeric) {
    CategoryCounts a, b;
    for (const std::string& s : reference.strings) ++a[s];
    for (const std::string& s : current.strings) ++b[s];
    (void)CompareCategorical(a, b, DriftOptions{}, "sha256:fuzz");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) FuzzSketchBlob(rest);
  else FuzzCsv(rest);
  return 0;
}
