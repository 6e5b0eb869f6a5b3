// Every format's exact output for the sample runs, compared with the files in
// golden/. STAGEGATE_REWRITE_GOLDEN=1 rewrites them instead; review the diff.

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

struct Format {
  const char* extension;
  std::function<std::string(const eval::RunResult&)> render;
};

const Format kFormats[] = {
    {"json", RenderJson}, {"sarif", RenderSarif}, {"xml", RenderJUnit}, {"md", RenderMarkdown}};

void CheckGolden(const std::string& name, const eval::RunResult& run) {
  for (const Format& format : kFormats) {
    const std::string path = std::string(STAGEGATE_REPORTS_GOLDEN_DIR) + "/" + name + "." + format.extension;
    const std::string actual = format.render(run);
    const char* rewrite = std::getenv("STAGEGATE_REWRITE_GOLDEN");
    if (rewrite != nullptr && std::string(rewrite) == "1") {
      std::ofstream(path, std::ios::binary) << actual;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " is missing; run the test with STAGEGATE_REWRITE_GOLDEN=1 to create it";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(actual, expected.str()) << path << " differs; if the change is intended, rerun with "
                                      << "STAGEGATE_REWRITE_GOLDEN=1 and review the diff";
  }
}

TEST(GoldenTest, FullRun) { CheckGolden("full_run", testing::FullRun()); }
TEST(GoldenTest, AllowRun) { CheckGolden("allow_run", testing::AllowRun()); }
TEST(GoldenTest, LargeRun) { CheckGolden("large_run", testing::LargeRun(53)); }

TEST(GoldenTest, OutputIsDeterministic) {
  for (const Format& format : kFormats) {
    EXPECT_EQ(format.render(testing::FullRun()), format.render(testing::FullRun())) << format.extension;
  }
}

}  // namespace
}  // namespace stagegate::reports
