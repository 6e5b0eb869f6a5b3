#include <set>
#include <string>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

int64_t Count(const pugi::xml_node& node, const char* attribute) { return node.attribute(attribute).as_llong(-1); }

// Parses the report and checks what every JUnit reader relies on: counts that
// add up per suite and in total, and unique test case names.
void CheckConsistent(const std::string& xml, pugi::xml_document& doc) {
  const pugi::xml_parse_result parsed = doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_declaration);
  ASSERT_TRUE(parsed) << parsed.description() << " at offset " << parsed.offset;
  const pugi::xml_node root = doc.child("testsuites");
  ASSERT_TRUE(root);
  int64_t tests = 0, failures = 0, errors = 0, skipped = 0;
  std::set<std::string> names;
  for (const pugi::xml_node suite : root.children("testsuite")) {
    int64_t suite_tests = 0, suite_failures = 0, suite_errors = 0, suite_skipped = 0;
    for (const pugi::xml_node test : suite.children("testcase")) {
      ++suite_tests;
      suite_failures += test.child("failure") ? 1 : 0;
      suite_errors += test.child("error") ? 1 : 0;
      suite_skipped += test.child("skipped") ? 1 : 0;
      EXPECT_LE(!!test.child("failure") + !!test.child("error") + !!test.child("skipped"), 1);
      EXPECT_TRUE(names.insert(test.attribute("name").value()).second) << test.attribute("name").value();
    }
    EXPECT_EQ(Count(suite, "tests"), suite_tests) << suite.attribute("name").value();
    EXPECT_EQ(Count(suite, "failures"), suite_failures);
    EXPECT_EQ(Count(suite, "errors"), suite_errors);
    EXPECT_EQ(Count(suite, "skipped"), suite_skipped);
    tests += suite_tests, failures += suite_failures, errors += suite_errors, skipped += suite_skipped;
  }
  EXPECT_EQ(Count(root, "tests"), tests);
  EXPECT_EQ(Count(root, "failures"), failures);
  EXPECT_EQ(Count(root, "errors"), errors);
  EXPECT_EQ(Count(root, "skipped"), skipped);
}

TEST(JUnitReportTest, CountsAddUpAndNamesAreUnique) {
  const auto run = testing::FullRun();
  pugi::xml_document doc;
  CheckConsistent(RenderJUnit(run), doc);
  const pugi::xml_node root = doc.child("testsuites");
  EXPECT_EQ(Count(root, "tests"), run.counts.total());
  EXPECT_EQ(Count(root, "failures"), run.counts.fail);
  EXPECT_EQ(Count(root, "errors"), run.counts.error + run.counts.not_evaluable);
  EXPECT_EQ(Count(root, "skipped"), run.counts.waived + run.counts.not_applicable);
  std::vector<std::string> suites;
  for (const pugi::xml_node suite : root.children("testsuite")) suites.push_back(suite.attribute("name").value());
  EXPECT_EQ(suites, (std::vector<std::string>{"device-trust", "model-gates", "telemetry-contracts"}));
}

TEST(JUnitReportTest, OutcomesMapToFailureErrorAndSkipped) {
  pugi::xml_document doc;
  CheckConsistent(RenderJUnit(testing::FullRun()), doc);
  const pugi::xml_node suite = doc.child("testsuites").find_child_by_attribute("testsuite", "name", "device-trust");
  const pugi::xml_node failed =
      suite.find_child_by_attribute("testcase", "name", "device-trust/device.identity.cert-expiry [device/d-002]");
  ASSERT_TRUE(failed);
  EXPECT_STREQ(failed.attribute("classname").value(), "device-trust/device.identity.cert-expiry");
  EXPECT_STREQ(failed.child("failure").attribute("message").value(), "certificate of d-002 expires in 3 days (< 30)");
  const std::string body = failed.child("failure").text().get();
  EXPECT_NE(body.find("device.identity.cert.issuer = \"CN=Fleet CA \\\"\xC3\x9Cnicode\\\" & <co>\""), std::string::npos)
      << body;
  const pugi::xml_node missing =
      suite.find_child_by_attribute("testcase", "name", "device-trust/device.identity.cert-expiry [device/d-004]");
  EXPECT_STREQ(missing.child("error").attribute("type").value(), "not_evaluable");
  const pugi::xml_node waived =
      suite.find_child_by_attribute("testcase", "name", "device-trust/device.identity.cert-expiry [device/d-003]");
  EXPECT_EQ(std::string(waived.child("skipped").attribute("message").value()).rfind("waived by w-cert-d003", 0), 0u);
}

TEST(JUnitReportTest, EscapesMarkupAndReplacesForbiddenCharacters) {
  pugi::xml_document doc;
  CheckConsistent(RenderJUnit(testing::FullRun()), doc);
  const pugi::xml_node suite =
      doc.child("testsuites").find_child_by_attribute("testsuite", "name", "telemetry-contracts");
  const pugi::xml_node vib = suite.find_child_by_attribute(
      "testcase", "name", "telemetry-contracts/vibration-ceiling [stream/plant-a/press-7/vib]");
  EXPECT_STREQ(vib.child("failure").attribute("message").value(), "peak ]]> 71.2 mm/s <tag> &amp; 'quoted'");
  const pugi::xml_node temp = suite.find_child_by_attribute(
      "testcase", "name", "telemetry-contracts/data.stream.missingness [stream/plant-a/press-7/temp]");
  // The newline survives in the attribute; U+0001 (forbidden in XML 1.0) is U+FFFD.
  EXPECT_STREQ(temp.child("failure").attribute("message").value(),
               "missing 3.1% of expected samples\nwindow \xE6\xB8\xA9\xE5\xBA\xA6 sensor\xEF\xBF\xBD offline");
}

TEST(JUnitReportTest, ControlCharactersAndBadUtf8InEveryField) {
  auto run = testing::AllowRun();
  run.outcomes[0].subject_id = "s\x02-1";
  run.outcomes[1].outcome = eval::Outcome::kError;
  run.outcomes[1].message = std::string("nul \0 esc \x1B bad \xFF ffff \xEF\xBF\xBF end", 28);
  run.counts = testing::CountOutcomes(run);
  const std::string xml = RenderJUnit(run);
  EXPECT_EQ(xml.find('\x02'), std::string::npos);
  EXPECT_EQ(xml.find('\x1B'), std::string::npos);
  EXPECT_EQ(xml.find(std::string(1, '\0')), std::string::npos);
  EXPECT_EQ(xml.find("\xEF\xBF\xBF"), std::string::npos);
  pugi::xml_document doc;
  CheckConsistent(xml, doc);
}

TEST(JUnitReportTest, RepeatedPairsStillGetUniqueNames) {
  auto run = testing::AllowRun();
  run.outcomes.push_back(run.outcomes[0]);
  pugi::xml_document doc;
  CheckConsistent(RenderJUnit(run), doc);
}

TEST(JUnitReportTest, LargeRunAddsUp) {
  pugi::xml_document doc;
  CheckConsistent(RenderJUnit(testing::LargeRun(500)), doc);
  EXPECT_EQ(Count(doc.child("testsuites"), "failures"), 500);
}

}  // namespace
}  // namespace stagegate::reports
