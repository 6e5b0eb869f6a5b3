// Fuzzes what the evidence commands read from files an auditor is handed:
// checkpoint notes, canonical records, proofs (indices, sizes and hashes),
// DSSE envelopes, PEM keys and the base64/hex inside them. None may crash,
// hang or accept a forged proof against the fixed tree below.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/common/encoding.h"
#include "engine/evidence/checkpoint.h"
#include "engine/evidence/dsse.h"
#include "engine/evidence/merkle.h"
#include "engine/evidence/run_record.h"
#include "engine/evidence/signing.h"

namespace {

using stagegate::evidence::Hash;

const stagegate::evidence::MemoryTree& Tree() {
  static const stagegate::evidence::MemoryTree tree = [] {
    stagegate::evidence::MemoryTree built;
    for (int i = 0; i < 37; ++i) built.Append(stagegate::evidence::LeafHash("leaf " + std::to_string(i)));
    return built;
  }();
  return tree;
}

uint64_t Take64(std::string_view& data) {
  uint64_t value = 0;
  const size_t n = std::min<size_t>(8, data.size());
  std::memcpy(&value, data.data(), n);
  data.remove_prefix(n);
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  namespace evidence = stagegate::evidence;
  namespace common = stagegate::common;

  (void)evidence::ParseCheckpointBody(data);
  (void)evidence::CanonicalMember(data, "result");
  (void)evidence::CanonicalStringMember(data, "runId");
  (void)evidence::CanonicalIntegerMember(data, "sequence");
  (void)common::Base64Decode(data);
  (void)common::HexDecode(data);
  (void)evidence::ParseHashHex(data);
  std::string error;
  (void)evidence::PublicKey::FromPem(data, &error);

  // A proof: index, size, then hashes. Against the fixed tree, only the
  // genuine audit path of an index may verify.
  std::string_view rest = data;
  const uint64_t index = Take64(rest) % 64;
  const uint64_t tree_size = Take64(rest) % 64;
  std::vector<Hash> proof;
  while (rest.size() >= 32) {
    Hash hash;
    std::memcpy(hash.data(), rest.data(), 32);
    proof.push_back(hash);
    rest.remove_prefix(32);
  }
  const evidence::MemoryTree& tree = Tree();
  if (tree_size > 0 && tree_size <= tree.size() && index < tree_size) {
    const Hash root = evidence::RootAt(tree, tree_size);
    const Hash leaf = tree.Subtree(0, index);
    if (evidence::VerifyInclusion(index, tree_size, leaf, proof, root) &&
        proof != evidence::InclusionProof(tree, index, tree_size)) {
      __builtin_trap();  // a forged audit path verified
    }
    const uint64_t old_size = index + 1;
    if (evidence::VerifyConsistency(old_size, tree_size, evidence::RootAt(tree, old_size), root, proof) &&
        proof != evidence::ConsistencyProof(tree, old_size, tree_size)) {
      __builtin_trap();  // a forged consistency proof verified
    }
  } else {
    (void)evidence::VerifyInclusion(index, tree_size, Hash{}, proof, Hash{});
    (void)evidence::VerifyConsistency(index, tree_size, Hash{}, Hash{}, proof);
  }

  const nlohmann::json envelope = nlohmann::json::parse(data, nullptr, false);
  if (!envelope.is_discarded()) {
    static const stagegate::evidence::PublicKey key = [] {
      std::string ignored;
      return stagegate::evidence::SigningKey::Generate(&ignored)->Public();
    }();
    (void)evidence::VerifyEnvelope(envelope, key, &error);
  }
  return 0;
}
