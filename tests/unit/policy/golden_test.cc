// Golden tests of the loader's diagnostics: each folder of
// tests/golden/policy_errors/ holds a bad bundle and `expected`, the exact
// output. STAGEGATE_REWRITE_GOLDEN=1 rewrites the expected files.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"
#include "tests/unit/policy/test_support.h"

namespace stagegate::policy {
namespace {

namespace fs = std::filesystem;

fs::path GoldenRoot() { return fs::path(STAGEGATE_SOURCE_DIR) / "tests/golden/policy_errors"; }

std::string LoadAndFormat(const fs::path& dir) {
  bundle::Bundle b = testing::ReadFolder(dir);
  std::erase_if(b.files, [](const bundle::BundleFile& f) { return f.path == "expected"; });
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  LoadOptions options;
  options.now = *ParseTime("2026-01-01T00:00:00Z");
  options.undeclared_facts_are_warnings = fs::exists(dir / "warnings");
  LoadResult result = LoadPolicies(b, schema, options);
  std::string out = FormatDiagnostics(result.diagnostics);
  out += result.ok() ? "ok\n" : "invalid\n";
  return out;
}

class PolicyErrorsGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(PolicyErrorsGolden, MatchesExpected) {
  fs::path dir = GoldenRoot() / GetParam();
  std::string actual = LoadAndFormat(dir);
  const char* rewrite = std::getenv("STAGEGATE_REWRITE_GOLDEN");
  if (rewrite != nullptr && std::string(rewrite) == "1") {
    std::ofstream(dir / "expected", std::ios::binary) << actual;
    return;
  }
  std::ifstream in(dir / "expected", std::ios::binary);
  ASSERT_TRUE(in) << "missing " << (dir / "expected") << "; run with STAGEGATE_REWRITE_GOLDEN=1";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual);
  // Every golden case is a bad bundle with at least one error.
  EXPECT_NE(actual.find(": error SG"), std::string::npos) << GetParam() << " reports no error";
}

std::vector<std::string> Cases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(GoldenRoot())) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyErrorsGolden, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(PolicyErrorsGoldenSuite, HasAtLeastThirtyCases) { EXPECT_GE(Cases().size(), 30u); }

}  // namespace
}  // namespace stagegate::policy
