// FastYamlDocumentsToJson gives what the yaml-cpp path gives, or leaves the
// text to it. The differential fuzz target (tests/fuzz/yaml_fuzz.cc) checks
// the same on generated text.

#include "engine/cel/bindings/yaml_json_documents.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/cel/bindings/yaml_reference.h"

namespace stagegate::cel {
namespace {

using nlohmann::json;
using testing::FastPathDifference;

// Text an inventory is made of: the fast path must take it.
const std::vector<std::string> kEveryday = {
    "",
    "---\n",
    "a: 1\n",
    "id: dev-0001\nsite: plant-a\nzone: cell-1\nfirmware: {version: 2.4.1, signed: true}\nsensors: [temp, vib]\n",
    "- id: d1\n  class: gateway\n- id: d2\n  class: sensor\n",
    "---\nid: a\n---\nid: b\n...\n---\n- x\n- y\n",
    "quoted: \"1.5\"\nsingle: 'yes'\nplain: 1.5\nhex: 0x1F\noctal: 0o17\nneg: -3\nbig: 18446744073709551615\n",
    "t: true\nf: False\nn: ~\nempty:\ninf: .inf\nnan: .NaN\nminf: -.Inf\nexp: 1e3\nver: 1.2.3\n",
    "block: |\n  line 1\n  line 2\nfolded: >\n  a\n  b\nstrip: |-\n  x\n\nnext: 1\n",
    "\"quoted key\": 1\n'other': 2\n1: one\ntrue: yes\n",
    "nested:\n  deeper:\n    - [1, 2, {a: b}]\n    - {}\n    - []\n",
    "dup: 1\ndup: 2\n",
    "int: !!int 12\nstr: !!str 12\nbang: ! 12\n",
    "# comment\nkey: value # trailing\nurl: http://example.org/a?b=c#d\n",
    "unicode: \"ünit 🔥\"\nraw: ünit\n",
    "- null\n- ~\n- x\n",
};

// Text only the yaml-cpp path settles; the fast path must leave it.
const std::vector<std::string> kLeftToYamlCpp = {
    "a: &x 1\nb: *x\n",
    "%YAML 1.2\n---\na: 1\n",
    "? [a, b]\n: c\n",
    "~: null key\n",
    "!!str k: v\n",
    "a: !custom x\n",
    "a: !!map {b: c}\n",
    "a: [1, 2\n",
    "a: [b: c]\n",
    "a: b: c\n",
    "a:\n\t- tab\n",
    "\xff\xfe bad utf-8: x\n",
    "- \n- x\n",                                 // an empty item: yaml-cpp places it elsewhere
    "k: -\n",                                     // libyaml takes "-" for a list entry
    "multi: this is\n  one plain\n  scalar\n",  // folded over lines: edge cases differ
    "escaped: \"\\_\"\n",                        // yaml-cpp decodes it to a lone byte
    "keep: |+\n  x\n\n",                         // blank lines kept at the end: yaml-cpp keeps fewer
    "last: >+\n  x\n ",                          // a block scalar at the end of the text
    "a: 1\r\nb: 2\r",                            // a carriage return alone
    "\xEF\xBB\xBF...\n",                          // a byte order mark
};

TEST(FastYamlDocuments, EverydayTextTakesTheFastPathWithTheSameValues) {
  for (const std::string& text : kEveryday) {
    EXPECT_TRUE(FastYamlDocumentsToJson(text).has_value()) << text;
    EXPECT_EQ(FastPathDifference(text), "") << text;
  }
}

TEST(FastYamlDocuments, WhatOnlyYamlCppSettlesIsLeftToIt) {
  for (const std::string& text : kLeftToYamlCpp) {
    EXPECT_FALSE(FastYamlDocumentsToJson(text).has_value()) << text;
  }
}

TEST(FastYamlDocuments, LinesOfDocumentsAndListItems) {
  const auto documents = FastYamlDocumentsToJson("# fleet\n- id: a\n  x: 1\n- id: b\n---\n\nid: c\n");
  ASSERT_TRUE(documents.has_value());
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_EQ((*documents)[0].item_lines, (std::vector<int>{2, 4}));
  EXPECT_EQ((*documents)[1].line, 7);
  EXPECT_EQ((*documents)[1].value, json({{"id", "c"}}));
}

TEST(FastYamlDocuments, ScalarsResolveAsTheCoreSchema) {
  const auto documents = FastYamlDocumentsToJson("a: 1\nb: '1'\nc: 1.5\nd: true\ne: ~\nf: !!int '7'\n");
  ASSERT_TRUE(documents.has_value());
  EXPECT_EQ((*documents)[0].value, json::parse(R"({"a": 1, "b": "1", "c": 1.5, "d": true, "e": null, "f": 7})"));
}

TEST(FastYamlDocuments, DeepOrLargeDocumentsAreLeftToTheBudgetedPath) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  EXPECT_FALSE(FastYamlDocumentsToJson(deep).has_value());
  std::string wide = "[";
  for (int i = 0; i < 600'000; ++i) wide += "1,";
  wide += "1]";
  EXPECT_FALSE(FastYamlDocumentsToJson(wide).has_value());
}

}  // namespace
}  // namespace stagegate::cel
