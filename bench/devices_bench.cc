// Certificate chain verification for a fleet: 100,000 device certificates
// issued by one intermediate (ECDSA P-256) under one root (RSA-2048), each
// leaf parsed once up front, all verified against one shared TrustStore (one
// X509_STORE) at a fixed evaluation time, on 1 and 2 threads. The store
// verifies the shared intermediate once (the first device's verification
// pays for it) and each leaf against it. Target: the whole fleet in at most
// 5 s on 2 threads.

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "evaluators/devices/x509_identity.h"
#include "tests/unit/devices/test_pki.h"

namespace stagegate::devices {
namespace {

constexpr int kDevices = 100000;

struct Fleet {
  std::shared_ptr<const TrustStore> store;
  std::vector<std::unique_ptr<const DeviceCertificate>> devices;
};

const Fleet& TheFleet() {
  static std::once_flag once;
  static Fleet* fleet = nullptr;
  std::call_once(once, [] {
    fleet = new Fleet();
    testing::Key root_key = testing::MakeRsa(2048);
    testing::Key intermediate_key = testing::MakeP256();
    testing::Key device_key = testing::MakeEd25519();  // one key: key generation is not what is measured
    testing::CertSpec root_spec{.common_name = "Bench Root", .serial = 1, .not_before = -365 * testing::kDay,
                                .not_after = 3650 * testing::kDay, .ca = true};
    testing::Cert root = testing::Issue(root_spec, root_key.get(), nullptr, nullptr);
    testing::CertSpec intermediate_spec{.common_name = "Bench Device CA", .serial = 2,
                                        .not_before = -365 * testing::kDay, .not_after = 1825 * testing::kDay,
                                        .ca = true};
    testing::Cert intermediate = testing::Issue(intermediate_spec, intermediate_key.get(), root.get(), root_key.get());
    fleet->store = TrustStore::Create({testing::Pem(root.get())}, {});
    std::string error;
    std::shared_ptr<const CertificateChain> chain = CertificateChain::Parse(testing::Pem(intermediate.get()), &error);
    fleet->devices.reserve(kDevices);
    for (int i = 0; i < kDevices; ++i) {
      const std::string id = "dev-" + std::to_string(i);
      testing::CertSpec spec{.common_name = id, .serial = 1000 + i, .san = {"DNS:" + id}};
      testing::Cert leaf = testing::Issue(spec, device_key.get(), intermediate.get(), intermediate_key.get());
      fleet->devices.push_back(DeviceCertificate::Parse(testing::Pem(leaf.get()), chain, &error));
    }
  });
  return *fleet;
}

// One benchmark thread starts `workers` threads that split the fleet, so the
// reported time is the wall time of verifying all 100,000 devices.
void BM_VerifyFleetChains(benchmark::State& state) {
  const Fleet& fleet = TheFleet();
  const int workers = static_cast<int>(state.range(0));
  std::atomic<int> invalid = 0;
  for (auto _ : state) {
    std::vector<std::jthread> threads;
    for (int worker = 0; worker < workers; ++worker) {
      threads.emplace_back([&fleet, &invalid, worker, workers] {
        for (int i = worker; i < kDevices; i += workers) {
          const ChainVerification verification =
              fleet.store->Verify(*fleet.devices[static_cast<size_t>(i)], testing::kNow);
          if (!verification.valid) invalid.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
  }
  if (invalid.load() != 0) state.SkipWithError("a device chain did not verify");
  state.counters["devices"] = kDevices;
}
BENCHMARK(BM_VerifyFleetChains)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stagegate::devices
