#include <string>

#include <gtest/gtest.h>

#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

size_t CountOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(MarkdownReportTest, TableCellsKeepOneRowEach) {
  const std::string md = RenderMarkdown(testing::FullRun());
  EXPECT_NE(md.find("**Decision: DENY**"), std::string::npos);
  // The pipe in a message and a reason is escaped, the newline is a <br>.
  EXPECT_NE(md.find("p99 \\| 72.5 ms &gt; 50 ms budget"), std::string::npos);
  EXPECT_NE(md.find("missing 3.1% of expected samples<br>window"), std::string::npos);
  // Every row of the failures table has exactly the five columns' six unescaped pipes.
  const size_t start = md.find("### Failures (4)");
  ASSERT_NE(start, std::string::npos);
  size_t rows = 0;
  size_t line_start = md.find('\n', md.find("|---|", start)) + 1;
  while (line_start < md.size() && md[line_start] == '|') {
    const size_t end = md.find('\n', line_start);
    const std::string row = md.substr(line_start, end - line_start);
    EXPECT_EQ(CountOf(row, "|") - CountOf(row, "\\|"), 6u) << row;
    ++rows;
    line_start = end + 1;
  }
  EXPECT_EQ(rows, 4u);
}

TEST(MarkdownReportTest, ListsWaiversExpiredOrExpiringSoonOnly) {
  const std::string md = RenderMarkdown(testing::FullRun());
  EXPECT_NE(md.find("| w-cert-d003 |"), std::string::npos);
  EXPECT_NE(md.find("expired 3 days ago"), std::string::npos);
  EXPECT_EQ(md.find("w-latency-resnet"), std::string::npos);  // 120 days left
}

TEST(MarkdownReportTest, AllowRunHasNoFailureSections) {
  const std::string md = RenderMarkdown(testing::AllowRun());
  EXPECT_NE(md.find("**Decision: ALLOW**"), std::string::npos);
  EXPECT_EQ(md.find("### "), std::string::npos);
}

TEST(MarkdownReportTest, BigRunsShowFiftyRowsAndCountTheRest) {
  const std::string md = RenderMarkdown(testing::LargeRun(1000));
  EXPECT_EQ(CountOf(md, "| stream/s-"), 50u);
  EXPECT_NE(md.find("...and 950 more failures"), std::string::npos);
  EXPECT_LT(md.size(), 12000u);
}

}  // namespace
}  // namespace stagegate::reports
