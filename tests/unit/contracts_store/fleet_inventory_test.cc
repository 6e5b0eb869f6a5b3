// The YAML inventory reads the same through libyaml's fast path and through
// yaml-cpp (which takes text the fast path leaves, here because of a tab):
// the same devices, and errors naming the same lines.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/fleet.h"
#include "tests/support/scratch_dir.h"

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInventory =
    "# plant A\n"
    "- id: dev-1\n"
    "  site: plant-a\n"
    "  labels: {line: l1}\n"
    "- [not, a, record]\n"
    "---\n"
    "kind: device\n"
    "id: dev-2\n"
    "firmware: {version: \"2.4.1\", signed: true}\n"
    "---\n"
    "kind: zone\n"
    "id: z-1\n";

struct Loaded {
  std::vector<std::string> errors;
  std::string dev1_site, dev2_version;
  bool loaded = false;
};

class FleetInventoryTest : public testing::Test {
 protected:
  Loaded Load(const std::string& text) {
    const fs::path path = dir_ / "devices.yaml";
    std::ofstream(path, std::ios::binary) << text;
    FleetOptions options;
    options.inventory_path = path.string();
    subjects::SubjectSet subjects;
    Loaded loaded;
    loaded.loaded = Fleet::Load(options, ContractSet(), &subjects, &loaded.errors) != nullptr;
    for (std::string& error : loaded.errors) error = error.substr(error.rfind('/') + 1);
    if (const subjects::Subject* dev1 = subjects.Find(facts::SubjectKind::kDevice, "dev-1")) {
      loaded.dev1_site = dev1->document.value("site", "");
    }
    if (const subjects::Subject* dev2 = subjects.Find(facts::SubjectKind::kDevice, "dev-2")) {
      loaded.dev2_version = dev2->document["firmware"].value("version", "");
    }
    return loaded;
  }

  test_support::ScratchDir scratch_{"sg_inventory"};
  const fs::path& dir_ = scratch_.path();
};

TEST_F(FleetInventoryTest, FastPathAndYamlCppGiveTheSameDevicesAndErrorLines) {
  const Loaded fast = Load(kInventory);
  const Loaded slow = Load(std::string(kInventory) + "note: \"a\ttab\"\n");  // a tab: read by yaml-cpp
  EXPECT_EQ(fast.errors, (std::vector<std::string>{
                             "devices.yaml:5: an inventory record must be a map with at least 'id'",
                             "devices.yaml:11: an inventory record describes a device ('kind: device' or no kind)"}));
  EXPECT_EQ(slow.errors, fast.errors);
  EXPECT_FALSE(fast.loaded);
}

TEST_F(FleetInventoryTest, ValidInventoryLoadsTheSameEitherWay) {
  const std::string valid = "- id: dev-1\n  site: plant-a\n---\nid: dev-2\nfirmware: {version: \"2.4.1\"}\n";
  const Loaded fast = Load(valid);
  const Loaded slow = Load(valid + "# a\ttab\n");
  ASSERT_TRUE(fast.loaded) << testing::PrintToString(fast.errors);
  ASSERT_TRUE(slow.loaded) << testing::PrintToString(slow.errors);
  EXPECT_EQ(fast.dev1_site, "plant-a");
  EXPECT_EQ(fast.dev2_version, "2.4.1");
  EXPECT_EQ(slow.dev1_site, fast.dev1_site);
  EXPECT_EQ(slow.dev2_version, fast.dev2_version);
}

}  // namespace
}  // namespace stagegate::contracts
