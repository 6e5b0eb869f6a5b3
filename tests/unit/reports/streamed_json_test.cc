// A document whose large array is written element by element has the bytes
// of the whole tree dumped at once.

#include "reports/streamed_json.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace stagegate::reports::internal {
namespace {

using Json = nlohmann::ordered_json;

std::string WholeDump(const Json& document) {
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::vector<Json> Elements() {
  return {Json{{"rule", "p/r"}, {"evidence", {{"nested", Json::array({1, Json::object(), Json::array()})}}}},
          Json("a string with \"quotes\", a\nnewline and invalid UTF-8: \xC3"),
          Json::array({Json::object({{"deep", Json::array({Json::array({2.5})})}})}),
          Json(nullptr)};
}

TEST(StreamedArrayTest, SameBytesAsTheWholeTreeAtAnyDepth) {
  const std::vector<Json> elements = Elements();
  Json whole = {{"before", "x"}, {"runs", Json::array({Json{{"results", elements}, {"after", {1, 2}}}})}};
  StreamedArray array;
  Json skeleton = {{"before", "x"},
                   {"runs", Json::array({Json{{"results", array.Slot(elements.size())}, {"after", {1, 2}}}})}};
  EXPECT_EQ(array.Dump(skeleton, [&](size_t i) { return elements[i]; }), WholeDump(whole));
}

TEST(StreamedArrayTest, AnEmptyArrayIsWrittenAsSuch) {
  StreamedArray array;
  Json skeleton = {{"outcomes", array.Slot(0)}, {"n", 0}};
  EXPECT_EQ(array.Dump(skeleton, [](size_t) { return Json(); }), WholeDump(Json{{"outcomes", Json::array()}, {"n", 0}}));
}

TEST(StreamedArrayTest, TextEqualToAnotherSlotsPlaceholderIsLeftAlone) {
  // Each array has its own random placeholder: one array's text in another
  // document is plain text there.
  StreamedArray first, second;
  const Json first_slot = first.Slot(1);
  Json skeleton = {{"note", first_slot[0]}, {"items", second.Slot(1)}};
  const std::string text = second.Dump(skeleton, [](size_t) { return Json(7); });
  EXPECT_EQ(text, WholeDump(Json{{"note", first_slot[0]}, {"items", Json::array({7})}}));
}

TEST(StreamedArrayTest, WrittenToAStreamWithTheSameBytes) {
  // Many elements, so that the stream receives several megabyte flushes.
  std::vector<Json> elements;
  for (int i = 0; i < 20000; ++i) {
    elements.push_back(Json{{"index", i}, {"text", std::string(static_cast<size_t>(i % 200), 'x') + "\xC3"}});
  }
  StreamedArray array;
  Json skeleton = {{"before", 1}, {"items", array.Slot(elements.size())}, {"after", "end"}};
  std::ostringstream written;
  array.DumpTo(written, skeleton, [&](size_t i) { return elements[i]; });
  EXPECT_GT(written.str().size(), size_t{2} << 20);
  EXPECT_EQ(written.str(), array.Dump(skeleton, [&](size_t i) { return elements[i]; }));
  EXPECT_EQ(written.str(), WholeDump(Json{{"before", 1}, {"items", elements}, {"after", "end"}}));
  StreamedArray empty;
  std::ostringstream none;
  empty.DumpTo(none, Json{{"items", empty.Slot(0)}}, [](size_t) { return Json(); });
  EXPECT_EQ(none.str(), WholeDump(Json{{"items", Json::array()}}));
}

TEST(ObjectWithRoomTest, MembersAddedWithinTheRoomLeaveEarlierValuesInPlace) {
  Json object = ObjectWithRoom(3);
  ASSERT_TRUE(object.is_object());
  EXPECT_TRUE(object.empty());
  object["items"] = Json::array({1, 2, 3});
  const Json* items = &object["items"];
  object["more"] = 1;
  object["last"] = "x";
  // Still the same value: the object did not grow, so nothing was copied.
  EXPECT_EQ(&object["items"], items);
  EXPECT_EQ(object.dump(), R"({"items":[1,2,3],"more":1,"last":"x"})");
}

}  // namespace
}  // namespace stagegate::reports::internal
