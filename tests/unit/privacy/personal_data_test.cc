#include "evaluators/privacy/personal_data.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stagegate::privacy {
namespace {

std::vector<std::string> Detectors(const std::vector<PersonalDataMatch>& matches) {
  std::vector<std::string> out;
  for (const PersonalDataMatch& match : matches) out.push_back(match.detector);
  return out;
}

TEST(LuhnTest, AcceptsValidAndRejectsInvalidCheckDigits) {
  EXPECT_TRUE(LuhnValid("490154203237518"));   // the IMEI example of the GSMA
  EXPECT_FALSE(LuhnValid("490154203237517"));  // last digit changed
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("7992739871x"));
  EXPECT_FALSE(LuhnValid("0"));
}

TEST(FieldNameTest, RecognisesPersonalFieldNamesInEveryCase) {
  EXPECT_THAT(Detectors(ClassifyFieldName("driver_email")), ::testing::Contains("name:email"));
  EXPECT_THAT(Detectors(ClassifyFieldName("driverEmail")), ::testing::Contains("name:email"));
  EXPECT_THAT(Detectors(ClassifyFieldName("E-Mail")), ::testing::Contains("name:email"));
  EXPECT_THAT(Detectors(ClassifyFieldName("msisdn")), ::testing::ElementsAre("name:phone"));
  EXPECT_THAT(Detectors(ClassifyFieldName("modem_imei")), ::testing::ElementsAre("name:imei"));
  EXPECT_THAT(Detectors(ClassifyFieldName("imsi")), ::testing::ElementsAre("name:imei"));
  EXPECT_THAT(Detectors(ClassifyFieldName("mac_address")), ::testing::ElementsAre("name:mac"));
  EXPECT_THAT(Detectors(ClassifyFieldName("gps_lat")), ::testing::ElementsAre("name:location"));
  EXPECT_THAT(Detectors(ClassifyFieldName("longitude")), ::testing::ElementsAre("name:location"));
  EXPECT_THAT(Detectors(ClassifyFieldName("license_plate")), ::testing::ElementsAre("name:licence_plate"));
  EXPECT_THAT(Detectors(ClassifyFieldName("vin")), ::testing::ElementsAre("name:vin"));
  EXPECT_THAT(Detectors(ClassifyFieldName("first_name")), ::testing::ElementsAre("name:person_name"));
  EXPECT_THAT(Detectors(ClassifyFieldName("driver_id")), ::testing::ElementsAre("name:person"));
  EXPECT_THAT(Detectors(ClassifyFieldName("username")), ::testing::ElementsAre("name:user"));
  EXPECT_THAT(Detectors(ClassifyFieldName("client_ip")), ::testing::ElementsAre("name:ip_address"));
  EXPECT_THAT(Detectors(ClassifyFieldName("wearable_serial")), ::testing::ElementsAre("name:personal_device_serial"));
}

TEST(FieldNameTest, LeavesSensorFieldsAlone) {
  for (const char* field : {"temperature", "vibration_rms", "sensor_name", "machine_serial", "oil_pressure",
                            "emailed_at_count", "template", "latency_ms", "plateau", "mailbox_count"}) {
    EXPECT_THAT(ClassifyFieldName(field), ::testing::IsEmpty()) << field;
  }
}

TEST(FieldNameTest, EvidenceNamesTheFieldAndThePattern) {
  const std::vector<PersonalDataMatch> matches = ClassifyFieldName("contactEmail");
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].field, "contactEmail");
  EXPECT_EQ(matches[0].category, "contact");
  EXPECT_EQ(matches[0].evidence, "field 'contactEmail': its name looks like an e-mail address (pattern name:email)");
  // A name may say more than one thing: the driver's e-mail is both.
  EXPECT_THAT(Detectors(ClassifyFieldName("driverEmail")), ::testing::ElementsAre("name:email", "name:person"));
}

struct ValueCase {
  const char* value;
  const char* detector;  // "" when nothing may match
};

class ValueDetectorTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ValueDetectorTest, MatchesExactlyTheExpectedDetector) {
  const ValueCase& c = GetParam();
  const std::vector<std::string> detectors = Detectors(ClassifyValue("reading", c.value));
  if (std::string(c.detector).empty()) {
    EXPECT_THAT(detectors, ::testing::IsEmpty()) << c.value;
  } else {
    EXPECT_THAT(detectors, ::testing::ElementsAre(c.detector)) << c.value;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Samples, ValueDetectorTest,
    ::testing::Values(ValueCase{"anna.mueller@example.org", "value:email"}, ValueCase{"anna.mueller@", ""},
                      ValueCase{"00:1A:2b:3C:4d:5E", "value:mac"}, ValueCase{"00-1A-2B-3C-4D-5E", "value:mac"},
                      ValueCase{"001a.2b3c.4d5e", "value:mac"}, ValueCase{"00:1A:2B:3C:4D", ""},
                      ValueCase{"490154203237518", "value:imei"}, ValueCase{"49-015420-323751-8", "value:imei"},
                      ValueCase{"490154203237517", ""},  // Luhn check fails
                      ValueCase{"48.137154, 11.576124", "value:gps"}, ValueCase{"(52.5200;13.4050)", "value:gps"},
                      ValueCase{"95.123456, 11.576124", ""},  // latitude out of range
                      ValueCase{"1.5, 2.5", ""},              // too few decimals to be a position
                      ValueCase{"+49 170 1234567", "value:phone"}, ValueCase{"M-AB 1234", "value:licence_plate"},
                      ValueCase{"AB-123-CD", "value:licence_plate"}, ValueCase{"AB 123 CD", "value:licence_plate"},
                      ValueCase{"1234 BCD", "value:licence_plate"}, ValueCase{"12-ABC-3", "value:licence_plate"},
                      ValueCase{"AB12 CDE", "value:licence_plate"}, ValueCase{"WVWZZZ1JZXW000001", "value:vin"},
                      ValueCase{"ABCDEFGHJKLMNPRST", ""},  // no digit: not a VIN
                      ValueCase{"192.168.10.7", "value:ipv4"}, ValueCase{"256.1.1.1", ""},
                      ValueCase{"2001:db8::8a2e:370:7334", "value:ipv6"}, ValueCase{"fe80::1", "value:ipv6"},
                      ValueCase{"12:30:45", ""},  // a time, not an address
                      ValueCase{"Anna Müller", "value:person_name"}, ValueCase{"Jean-Luc Picard", "value:person_name"},
                      ValueCase{"Seán O'Brien", "value:person_name"}, ValueCase{"Main Street", ""},
                      ValueCase{"Pressure Sensor", ""}, ValueCase{"anna müller", ""}, ValueCase{"42.7", ""},
                      ValueCase{"", ""}));

TEST(ValueDetectorTest, EvidenceNamesTheValueAndThePattern) {
  const std::vector<PersonalDataMatch> matches = ClassifyValue("modem", "490154203237518");
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].category, "device_identifier");
  EXPECT_EQ(matches[0].evidence,
            "field 'modem': the value '490154203237518' looks like an IMEI (Luhn check digit valid) (pattern "
            "value:imei)");
}

TEST(ValueDetectorTest, IgnoresOverlongValues) {
  EXPECT_THAT(ClassifyValue("note", std::string(kMaxSampleLength + 1, 'a')), ::testing::IsEmpty());
}

TEST(ClassifyFieldTest, CombinesNameAndValuesWithOneMatchPerDetector) {
  const std::vector<std::string> values = {"a@example.org", "b@example.org", "7"};
  EXPECT_THAT(Detectors(ClassifyField("contact", values)), ::testing::ElementsAre("value:email"));
  EXPECT_THAT(Detectors(ClassifyField("owner_email", values)), ::testing::ElementsAre("name:email", "name:person", "value:email"));
  EXPECT_THAT(ClassifyField("rpm", std::vector<std::string>{"1200", "1350"}), ::testing::IsEmpty());
}

}  // namespace
}  // namespace stagegate::privacy
