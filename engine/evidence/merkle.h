#pragma once
// Merkle tree hashing as in RFC 6962 / RFC 9162 (Certificate Transparency):
// leaf hash SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || right),
// the tree head MTH of any size, inclusion (audit path) and consistency
// proofs, and their verification. Stores keep only the hashes of complete
// subtrees; everything else is derived from O(log n) of them.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::evidence {

using Hash = std::array<uint8_t, 32>;

Hash LeafHash(std::string_view entry);
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
Hash EmptyTreeRoot();

std::string HashHex(const Hash& hash);                       // 64 lowercase hex digits
std::optional<Hash> ParseHashHex(std::string_view hex);      // nullopt unless exactly 64 hex digits

// A complete subtree: `level` 0 is a leaf; the subtree (level, index) covers
// leaves [index * 2^level, (index + 1) * 2^level).
struct SubtreeNode {
  int level = 0;
  uint64_t index = 0;
  Hash hash{};
};

// Read access to the hashes of complete subtrees of a tree (a store's node
// table, or MemoryTree). Only subtrees that lie wholly within the tree are
// asked for.
class SubtreeSource {
 public:
  virtual ~SubtreeSource() = default;
  virtual Hash Subtree(int level, uint64_t index) const = 0;
};

// The complete subtrees that appending `leaf_hash` as leaf number
// `leaf_index` (0-based; the tree had exactly leaf_index leaves) creates: the
// leaf itself (level 0), then each parent that becomes complete. The caller
// persists them; `existing` supplies the left siblings.
std::vector<SubtreeNode> NodesCompletedByAppend(const SubtreeSource& existing, uint64_t leaf_index,
                                                const Hash& leaf_hash);

// MTH of the first `tree_size` leaves (EmptyTreeRoot() for 0).
Hash RootAt(const SubtreeSource& tree, uint64_t tree_size);

// PATH(m, D[n]) of RFC 6962 section 2.1.1; requires leaf_index < tree_size.
std::vector<Hash> InclusionProof(const SubtreeSource& tree, uint64_t leaf_index, uint64_t tree_size);
// PROOF(m, D[n]) of RFC 6962 section 2.1.2; requires 0 < old_size <= new_size.
std::vector<Hash> ConsistencyProof(const SubtreeSource& tree, uint64_t old_size, uint64_t new_size);

// RFC 9162 section 2.1.3.2.
bool VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash, std::span<const Hash> proof,
                     const Hash& root);
// RFC 9162 section 2.1.4.2 (old_size == new_size needs an empty proof and equal roots;
// old_size 0 needs an empty proof and old_root == EmptyTreeRoot()).
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                       std::span<const Hash> proof);

// A whole tree in memory: for verification (rebuilt from the stored leaves)
// and tests. Appending is amortised O(1).
class MemoryTree : public SubtreeSource {
 public:
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Hash Root() const { return RootAt(*this, size()); }
  Hash Subtree(int level, uint64_t index) const override;

 private:
  std::vector<std::vector<Hash>> levels_;  // levels_[l][i]: complete subtree (l, i)
};

}  // namespace stagegate::evidence
