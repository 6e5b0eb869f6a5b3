#include "evaluators/contracts/telemetry_ingest.h"
#include "tests/support/scratch_dir.h"

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

class IngestTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    store_ = TelemetryStore::Open((dir_ / "t.db").string(), TelemetryStore::Mode::kReadWrite, &error);
    ASSERT_NE(store_, nullptr) << error;
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  bool Ingest(const std::string& path, IngestReport* report, std::string* error, IngestOptions options = {}) {
    options.now_rfc3339 = [] { return std::string("2024-06-01T00:00:00Z"); };
    return IngestInput(store_.get(), path, options, report, error);
  }

  Series Read(const std::string& device, const std::string& sensor) {
    Series s;
    std::string error;
    EXPECT_TRUE(store_->ReadSeries({device, sensor}, INT64_MIN, INT64_MAX, &s, &error)) << error;
    return s;
  }

  int64_t StoredSamples() {
    TelemetryStore::Totals totals;
    std::string error;
    EXPECT_TRUE(store_->ReadTotals(&totals, &error)) << error;
    return totals.samples;
  }

  test_support::ScratchDir scratch_{"sg_ingest"};
  const fs::path& dir_ = scratch_.path();
  std::unique_ptr<TelemetryStore> store_;  // closed before its folder is removed
};

constexpr int64_t kMarch31 = 1711843200LL * 1'000'000;  // 2024-03-31T00:00:00Z

TEST(Rfc3339, ParsesOffsetsFractionsAndRefusesNonsense) {
  int64_t us = 0;
  std::string why;
  ASSERT_TRUE(ParseRfc3339("2024-03-31T00:00:00Z", &us, &why)) << why;
  EXPECT_EQ(us, kMarch31);
  ASSERT_TRUE(ParseRfc3339("2024-03-31 02:30:00.25+02:30", &us, &why)) << why;
  EXPECT_EQ(us, kMarch31 + 250'000);
  ASSERT_TRUE(ParseRfc3339("2024-03-30T23:00:00.000001234-01:00", &us, &why)) << why;
  EXPECT_EQ(us, kMarch31 + 1);  // nanoseconds truncated
  ASSERT_TRUE(ParseRfc3339("1969-12-31T23:59:59Z", &us, &why));
  EXPECT_EQ(us, -1'000'000);
  ASSERT_TRUE(ParseRfc3339("2024-02-29t12:00:00z", &us, &why));
  const std::pair<const char*, const char*> bad[] = {
      {"2024-03-31T00:00:00", "has no UTC offset (add 'Z' or +hh:mm: a time without an offset is ambiguous)"},
      {"2023-02-29T00:00:00Z", "has day 29 in a month of 28 days"},
      {"2024-13-01T00:00:00Z", "has month 13"},
      {"2024-03-31", "has no time after the date (YYYY-MM-DDTHH:MM:SS)"},
      {"2024-03-31T24:00:00Z", "has a time of day out of range"},
      {"2016-12-31T23:59:60Z", "is a leap second (:60), which is not supported; use :59.999999"},
      {"2024-03-31T00:00:00+0200", "has a malformed UTC offset (write it as +hh:mm or -hh:mm)"},
      {"2024-03-31T00:00:00Zjunk", "has unexpected text \"junk\" after the offset"},
      {"1711843200", "does not start with a date YYYY-MM-DD"},
  };
  for (const auto& [text, expected] : bad) {
    EXPECT_FALSE(ParseRfc3339(text, &us, &why)) << text;
    EXPECT_EQ(why, expected) << text;
  }
}

TEST_F(IngestTest, LongFormWithDstCrossingOffsetsAndReceiveTimes) {
  // Europe/Berlin switches from +01:00 to +02:00 at 01:00Z on 2024-03-31:
  // local 01:59:59+01:00 and 03:00:00+02:00 are one second apart.
  const std::string path = Write("dst.csv",
                                 "ts,device_id,sensor,value,received_at\n"
                                 "2024-03-31T01:59:58+01:00,d1,temperature,21.50,2024-03-31T00:59:58.400Z\n"
                                 "2024-03-31T01:59:59+01:00,d1,temperature,21.52,\n"
                                 "2024-03-31T03:00:00+02:00,d1,temperature,NaN,2024-03-31T03:00:00.500+02:00\n"
                                 "2024-03-31T03:00:01+02:00,d1,temperature,-999,2024-03-31T01:00:01.500Z\n"
                                 "2024-03-31T03:00:01+02:00,d1,temperature,5,2024-03-31T01:00:09Z\n");
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(path, &report, &error)) << error;
  EXPECT_EQ(report.layout, Layout::kLong);
  EXPECT_TRUE(report.layout_detected);
  EXPECT_EQ(report.time_format, TimeFormat::kRfc3339);
  EXPECT_EQ(report.time_format_line, 2);
  EXPECT_EQ(report.received_column, "received_at");
  EXPECT_EQ(report.rows, 5);
  EXPECT_EQ(report.write.stored, 4);
  EXPECT_EQ(report.write.duplicates, 1);
  Series s = Read("d1", "temperature");
  const int64_t base = kMarch31 + 3598LL * 1'000'000;  // 00:59:58Z
  EXPECT_EQ(s.timestamps_us, (std::vector<int64_t>{base, base + 1'000'000, base + 2'000'000, base + 3'000'000}));
  EXPECT_EQ(s.values[0], 21.5);
  EXPECT_EQ(s.values[1], 21.52);
  EXPECT_TRUE(std::isnan(s.values[2]));
  EXPECT_EQ(s.values[3], -999);  // sentinels are stored as they came
  EXPECT_EQ(s.received_us, (std::vector<int64_t>{base + 400'000, kReceiveTimeUnknown, base + 2'500'000,
                                                 base + 3'500'000}));
  EXPECT_EQ(s.duplicates, (std::vector<uint32_t>{0, 0, 0, 1}));
}

TEST_F(IngestTest, EpochFormatsAreDetectedByMagnitude) {
  const std::pair<std::string, TimeFormat> cases[] = {{"1711843200", TimeFormat::kEpochSeconds},
                                                       {"1711843200.5", TimeFormat::kEpochSeconds},
                                                       {"1711843200000", TimeFormat::kEpochMillis},
                                                       {"1711843200000000", TimeFormat::kEpochMicros}};
  int n = 0;
  for (const auto& [ts, format] : cases) {
    const std::string path = Write(fmt::format("e{}.csv", n), fmt::format("ts,device_id,sensor,value\n{},d{},s,1\n", ts, n));
    IngestReport report;
    std::string error;
    ASSERT_TRUE(Ingest(path, &report, &error)) << error;
    EXPECT_EQ(report.time_format, format) << ts;
    EXPECT_TRUE(report.time_format_detected);
    Series s = Read(fmt::format("d{}", n), "s");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s.timestamps_us[0], kMarch31 + (ts == "1711843200.5" ? 500'000 : 0)) << ts;
    ++n;
  }
}

TEST_F(IngestTest, AmbiguousTimesStopWithAnErrorAndStoreNothing) {
  const std::string path = Write("cycles.csv", "ts,device_id,sensor,value\n17,d,s,1\n18,d,s,2\n");
  IngestReport report;
  std::string error;
  EXPECT_FALSE(Ingest(path, &report, &error));
  EXPECT_EQ(error, path + ":2: cannot tell the time format of \"17\": as an epoch time it is not between 1980 and "
                          "2100 in seconds, milliseconds or microseconds; pass --time-format epoch-s, epoch-ms, "
                          "epoch-us or rfc3339");
  EXPECT_EQ(StoredSamples(), 0);
  // Declared, it is accepted.
  IngestOptions options;
  options.time_format = TimeFormat::kEpochSeconds;
  ASSERT_TRUE(Ingest(path, &report, &error, options)) << error;
  EXPECT_FALSE(report.time_format_detected);
  EXPECT_EQ(Read("d", "s").timestamps_us, (std::vector<int64_t>{17'000'000, 18'000'000}));
  // Units that change within a file are not guessed either.
  const std::string mixed = Write("mixed.csv", "ts,device_id,sensor,value\n1711843200,d,m,1\n1711843201000,d,m,2\n");
  EXPECT_FALSE(Ingest(mixed, &report, &error));
  EXPECT_EQ(error, mixed + ":3: ts \"1711843201000\" does not look like epoch-s as detected from line 2; pass "
                           "--time-format to say which unit the file uses");
}

TEST_F(IngestTest, MalformedRowStoresNothingOfTheFile) {
  const std::string path = Write("bad.csv",
                                 "ts,device_id,sensor,value\n"
                                 "2024-03-31T00:00:00Z,d,s,1\n"
                                 "2024-03-31T00:00:01Z,d,s,abc\n"
                                 "2024-03-31T00:00:02Z,d,s,3\n");
  IngestReport report;
  std::string error;
  EXPECT_FALSE(Ingest(path, &report, &error));
  EXPECT_TRUE(report.bad_row);
  EXPECT_EQ(error, path + ":3: value \"abc\" is not a number; write a decimal number or NaN, or leave the cell "
                          "empty for a missing value");
  EXPECT_EQ(StoredSamples(), 0);
  std::vector<StreamInfo> streams;
  ASSERT_TRUE(store_->ListStreams(&streams, &error));
  EXPECT_TRUE(streams.empty());
  // Not recorded as ingested: after fixing nothing, a second try fails the same way.
  EXPECT_FALSE(Ingest(path, &report, &error));
}

TEST_F(IngestTest, RowErrorsNameWhatToDo) {
  const std::pair<std::string, std::string> cases[] = {
      {"2024-03-31T00:00:00Z,d,s", "3 fields, but the header has 4 columns; quote fields that contain commas"},
      {",d,s,1", "empty ts; every row needs its timestamp"},
      {"2024-03-31T00:00:00Z,,s,1", "empty device_id; every row names its device"},
      {"2024-03-31T00:00:00Z,d,,1", "empty sensor; every row names its sensor"},
      {"2024-03-31 00:00:00,d,s,1",
       "ts \"2024-03-31 00:00:00\" is not an RFC 3339 timestamp: it has no UTC offset (add 'Z' or +hh:mm: a time "
       "without an offset is ambiguous); write it like 2024-03-01T12:00:00Z"},
      {"2024-03-31T00:00:00Z,\"d,1\",s,\"1", "a quoted field is not closed on this line (fields may not span lines); "
                                             "close the quote"},
  };
  int n = 0;
  for (const auto& [row, reason] : cases) {
    const std::string path = Write(fmt::format("r{}.csv", n++), "ts,device_id,sensor,value\n2024-03-31T00:00:00Z,d,s,1\n" + row + "\n");
    IngestReport report;
    std::string error;
    EXPECT_FALSE(Ingest(path, &report, &error));
    EXPECT_EQ(error, path + ":3: " + reason);
  }
}

TEST_F(IngestTest, HeaderErrors) {
  IngestReport report;
  std::string error;
  const std::string empty = Write("empty.csv", "\n\n");
  EXPECT_FALSE(Ingest(empty, &report, &error));
  EXPECT_EQ(error, empty + ": empty input: no header line; a CSV file starts with a header such as "
                           "'ts,device_id,sensor,value'");
  const std::string headless = Write("headless.csv", "2024-03-31T00:00:00Z,d,s,1\n");
  EXPECT_FALSE(Ingest(headless, &report, &error));
  EXPECT_EQ(error, headless + ":1: the header has no timestamp column (name it ts, timestamp or time); the first "
                              "line looks like data: start the file with a header line such as "
                              "ts,device_id,sensor,value");
  const std::string long_missing = Write("l.csv", "ts,device_id,temp\n");
  IngestOptions options;
  options.layout = Layout::kLong;
  EXPECT_FALSE(Ingest(long_missing, &report, &error, options));
  EXPECT_EQ(error, long_missing + ":1: the long layout needs columns sensor and value; add them, or pass --layout "
                                  "wide for one column per sensor");
}

TEST_F(IngestTest, QuarantineKeepsGoodRowsAndRecordsBadOnes) {
  const std::string path = Write("q.csv",
                                 "ts,device_id,sensor,value\n"
                                 "2024-03-31T00:00:00Z,d,s,1\n"
                                 "2024-03-31T00:00:01Z,d,s,abc\n"
                                 "garbage\n"
                                 "2024-03-31T00:00:02Z,d,s,3\n");
  IngestOptions options;
  options.quarantine = true;
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(path, &report, &error, options)) << error;
  EXPECT_EQ(report.rows, 4);
  EXPECT_EQ(report.rejected, 2);
  EXPECT_EQ(report.write.stored, 2);
  EXPECT_EQ(Read("d", "s").values, (std::vector<double>{1, 3}));
  std::vector<QuarantinedRow> rows;
  ASSERT_TRUE(store_->ListQuarantine(&rows, &error));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].source, path);
  EXPECT_EQ(rows[0].line, 3);
  EXPECT_EQ(rows[0].raw, "2024-03-31T00:00:01Z,d,s,abc");
  EXPECT_EQ(rows[0].sha256, report.sha256);
  EXPECT_EQ(rows[1].line, 4);
  EXPECT_EQ(rows[1].reason, "1 fields, but the header has 4 columns; quote fields that contain commas");
}

TEST_F(IngestTest, ReingestIsANoOpAndOverlapIsDeduplicated) {
  const std::string a = Write("a.csv", "ts,device_id,sensor,value\n1711843200,d,s,1\n1711843201,d,s,2\n");
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(a, &report, &error)) << error;
  EXPECT_FALSE(report.already_ingested);
  ASSERT_TRUE(Ingest(a, &report, &error)) << error;
  EXPECT_TRUE(report.already_ingested);
  EXPECT_EQ(report.previous_ingest, "2024-06-01T00:00:00Z");
  // Another file overlapping the first.
  const std::string b = Write("b.csv", "ts,device_id,sensor,value\n1711843201,d,s,20\n1711843202,d,s,3\n");
  ASSERT_TRUE(Ingest(b, &report, &error)) << error;
  EXPECT_EQ(report.write.stored, 1);
  EXPECT_EQ(report.write.overlap, 1);
  EXPECT_EQ(report.write.overlap_conflicts, 1);
  EXPECT_EQ(Read("d", "s").values, (std::vector<double>{1, 2, 3}));
  std::optional<IngestRecord> record = store_->FindIngest(report.sha256, &error);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->accepted, 1);
  EXPECT_EQ(record->duplicates, 1);
}

TEST_F(IngestTest, WideFormSkipsEmptyCellsAndRefusesWholeRows) {
  const std::string path = Write("w.csv",
                                 "timestamp,device,temp,vibration,Pressure\n"
                                 "1711843200000,d1,21.5,0.003,1013.2\n"
                                 "1711843201000,d1,21.6,,NA\n"
                                 "1711843201000,d2,nan,inf,-inf\n");
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(path, &report, &error)) << error;
  EXPECT_EQ(report.layout, Layout::kWide);
  EXPECT_EQ(report.time_format, TimeFormat::kEpochMillis);
  EXPECT_EQ(report.samples, 7);
  EXPECT_EQ(report.streams, 6);
  EXPECT_EQ(Read("d1", "temp").values, (std::vector<double>{21.5, 21.6}));
  EXPECT_EQ(Read("d1", "Pressure").size(), 1u);
  EXPECT_TRUE(std::isnan(Read("d2", "temp").values[0]));
  EXPECT_EQ(Read("d2", "vibration").values[0], INFINITY);
  EXPECT_EQ(Read("d2", "Pressure").values[0], -INFINITY);
  // A bad cell refuses the whole row in quarantine mode: none of its samples is stored.
  const std::string bad = Write("wb.csv", "ts,device_id,a,b\n1711843300,d3,1,x\n");
  IngestOptions options;
  options.quarantine = true;
  ASSERT_TRUE(Ingest(bad, &report, &error, options)) << error;
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(Read("d3", "a").size(), 0u);
}

TEST_F(IngestTest, JsonLinesLongAndWide) {
  const std::string long_path = Write("l.jsonl",
                                      "{\"ts\": \"2024-03-31T00:00:00Z\", \"device_id\": \"d\", \"sensor\": \"s\", "
                                      "\"value\": 1.25}\n"
                                      "\n"
                                      "{\"ts\": \"2024-03-31T00:00:01Z\", \"device_id\": \"d\", \"sensor\": \"s\", "
                                      "\"value\": null}\n");
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(long_path, &report, &error)) << error;
  EXPECT_TRUE(report.json_lines);
  EXPECT_EQ(report.layout, Layout::kLong);
  Series s = Read("d", "s");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.values[0], 1.25);
  EXPECT_TRUE(std::isnan(s.values[1]));
  const std::string wide_path = Write("w.jsonl",
                                      "{\"time\": 1711843200, \"device\": \"e\", \"temp\": 20, \"hum\": \"45.5\"}\n"
                                      "{\"time\": 1711843201, \"device\": \"e\", \"temp\": 21}\n"
                                      "[1, 2]\n");
  EXPECT_FALSE(Ingest(wide_path, &report, &error));
  EXPECT_EQ(error, wide_path + ":3: not a JSON object; each line holds one JSON object");
  IngestOptions options;
  options.quarantine = true;
  ASSERT_TRUE(Ingest(wide_path, &report, &error, options)) << error;
  EXPECT_EQ(report.layout, Layout::kWide);
  EXPECT_EQ(Read("e", "temp").values, (std::vector<double>{20, 21}));
  EXPECT_EQ(Read("e", "hum").values, (std::vector<double>{45.5}));
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(IngestTest, GzipInputIncludingConcatenatedMembersAndTruncation) {
  std::string csv = "ts,device_id,sensor,value\n";
  for (int i = 0; i < 50'000; ++i) csv += fmt::format("{},d,s,{}.{}\n", 1711843200 + i, i % 100, i % 10);
  const size_t half = csv.find('\n', csv.size() / 2) + 1;
  const std::string path = Write("t.csv.gz", Gzip(csv.substr(0, half)) + Gzip(csv.substr(half)));
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(path, &report, &error)) << error;
  EXPECT_TRUE(report.gzip);
  EXPECT_EQ(report.write.stored, 50'000);
  const std::string whole = Gzip(csv);
  const std::string truncated = Write("cut.csv.gz", whole.substr(0, whole.size() / 2));
  EXPECT_FALSE(Ingest(truncated, &report, &error));
  EXPECT_EQ(error, truncated + ": the gzip data ends early (truncated file?); check it with 'gzip -t'");
}

TEST_F(IngestTest, StandardInput) {
  const std::string csv = "ts,device_id,sensor,value\n1711843200,d,s,1\n1711843201,d,s,2\n";
  auto from_stdin = [&](IngestReport* report, std::string* error) {
    const std::string path = Write("stdin.csv", csv);
    FILE* saved = fdopen(dup(0), "r");
    EXPECT_NE(freopen(path.c_str(), "r", stdin), nullptr);
    const bool ok = Ingest("-", report, error);
    dup2(fileno(saved), 0);
    fclose(saved);
    return ok;
  };
  IngestReport report;
  std::string error;
  ASSERT_TRUE(from_stdin(&report, &error)) << error;
  EXPECT_EQ(report.write.stored, 2);
  EXPECT_EQ(report.sha256.size(), 64u);
  // The same bytes again: recognised after reading, nothing changes.
  ASSERT_TRUE(from_stdin(&report, &error)) << error;
  EXPECT_TRUE(report.already_ingested);
  EXPECT_EQ(StoredSamples(), 2);
}

TEST_F(IngestTest, LargeInputsAreWrittenInBatchesWithTheSameSemantics) {
  std::string csv = "ts,device_id,sensor,value\n";
  for (int i = 0; i < 10'000; ++i) csv += fmt::format("{},d,s,{}\n", 1711843200 + i, i);
  csv += "1711843200,d,s,99\n";        // a duplicate of the first sample, in a later batch
  csv += "1711853200,d,s,10000\n";
  csv += "1711843500,d,s,500.5\n";     // out of order (and a duplicate)
  IngestOptions options;
  options.batch_samples = 1000;
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(Write("big.csv", csv), &report, &error, options)) << error;
  EXPECT_EQ(report.write.stored, 10'001);
  EXPECT_EQ(report.write.duplicates, 2);
  EXPECT_EQ(report.write.overlap, 0);
  Series s = Read("d", "s");
  ASSERT_EQ(s.size(), 10'001u);
  EXPECT_EQ(s.values[0], 0);
  EXPECT_EQ(s.duplicates[0], 1u);
  EXPECT_EQ(s.values[300], 300);
  EXPECT_EQ(s.flags[300], kHadDuplicates);
}

// Real data: a slice of NASA's C-MAPSS turbofan set (tests/data/cmapss/README.md).
TEST_F(IngestTest, CmapssTurbofanSlice) {
  std::ifstream in(std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/cmapss/train_FD001_units1-3.txt");
  ASSERT_TRUE(in) << "missing tests/data/cmapss";
  std::string csv = "ts,device_id,setting1,setting2,setting3";
  for (int i = 1; i <= 21; ++i) csv += fmt::format(",s{}", i);
  csv += "\n";
  std::string line;
  int rows = 0;
  std::vector<int> cycles_of(4, 0);
  std::vector<std::string> s4_unit1;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int unit = 0, cycle = 0;
    fields >> unit >> cycle;
    // One cycle is one second after 2024-01-01T00:00:00Z.
    csv += fmt::format("2024-01-01T{:02}:{:02}:{:02}Z,engine-{}", cycle / 3600, cycle / 60 % 60, cycle % 60, unit);
    std::string value;
    int column = 0;
    while (fields >> value) {
      csv += "," + value;
      if (unit == 1 && column == 6) s4_unit1.push_back(value);  // s4
      ++column;
    }
    csv += "\n";
    cycles_of[static_cast<size_t>(unit)] = std::max(cycles_of[static_cast<size_t>(unit)], cycle);
    ++rows;
  }
  ASSERT_EQ(rows, 658);
  IngestReport report;
  std::string error;
  ASSERT_TRUE(Ingest(Write("cmapss.csv", csv), &report, &error)) << error;
  EXPECT_EQ(report.layout, Layout::kWide);
  EXPECT_EQ(report.rows, 658);
  EXPECT_EQ(report.write.stored, 658 * 24);
  EXPECT_EQ(report.streams, 3 * 24);
  std::vector<StreamInfo> streams;
  ASSERT_TRUE(store_->ListDeviceStreams("engine-1", &streams, &error));
  ASSERT_EQ(streams.size(), 24u);
  Series s4 = Read("engine-1", "s4");
  ASSERT_EQ(s4.size(), static_cast<size_t>(cycles_of[1]));
  ASSERT_EQ(s4.size(), s4_unit1.size());
  for (size_t i = 0; i < s4.size(); ++i) ASSERT_EQ(s4.values[i], std::stod(s4_unit1[i])) << i;
  EXPECT_EQ(s4.timestamps_us[1] - s4.timestamps_us[0], 1'000'000);
  // Constant channels (s1 is 518.67 throughout FD001) compress to almost nothing.
  TelemetryStore::Totals totals;
  ASSERT_TRUE(store_->ReadTotals(&totals, &error));
  EXPECT_LT(static_cast<double>(totals.block_bytes) / static_cast<double>(totals.samples), 2.0);
}

}  // namespace
}  // namespace stagegate::contracts
