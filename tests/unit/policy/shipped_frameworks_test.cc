// The shipped framework catalogs (policies/frameworks) and the controls the
// shipped templates (rules/<area>) name. A control reference must resolve in
// the rule's own bundle, so each area is loaded together with the catalogs,
// as a policy repository using the templates would be.
//
// This target links the policy module only, not the evaluators: the areas are
// loaded against the core schema with unknown facts as warnings (the facts of
// models, devices, privacy and drift type-check in the tests of those modules
// and in `stagegate check`). What matters here is that no error, and in
// particular no unresolved control (SG305, SG306), is reported.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"

namespace stagegate::policy {
namespace {

const std::filesystem::path kSourceDir = STAGEGATE_SOURCE_DIR;

// Appends the YAML files of `folder` (relative to the source tree) to `bundle`.
void AddFolder(const std::string& folder, bundle::Bundle* bundle) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir / folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      paths.push_back(folder + "/" + entry.path().filename().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    std::ifstream in(kSourceDir / path);
    std::stringstream content;
    content << in.rdbuf();
    bundle->files.push_back({path, content.str()});
  }
}

LoadResult Load(const std::vector<std::string>& folders) {
  bundle::Bundle bundle;
  bundle.source.kind = "directory";
  bundle.source.location = "<shipped>";
  for (const std::string& folder : folders) AddFolder(folder, &bundle);
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  LoadOptions options;
  options.undeclared_facts_are_warnings = true;
  return LoadPolicies(bundle, schema, options);
}

// The areas under rules/, found on disk so that a new area is covered too.
std::vector<std::string> RuleAreas() {
  std::vector<std::string> areas;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir / "rules")) {
    if (entry.is_directory()) areas.push_back(entry.path().filename().string());
  }
  std::sort(areas.begin(), areas.end());
  return areas;
}

const Framework* Find(const LoadedBundle& bundle, const std::string& id) {
  for (const Framework& framework : bundle.frameworks) {
    if (framework.id == id) return &framework;
  }
  return nullptr;
}

TEST(ShippedFrameworksTest, CatalogsLoadAloneWithoutADiagnostic) {
  const LoadResult loaded = Load({"policies/frameworks"});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_TRUE(loaded.diagnostics.empty()) << FormatDiagnostics(loaded.diagnostics);
  std::set<std::string> ids;
  for (const Framework& framework : loaded.bundle->frameworks) {
    ids.insert(framework.id);
    EXPECT_FALSE(framework.controls.empty()) << framework.id;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"gdpr", "iec62443-3-3", "iec62443-4-2", "nist-ai-rmf"}));
}

// Every IEC 62443 requirement belongs to the foundational requirement its
// number names (SR-3.4-RE-1 and CR-3.4 and EDR-3.14 to FR3) and applies from a
// security level of 1 to 4, which the zone assessment relies on.
TEST(ShippedFrameworksTest, Iec62443ControlsHaveTheirFamilyAndALevel) {
  const LoadResult loaded = Load({"policies/frameworks"});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const std::regex pattern_3_3(R"(SR-([1-7])\.[0-9]+(-RE-[0-9]+)?)");
  const std::regex pattern_4_2(R"((CR|EDR)-([1-7])\.[0-9]+)");
  const std::set<std::string> families = {"FR1", "FR2", "FR3", "FR4", "FR5", "FR6", "FR7"};
  for (const auto& [id, pattern, group] :
       {std::tuple{"iec62443-3-3", pattern_3_3, 1}, std::tuple{"iec62443-4-2", pattern_4_2, 2}}) {
    const Framework* framework = Find(*loaded.bundle, id);
    ASSERT_NE(framework, nullptr) << id;
    for (const Control& control : framework->controls) {
      std::smatch match;
      ASSERT_TRUE(std::regex_match(control.id, match, pattern)) << id << ": " << control.id;
      EXPECT_TRUE(families.contains(control.family))
          << id << ": " << control.id << " has family '" << control.family << "'";
      EXPECT_EQ(control.family, "FR" + match[group].str()) << id << ": " << control.id;
      EXPECT_GE(control.level, 1) << id << ": " << control.id;
      EXPECT_LE(control.level, 4) << id << ": " << control.id;
      EXPECT_FALSE(control.title.empty()) << id << ": " << control.id;
    }
  }
}

// An enhancement never applies below the level of the requirement it enhances.
TEST(ShippedFrameworksTest, Iec62443EnhancementsApplyNoLowerThanTheirRequirement) {
  const LoadResult loaded = Load({"policies/frameworks"});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const Framework* framework = Find(*loaded.bundle, "iec62443-3-3");
  ASSERT_NE(framework, nullptr);
  std::map<std::string, int> levels;
  for (const Control& control : framework->controls) levels[control.id] = control.level;
  for (const Control& control : framework->controls) {
    const size_t re = control.id.find("-RE-");
    if (re == std::string::npos) continue;
    const auto base = levels.find(control.id.substr(0, re));
    ASSERT_NE(base, levels.end()) << control.id << " enhances a requirement the catalog lacks";
    EXPECT_GE(control.level, base->second) << control.id;
  }
}

TEST(ShippedFrameworksTest, EveryRuleAreaLoadsWithTheCatalogs) {
  const std::vector<std::string> areas = RuleAreas();
  EXPECT_GE(areas.size(), 4u);
  for (const std::string& area : areas) {
    const LoadResult loaded = Load({"rules/" + area, "policies/frameworks"});
    ASSERT_TRUE(loaded.ok()) << area << ":\n" << FormatDiagnostics(loaded.diagnostics);
    for (const PolicyDiagnostic& diagnostic : loaded.diagnostics) {
      EXPECT_TRUE(diagnostic.warning) << area << ": " << FormatDiagnostics({diagnostic});
      EXPECT_NE(diagnostic.code, "SG305") << area << ": " << FormatDiagnostics({diagnostic});
      EXPECT_NE(diagnostic.code, "SG306") << area << ": " << FormatDiagnostics({diagnostic});
    }
  }
}

// Independently of the loader: each control a shipped template names is a
// control of the catalog it names, and the templates of the model, privacy and
// device areas all name some.
TEST(ShippedFrameworksTest, EveryControlOfAShippedTemplateExists) {
  const LoadResult catalogs = Load({"policies/frameworks"});
  ASSERT_TRUE(catalogs.ok()) << FormatDiagnostics(catalogs.diagnostics);
  std::set<std::string> known;
  for (const Framework& framework : catalogs.bundle->frameworks) {
    for (const Control& control : framework.controls) known.insert(framework.id + ":" + control.id);
  }
  for (const std::string& area : RuleAreas()) {
    const LoadResult loaded = Load({"rules/" + area, "policies/frameworks"});
    ASSERT_TRUE(loaded.ok()) << area << ":\n" << FormatDiagnostics(loaded.diagnostics);
    for (const auto& rule : loaded.bundle->templates) {
      if (rule->inline_rule) continue;
      for (const std::string& control : rule->controls) {
        EXPECT_TRUE(known.contains(control)) << area << ": " << rule->id << " names " << control;
      }
      if (area == "devices" || area == "models" || area == "privacy") {
        EXPECT_FALSE(rule->controls.empty()) << area << ": " << rule->id << " names no control";
      }
    }
  }
}

}  // namespace
}  // namespace stagegate::policy
