// Fuzzes the input reader: the first byte picks the format (JSON, JSON Lines
// or YAML), the rest is the file. Then the schema is inferred from whatever
// subjects were read.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/facts/fact_schema.h"
#include "engine/subjects/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kNames[] = {"fuzz.json", "fuzz.jsonl", "fuzz.yaml"};
  const char* name = kNames[data[0] % 3];
  std::string_view content(reinterpret_cast<const char*>(data + 1), size - 1);
  stagegate::subjects::SubjectSet set;
  set.AddFile(name, content);
  set.Finish();
  for (const auto& error : set.errors()) (void)stagegate::subjects::FormatInputError(error);
  stagegate::facts::FactSchema schema;
  stagegate::facts::RegisterCoreFacts(schema);
  stagegate::subjects::InferFacts(set, &schema);
  return 0;
}
