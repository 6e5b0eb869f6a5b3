#pragma once
// The fleet as the contracts evaluator sees it: devices from an inventory
// file, one `stream` subject per stream of the telemetry store, each bound to
// the data contract that covers it, and the providers that compute the
// streams' quality and statistics facts (and the devices' roll-ups) lazily,
// only when a rule reads them.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/facts/fact_schema.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/stream_metrics.h"

namespace stagegate::contracts {

// Registers every fact this evaluator adds: the computed stream facts
// (quality.*, stats.*), the contract and lineage facts streams carry, and the
// device roll-ups (telemetry.*). The one place the contracts module registers
// facts.
void RegisterContractFacts(facts::FactSchema& schema);

// Parses --window: a duration before `now` ("24h", "7d", "90m", "3600s") or
// an explicit range "FROM/TO" of RFC 3339 times. Returns nullopt with `error`.
std::optional<Window> ParseWindow(std::string_view text, int64_t now_us, std::string* error);

struct FleetOptions {
  std::string store_path;      // the telemetry store (required for streams)
  std::string inventory_path;  // device inventory (JSON, YAML or CSV); may be empty
  Window window;
  int64_t now_us = 0;          // the evaluation time
};

// The result of loading the fleet: what the providers need.
class Fleet {
 public:
  Fleet() = default;
  // Not copyable: device_streams_ points into streams_.
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Adds the inventory's devices and the store's streams to `subjects` (then
  // finishes it again) and binds each stream to its contract. Errors name
  // the file (and line) and what to do.
  static std::shared_ptr<Fleet> Load(const FleetOptions& options, const ContractSet& contracts,
                                     subjects::SubjectSet* subjects, std::vector<std::string>* errors);

  // Registers the stream and device fact providers.
  void RegisterProviders(subjects::FactProviderRegistry* registry) const;

  // The metrics of a stream subject (computed once, then cached); thread-safe.
  // Null with `error` set when the store cannot be read.
  std::shared_ptr<const StreamMetrics> MetricsOf(const subjects::Subject& stream, std::string* error) const;
  // The stream subjects of a device.
  std::vector<const subjects::Subject*> StreamsOf(std::string_view device_id) const;
  // Every stream subject of the store, ordered by device then sensor.
  std::vector<const subjects::Subject*> Streams() const;
  // The device subject of a stream, or null when the inventory lacks it.
  const subjects::Subject* DeviceOf(const subjects::Subject& stream) const;
  // The stream's samples in the run's window, read through this thread's
  // read-only store connection. Thread-safe. Null with `error` when the store
  // cannot be read; a subject not from the store reads as empty. Each thread
  // keeps the last series it read: the engine judges a stream's rules in turn
  // on one thread, so its metrics, drift and online detectors decode it once.
  std::shared_ptr<const Series> SeriesOf(const subjects::Subject& stream, std::string* error) const;
  // What the stream's contract expects of it (sentinels, range); defaults
  // when no contract covers it, null for a subject not from the store.
  const StreamExpectations* ExpectationsOf(const subjects::Subject& stream) const;
  const FleetOptions& options() const { return options_; }

  // The `contract` and `lineage` facts of the streams bound to one contract
  // (or to none). The streams share them, served by a provider, rather than
  // carry copies in their documents: a fleet has a million streams and a few
  // contracts.
  struct ContractFacts {
    nlohmann::json contract;  // id, name, version, status, owner; only `id: ""` when no contract covers the stream
    nlohmann::json lineage;   // upstream, owner, version; empty when no contract covers the stream
  };
  // The contract and lineage facts of a stream subject; null for a subject
  // not from the store.
  const ContractFacts* ContractFactsOf(const subjects::Subject& stream) const;

  struct BoundStream {
    int64_t stream_id = 0;
    // Shared by the streams of one sensor under one contract (a fleet has a
    // million streams and a few dozen distinct expectations).
    std::shared_ptr<const StreamExpectations> expectations;
    std::shared_ptr<const ContractFacts> contract;
    size_t metrics_slot = 0;  // the stream's entry in the metrics cache
  };

 private:
  // SeriesOf for the store's stream id (its binding already found).
  std::shared_ptr<const Series> ReadSeries(int64_t stream_id, std::string* error) const;

  FleetOptions options_;
  std::map<std::string, BoundStream, std::less<>> streams_;  // by stream subject id
  // device id → its streams' subject ids (the keys of streams_, whose nodes never move)
  std::map<std::string, std::vector<const std::string*>, std::less<>> device_streams_;
  const subjects::SubjectSet* subjects_ = nullptr;
  uint64_t serial_ = 0;  // tells this fleet's series and read connection apart in the per-thread slots
  struct Cache;
  std::shared_ptr<Cache> cache_;
};

}  // namespace stagegate::contracts
