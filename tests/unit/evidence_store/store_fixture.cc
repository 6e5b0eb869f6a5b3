#include "tests/unit/evidence_store/store_fixture.h"

#include <stdexcept>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/common/uuid.h"

namespace stagegate::evidence::testing {

SigningKey NewKey() {
  std::string error;
  std::optional<SigningKey> key = SigningKey::Generate(&error);
  if (!key) throw std::runtime_error(error);
  return *key;
}

nlohmann::json MakeRecord(const std::string& tag, int outcomes) {
  nlohmann::json decision = {
      {"schemaVersion", "stagegate.decision/v1"},
      {"decision", "allow"},
      {"kind", "gate"},
      {"evaluated_at", "2025-06-01T00:00:00Z"},
      {"started_at", "2026-11-22T03:00:00Z"},
      {"finished_at", "2026-11-22T03:00:01Z"},
      {"engine_version", "0.1.0"},
      {"policy_source",
       {{"kind", "git"}, {"location", "/srv/policies"}, {"ref", "main"},
        {"commit", "4a2c3a00b9a90e9cbb3f8cd8a9035127b6269c0b"}, {"tree", "94479ed120d2b1c030fceb5c70d2cbcbf386378c"},
        {"in_git", true}, {"dirty", false}, {"path_in_repo", ""}}},
      {"inputs", {{{"path", "fleet/devices.yaml"},
                   {"sha256", "b59d39291f8908db534e0b0a4cc8e619157f0a555a7141b87833880d2582585b"},
                   {"documents", outcomes}}}},
      {"fail_on", "low"},
      {"deny_reasons", nlohmann::json::array()},
      {"rules", {{{"id", "hygiene/battery"}, {"policy", "hygiene"}, {"rule", "battery"}, {"severity", "high"},
                  {"enforcement", "warn"}, {"controls", {"iec62443-3-3:SR-7.6"}}}}},
      {"waivers", nlohmann::json::array()},
  };
  nlohmann::json list = nlohmann::json::array();
  int failing = 0;
  for (int i = 0; i < outcomes; ++i) {
    const bool fail = i % 10 == 3;
    failing += fail;
    nlohmann::json outcome = {{"rule", "hygiene/battery"},
                              {"subject", {{"kind", "device"}, {"id", fmt::format("d-{}", i)}}},
                              {"outcome", fail ? "fail" : "pass"}};
    if (fail) {
      outcome["message"] = fmt::format("battery at {}% in run {}", 10 + i, tag);
      outcome["evidence"] = {{"device.battery_pct", 10 + i}};
    }
    list.push_back(outcome);
  }
  decision["outcomes"] = list;
  decision["counts"] = {{"total", outcomes}, {"pass", outcomes - failing}, {"fail", failing}, {"not_evaluable", 0},
                        {"error", 0},        {"waived", 0},                {"not_applicable", 0}};
  RecordContext context;
  context.run_id = common::NewUuidV4();
  context.kind = "gate";
  context.parameters = {{"tag", tag}};
  return BuildRunRecord(std::move(decision), context);
}

std::unique_ptr<EvidenceStore> OpenStore(const std::string& path) {
  std::string error;
  std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, EvidenceStore::Mode::kReadWrite, &error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

}  // namespace stagegate::evidence::testing
