// Cost of the evidence log's primitives: leaf and node hashing, Ed25519
// signing and verification of a checkpoint, and an inclusion proof built and
// verified on a tree of a million leaves (what `evidence verify` does per run).
// Run: build/release/bench/evidence_bench

#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/evidence/merkle.h"
#include "engine/evidence/signing.h"

namespace stagegate::evidence {
namespace {

constexpr size_t kEntryBytes = 2048;
constexpr size_t kCheckpointBytes = 100;
constexpr uint64_t kTreeLeaves = 1'000'000;

void BM_LeafHash2KB(benchmark::State& state) {
  std::string entry(kEntryBytes, 'e');
  for (auto _ : state) benchmark::DoNotOptimize(LeafHash(entry));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kEntryBytes));
}
BENCHMARK(BM_LeafHash2KB);

void BM_NodeHash(benchmark::State& state) {
  Hash left = LeafHash("left");
  Hash right = LeafHash("right");
  for (auto _ : state) {
    left = NodeHash(left, right);
    benchmark::DoNotOptimize(left);
  }
}
BENCHMARK(BM_NodeHash);

SigningKey BenchKey() {
  static const SigningKey key = *SigningKey::Generate(nullptr);
  return key;
}

void BM_Ed25519SignCheckpoint(benchmark::State& state) {
  SigningKey key = BenchKey();
  std::string checkpoint(kCheckpointBytes, 'c');
  for (auto _ : state) benchmark::DoNotOptimize(key.Sign(checkpoint));
}
BENCHMARK(BM_Ed25519SignCheckpoint);

void BM_Ed25519VerifyCheckpoint(benchmark::State& state) {
  SigningKey key = BenchKey();
  PublicKey pub = key.Public();
  std::string checkpoint(kCheckpointBytes, 'c');
  std::string signature = key.Sign(checkpoint);
  for (auto _ : state) {
    bool ok = pub.Verify(checkpoint, signature);
    if (!ok) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Ed25519VerifyCheckpoint);

const MemoryTree& MillionLeafTree() {
  static const MemoryTree tree = [] {
    MemoryTree t;
    for (uint64_t i = 0; i < kTreeLeaves; ++i) t.Append(LeafHash("run " + std::to_string(i)));
    return t;
  }();
  return tree;
}

void BM_InclusionProofAndVerify1M(benchmark::State& state) {
  const MemoryTree& tree = MillionLeafTree();
  const Hash root = tree.Root();
  uint64_t index = 0;
  for (auto _ : state) {
    index = (index + 7919) % kTreeLeaves;  // a prime stride visits varied paths
    std::vector<Hash> proof = InclusionProof(tree, index, kTreeLeaves);
    bool ok = VerifyInclusion(index, kTreeLeaves, tree.Subtree(0, index), proof, root);
    if (!ok) state.SkipWithError("proof did not verify");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_InclusionProofAndVerify1M);

}  // namespace
}  // namespace stagegate::evidence
