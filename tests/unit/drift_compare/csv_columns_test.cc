// The CSV column reader: types, quotes, line ends, missing cells and the
// error messages users read.
#include <gtest/gtest.h>

#include <unistd.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "evaluators/drift/csv_columns.h"

namespace stagegate::drift {
namespace {

class CsvColumnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stagegate_csv_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& text) {
    const std::string path = (dir_ / "in.csv").string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::vector<CsvColumn> Read(const std::string& text, int threads = 1, std::vector<std::string> names = {}) {
    std::vector<CsvColumn> columns;
    CsvReadOptions options;
    options.threads = threads;
    options.columns = std::move(names);
    error_.clear();
    ok_ = ReadCsvColumns(Write(text), options, &columns, &error_);
    return columns;
  }

  std::filesystem::path dir_;
  std::string error_;
  bool ok_ = false;
};

TEST_F(CsvColumnsTest, NumericAndCategoricalColumns) {
  const auto columns = Read("a,b,c\n1,x,2.5\n-3e2,y,\n+4,,nan\n");
  ASSERT_TRUE(ok_) << error_;
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_TRUE(columns[0].numeric);
  EXPECT_EQ(columns[0].numbers, (std::vector<double>{1, -300, 4}));
  EXPECT_FALSE(columns[1].numeric);
  EXPECT_EQ(columns[1].strings, (std::vector<std::string>{"x", "y", ""}));
  EXPECT_TRUE(columns[2].numeric);
  EXPECT_EQ(columns[2].numbers[0], 2.5);
  EXPECT_TRUE(std::isnan(columns[2].numbers[1]));  // empty cell
  EXPECT_TRUE(std::isnan(columns[2].numbers[2]));  // "nan"
}

// The reader's fast path for plain decimals must give exactly from_chars'
// double, for every length and position of the decimal point.
TEST_F(CsvColumnsTest, DecimalsReadExactlyAsFromChars) {
  std::uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 17;
  };
  std::vector<std::string> cells;
  for (int i = 0; i < 20000; ++i) {
    const int digits = 1 + static_cast<int>(next() % 17);
    std::string text = next() % 2 ? "-" : "";
    for (int d = 0; d < digits; ++d) text += static_cast<char>('0' + next() % 10);
    const auto point = next() % (static_cast<std::uint64_t>(digits) + 2);
    if (point <= static_cast<std::uint64_t>(digits)) text.insert(text.size() - point, ".");
    if (text == "." || text == "-.") text = "0";
    cells.push_back(text);
  }
  std::string csv = "v\n";
  for (const auto& c : cells) csv += c + "\n";
  const auto columns = Read(csv, 2);
  ASSERT_TRUE(ok_) << error_;
  ASSERT_TRUE(columns[0].numeric);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    double expected = 0;
    std::from_chars(cells[i].data(), cells[i].data() + cells[i].size(), expected);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(columns[0].numbers[i]), std::bit_cast<std::uint64_t>(expected)) << cells[i];
  }
}

TEST_F(CsvColumnsTest, SpecialValuesAreNumeric) {
  const auto columns = Read("v\nNaN\ninf\n-inf\nInfinity\n1e999\n 7 \n");
  ASSERT_TRUE(ok_) << error_;
  ASSERT_TRUE(columns[0].numeric);
  const auto& v = columns[0].numbers;
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], INFINITY);
  EXPECT_EQ(v[2], -INFINITY);
  EXPECT_EQ(v[3], INFINITY);
  EXPECT_EQ(v[4], INFINITY);
  EXPECT_EQ(v[5], 7.0);
}

TEST_F(CsvColumnsTest, QuotedFieldsPerRfc4180) {
  const auto columns = Read("name,\"x,y\"\n\"a \"\"b\"\", c\",\"1.5\"\n\"two\nlines\",2\n");
  ASSERT_TRUE(ok_) << error_;
  EXPECT_EQ(columns[0].name, "name");
  EXPECT_EQ(columns[1].name, "x,y");
  EXPECT_EQ(columns[0].strings, (std::vector<std::string>{"a \"b\", c", "two\nlines"}));
  EXPECT_TRUE(columns[1].numeric);
  EXPECT_EQ(columns[1].numbers, (std::vector<double>{1.5, 2}));
}

TEST_F(CsvColumnsTest, CrlfBlankLinesAndNoFinalNewline) {
  const auto columns = Read("\xEF\xBB\xBF" "a,b\r\n1,2\r\n\r\n3,4");
  ASSERT_TRUE(ok_) << error_;
  EXPECT_EQ(columns[0].name, "a");
  EXPECT_EQ(columns[0].numbers, (std::vector<double>{1, 3}));
  EXPECT_EQ(columns[1].numbers, (std::vector<double>{2, 4}));
}

TEST_F(CsvColumnsTest, ThreadsGiveTheSameColumns) {
  std::string text = "a,b\n";
  for (int i = 0; i < 10000; ++i) text += std::to_string(i) + "," + std::to_string(i % 7 == 0 ? -i : i * 2) + "\n";
  const auto one = Read(text, 1);
  const auto four = Read(text, 4);
  ASSERT_TRUE(ok_) << error_;
  EXPECT_EQ(one[0].numbers, four[0].numbers);
  EXPECT_EQ(one[1].numbers, four[1].numbers);
  EXPECT_EQ(four[0].numbers.size(), 10000u);
  EXPECT_EQ(four[0].numbers[9999], 9999.0);
}

TEST_F(CsvColumnsTest, HeaderOnlyHasNoRows) {
  const auto columns = Read("a,b\n");
  ASSERT_TRUE(ok_) << error_;
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_TRUE(columns[0].numbers.empty());
}

TEST_F(CsvColumnsTest, OnlyNamedColumnsAreLoaded) {
  const auto columns = Read("a,b,c\n1,2,3\n", 1, {"c", "a"});
  ASSERT_TRUE(ok_) << error_;
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[0].name, "c");
  EXPECT_EQ(columns[0].numbers, (std::vector<double>{3}));
  EXPECT_EQ(columns[1].numbers, (std::vector<double>{1}));
}

TEST_F(CsvColumnsTest, ErrorsNameTheFileLineAndWhatToDo) {
  const std::string path = (dir_ / "in.csv").string();
  Read("a,b\n1,2\n3\n", 2);
  EXPECT_FALSE(ok_);
  EXPECT_EQ(error_, path + ":3: the row has 1 field but the header has 2; fix the row, or quote fields that contain "
                           "commas");
  Read("a,b\n1,2\n3,4,5,6\n");
  EXPECT_EQ(error_, path + ":3: the row has 4 fields but the header has 2; fix the row, or quote fields that contain "
                           "commas");
  Read("a,b\n1,2\n3,\"4\n");
  EXPECT_EQ(error_, path + ":3: a quoted field is not closed; end it with a double quote (write \"\" for a quote "
                           "inside it)");
  Read("a,b\n\"1\"x,2\n");
  EXPECT_EQ(error_, path + ":2: text follows a closing quote; quote the whole field and write \"\" for a quote "
                           "inside it");
  Read("");
  EXPECT_EQ(error_, path + ":1: the file is empty; a CSV needs a header row naming its columns");
  Read("a,b\n1,2\n", 1, {"c"});
  EXPECT_EQ(error_, path + ":1: no column named 'c' (the header has: a, b); check --columns");
  Read("a,a\n1,2\n");
  EXPECT_EQ(error_, path + ":1: the header names column 'a' twice; give every column a distinct name");
  std::vector<CsvColumn> columns;
  EXPECT_FALSE(ReadCsvColumns((dir_ / "missing.csv").string(), {}, &columns, &error_));
  EXPECT_EQ(error_, (dir_ / "missing.csv").string() +
                        ": cannot open the file (No such file or directory); check the path and its permissions");
}

TEST_F(CsvColumnsTest, RaggedRowsAreFoundAfterTheLastLoadedColumn) {
  // Only column a is loaded: the rest of each row is skipped, but counted.
  auto columns = Read("a,b,c\r\n1,2,3\r\n4,5\r\n", 2, {"a"});
  EXPECT_EQ(error_, (dir_ / "in.csv").string() +
                        ":3: the row has 2 fields but the header has 3; fix the row, or quote fields that contain "
                        "commas");
  columns = Read("a,b,c\r\n1,2,3\r\n4,5,6,7\r\n", 2, {"a"});
  EXPECT_EQ(error_, (dir_ / "in.csv").string() +
                        ":3: the row has 4 fields but the header has 3; fix the row, or quote fields that contain "
                        "commas");
  columns = Read("a,b,c\r\n1,2,3\r\n4,5,6", 2, {"a", "b"});
  ASSERT_TRUE(ok_) << error_;
  EXPECT_EQ(columns[0].numbers, (std::vector<double>{1, 4}));
  EXPECT_EQ(columns[1].numbers, (std::vector<double>{2, 5}));
}

TEST_F(CsvColumnsTest, QuotesInsideAnUnquotedFieldAreText) {
  const auto columns = Read("a,b\nx\"y,1\n\"z\",2\n");
  ASSERT_TRUE(ok_) << error_;
  EXPECT_EQ(columns[0].strings, (std::vector<std::string>{"x\"y", "z"}));
  EXPECT_EQ(columns[1].numbers, (std::vector<double>{1, 2}));
}

TEST_F(CsvColumnsTest, LoneCarriageReturnIsRefused) {
  Read("a,b\n1,2\r3,4\n", 2);
  EXPECT_EQ(error_, (dir_ / "in.csv").string() +
                        ":2: a carriage return without a line feed; end lines with LF or CRLF");
}

TEST_F(CsvColumnsTest, RaggedRowLineCountsLinesInsideQuotes) {
  Read("a,b\n\"x\ny\",1\n2\n");
  EXPECT_EQ(error_, (dir_ / "in.csv").string() +
                        ":4: the row has 1 field but the header has 2; fix the row, or quote fields that contain "
                        "commas");
}

}  // namespace
}  // namespace stagegate::drift
