#include "engine/evidence/merkle.h"

#include <bit>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/common/encoding.h"

namespace stagegate::evidence {
namespace {

Hash H(std::string_view hex) {
  std::optional<Hash> hash = ParseHashHex(hex);
  EXPECT_TRUE(hash.has_value()) << hex;
  return hash.value_or(Hash{});
}

std::vector<Hash> Hs(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash> out;
  for (std::string_view hex : hexes) out.push_back(H(hex));
  return out;
}

// The reference data of the Certificate Transparency Merkle test suites
// (transparency-dev/merkle, testonly/constants.go, reference_test.go and
// proof/verify_test.go; the same data as the C++ certificate-transparency
// suite): eight leaf inputs, the hash of every complete subtree, and the
// root of every tree size 0..8.
std::vector<std::string> ReferenceLeaves() {
  std::vector<std::string> leaves;
  for (std::string_view hex :
       {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}) {
    leaves.push_back(*common::HexDecode(hex));
  }
  return leaves;
}

const std::vector<std::vector<Hash>>& ReferenceNodes() {
  static const std::vector<std::vector<Hash>> nodes = {
      Hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
          "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
          "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
          "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"}),
      Hs({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"}),
      Hs({"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}),
      Hs({"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}),
  };
  return nodes;
}

const std::vector<Hash>& ReferenceRoots() {
  static const std::vector<Hash> roots = Hs({
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  });
  return roots;
}

MemoryTree ReferenceTree(size_t size = 8) {
  MemoryTree tree;
  std::vector<std::string> leaves = ReferenceLeaves();
  for (size_t i = 0; i < size; ++i) tree.Append(LeafHash(leaves[i]));
  return tree;
}

// ---- The definitions of RFC 6962 section 2.1, written directly over a list
// of leaf hashes, to cross-check the subtree-based implementation.

uint64_t K(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash NaiveMth(const std::vector<Hash>& leaves, uint64_t begin, uint64_t end) {
  if (end == begin) return EmptyTreeRoot();
  if (end - begin == 1) return leaves[begin];
  uint64_t k = K(end - begin);
  return NodeHash(NaiveMth(leaves, begin, begin + k), NaiveMth(leaves, begin + k, end));
}

std::vector<Hash> NaivePath(const std::vector<Hash>& leaves, uint64_t m, uint64_t begin, uint64_t end) {
  uint64_t n = end - begin;
  if (n <= 1) return {};
  uint64_t k = K(n);
  std::vector<Hash> path;
  if (m < k) {
    path = NaivePath(leaves, m, begin, begin + k);
    path.push_back(NaiveMth(leaves, begin + k, end));
  } else {
    path = NaivePath(leaves, m - k, begin + k, end);
    path.push_back(NaiveMth(leaves, begin, begin + k));
  }
  return path;
}

std::vector<Hash> NaiveSubproof(const std::vector<Hash>& leaves, uint64_t m, uint64_t begin, uint64_t end, bool b) {
  uint64_t n = end - begin;
  if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{NaiveMth(leaves, begin, end)};
  uint64_t k = K(n);
  std::vector<Hash> proof;
  if (m <= k) {
    proof = NaiveSubproof(leaves, m, begin, begin + k, b);
    proof.push_back(NaiveMth(leaves, begin + k, end));
  } else {
    proof = NaiveSubproof(leaves, m - k, begin + k, end, false);
    proof.push_back(NaiveMth(leaves, begin, begin + k));
  }
  return proof;
}

// Wraps a source: counts reads and notes any read of a subtree that is not
// wholly inside the first `size` leaves.
class CheckedSource : public SubtreeSource {
 public:
  CheckedSource(const SubtreeSource& inner, uint64_t size) : inner_(inner), size_(size) {}
  Hash Subtree(int level, uint64_t index) const override {
    ++reads_;
    if (level < 0 || level >= 63 || index > (size_ >> level) || ((index + 1) << level) > size_) outside_ = true;
    return inner_.Subtree(level, index);
  }
  int reads() const { return reads_; }
  bool outside() const { return outside_; }

 private:
  const SubtreeSource& inner_;
  uint64_t size_;
  mutable int reads_ = 0;
  mutable bool outside_ = false;
};

// Subtrees in a map, as a store keeps them; a read of a missing subtree fails
// the test.
class MapSource : public SubtreeSource {
 public:
  Hash Subtree(int level, uint64_t index) const override {
    auto it = nodes.find({level, index});
    EXPECT_NE(it, nodes.end()) << "missing subtree (" << level << ", " << index << ")";
    return it == nodes.end() ? Hash{} : it->second;
  }
  std::map<std::pair<int, uint64_t>, Hash> nodes;
};

Hash FlipBit(Hash hash, int bit) {
  hash[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return hash;
}

// ------------------------------------------------------- Reference vectors

TEST(EvidenceMerkleTest, HashesOfTheReferenceLeaves) {
  std::vector<std::string> leaves = ReferenceLeaves();
  for (size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(LeafHash(leaves[i]), ReferenceNodes()[0][i]) << i;
  EXPECT_EQ(NodeHash(ReferenceNodes()[0][0], ReferenceNodes()[0][1]), ReferenceNodes()[1][0]);
  EXPECT_EQ(NodeHash(ReferenceNodes()[2][0], ReferenceNodes()[2][1]), ReferenceNodes()[3][0]);
  EXPECT_EQ(HashHex(EmptyTreeRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(EvidenceMerkleTest, RootsOfTheReferenceTree) {
  MemoryTree full = ReferenceTree();
  for (uint64_t size = 0; size <= 8; ++size) {
    EXPECT_EQ(RootAt(full, size), ReferenceRoots()[size]) << size;
    EXPECT_EQ(ReferenceTree(size).Root(), ReferenceRoots()[size]) << size;
  }
  EXPECT_EQ(HashHex(full.Root()), "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  EXPECT_EQ(HashHex(RootAt(full, 1)), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(EvidenceMerkleTest, SubtreesOfTheReferenceTree) {
  MemoryTree tree = ReferenceTree();
  for (size_t level = 0; level < ReferenceNodes().size(); ++level) {
    for (size_t index = 0; index < ReferenceNodes()[level].size(); ++index) {
      EXPECT_EQ(tree.Subtree(static_cast<int>(level), index), ReferenceNodes()[level][index]) << level << "," << index;
    }
  }
}

struct InclusionVector {
  uint64_t index;
  uint64_t size;
  std::vector<Hash> proof;
};

TEST(EvidenceMerkleTest, InclusionProofsOfTheReferenceTree) {
  const std::vector<InclusionVector> vectors = {
      {0, 1, {}},
      {0, 2, Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"})},
      {1, 2, Hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"})},
      {2, 3, Hs({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {0, 8,
       Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Hs({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  MemoryTree tree = ReferenceTree();
  std::vector<std::string> leaves = ReferenceLeaves();
  for (const InclusionVector& v : vectors) {
    SCOPED_TRACE(testing::Message() << "index " << v.index << " size " << v.size);
    EXPECT_EQ(InclusionProof(tree, v.index, v.size), v.proof);
    EXPECT_TRUE(VerifyInclusion(v.index, v.size, LeafHash(leaves[v.index]), v.proof, ReferenceRoots()[v.size]));
  }
}

struct ConsistencyVector {
  uint64_t old_size;
  uint64_t new_size;
  std::vector<Hash> proof;
};

TEST(EvidenceMerkleTest, ConsistencyProofsOfTheReferenceTree) {
  const std::vector<ConsistencyVector> vectors = {
      {1, 1, {}},
      {1, 8,
       Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {2, 5,
       Hs({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 8,
       Hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {6, 7,
       Hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  MemoryTree tree = ReferenceTree();
  for (const ConsistencyVector& v : vectors) {
    SCOPED_TRACE(testing::Message() << "sizes " << v.old_size << " -> " << v.new_size);
    EXPECT_EQ(ConsistencyProof(tree, v.old_size, v.new_size), v.proof);
    EXPECT_TRUE(
        VerifyConsistency(v.old_size, v.new_size, ReferenceRoots()[v.old_size], ReferenceRoots()[v.new_size], v.proof));
  }
}

// ------------------------------------------------------------- Edge cases

TEST(EvidenceMerkleTest, InclusionEdgeCases) {
  Hash leaf = LeafHash("data");
  // A one-leaf tree: the root is the leaf hash and the proof is empty.
  EXPECT_TRUE(VerifyInclusion(0, 1, leaf, {}, leaf));
  EXPECT_FALSE(VerifyInclusion(0, 1, leaf, {}, EmptyTreeRoot()));
  EXPECT_FALSE(VerifyInclusion(0, 1, EmptyTreeRoot(), {}, leaf));
  std::vector<Hash> one = {leaf};
  EXPECT_FALSE(VerifyInclusion(0, 1, leaf, one, leaf));  // proof longer than the path
  // Index outside the tree, whatever the proof.
  for (auto [index, size] : std::vector<std::pair<uint64_t, uint64_t>>{{0, 0}, {1, 0}, {1, 1}, {2, 1}, {8, 8}}) {
    EXPECT_FALSE(VerifyInclusion(index, size, leaf, {}, leaf)) << index << "/" << size;
    EXPECT_FALSE(VerifyInclusion(index, size, leaf, {}, EmptyTreeRoot())) << index << "/" << size;
  }
  EXPECT_FALSE(VerifyInclusion(UINT64_MAX, UINT64_MAX, leaf, {}, leaf));
  // Proof generation refuses an index outside the tree.
  MemoryTree tree = ReferenceTree();
  EXPECT_TRUE(InclusionProof(tree, 8, 8).empty());
  EXPECT_TRUE(InclusionProof(tree, 0, 0).empty());
  // A huge proof is rejected after at most 64 steps, not walked.
  std::vector<Hash> huge(100000, leaf);
  EXPECT_FALSE(VerifyInclusion(3, 8, leaf, huge, ReferenceRoots()[8]));
}

TEST(EvidenceMerkleTest, ConsistencyEdgeCases) {
  Hash a = LeafHash("a");
  Hash b = LeafHash("b");
  std::vector<Hash> none;
  std::vector<Hash> one = {EmptyTreeRoot()};
  // Equal sizes: an empty proof and equal roots.
  EXPECT_TRUE(VerifyConsistency(1, 1, a, a, none));
  EXPECT_FALSE(VerifyConsistency(1, 1, a, b, none));
  EXPECT_FALSE(VerifyConsistency(1, 1, a, a, one));
  EXPECT_TRUE(VerifyConsistency(5, 5, ReferenceRoots()[5], ReferenceRoots()[5], none));
  // The empty tree: consistent with every tree, through an empty proof, as
  // long as its root is the empty root.
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyTreeRoot(), EmptyTreeRoot(), none));
  EXPECT_FALSE(VerifyConsistency(0, 0, a, a, none));
  EXPECT_FALSE(VerifyConsistency(0, 0, EmptyTreeRoot(), EmptyTreeRoot(), one));
  EXPECT_TRUE(VerifyConsistency(0, 5, EmptyTreeRoot(), ReferenceRoots()[5], none));
  EXPECT_FALSE(VerifyConsistency(0, 5, a, ReferenceRoots()[5], none));
  EXPECT_FALSE(VerifyConsistency(0, 5, EmptyTreeRoot(), ReferenceRoots()[5], one));
  // Time travel to the past.
  EXPECT_FALSE(VerifyConsistency(1, 0, a, EmptyTreeRoot(), none));
  EXPECT_FALSE(VerifyConsistency(2, 1, ReferenceRoots()[2], ReferenceRoots()[1], none));
  // A proper extension needs a non-empty proof.
  EXPECT_FALSE(VerifyConsistency(1, 2, ReferenceRoots()[1], ReferenceRoots()[2], none));
  // Proof generation refuses sizes it has no proof for.
  MemoryTree tree = ReferenceTree();
  EXPECT_TRUE(ConsistencyProof(tree, 0, 8).empty());
  EXPECT_TRUE(ConsistencyProof(tree, 5, 4).empty());
  // A huge proof is rejected, not walked.
  std::vector<Hash> huge(100000, a);
  EXPECT_FALSE(VerifyConsistency(3, 8, ReferenceRoots()[3], ReferenceRoots()[8], huge));
}

TEST(EvidenceMerkleTest, ConsistencyFromAPowerOfTwoLeavesTheOldRootImplicit) {
  // 4 -> 8: the old tree is the left subtree, so the proof is only its
  // sibling; the verifier supplies the old root itself (RFC 9162 step 2).
  MemoryTree tree = ReferenceTree();
  std::vector<Hash> proof = ConsistencyProof(tree, 4, 8);
  ASSERT_EQ(proof, Hs({"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_TRUE(VerifyConsistency(4, 8, ReferenceRoots()[4], ReferenceRoots()[8], proof));
  std::vector<Hash> explicit_root = {ReferenceRoots()[4], proof[0]};
  EXPECT_FALSE(VerifyConsistency(4, 8, ReferenceRoots()[4], ReferenceRoots()[8], explicit_root));
  // 2 -> 8 and 1 -> 8 likewise.
  EXPECT_TRUE(VerifyConsistency(2, 8, ReferenceRoots()[2], ReferenceRoots()[8], ConsistencyProof(tree, 2, 8)));
  EXPECT_EQ(ConsistencyProof(tree, 2, 8).size(), 2u);
}

TEST(EvidenceMerkleTest, HashHexRoundTrip) {
  Hash hash = LeafHash("x");
  EXPECT_EQ(ParseHashHex(HashHex(hash)), hash);
  std::string upper = HashHex(hash);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(ParseHashHex(upper), hash);
  EXPECT_FALSE(ParseHashHex(HashHex(hash).substr(1)).has_value());
  EXPECT_FALSE(ParseHashHex(HashHex(hash) + "0").has_value());
  EXPECT_FALSE(ParseHashHex("").has_value());
  std::string bad = HashHex(hash);
  bad[10] = 'g';
  EXPECT_FALSE(ParseHashHex(bad).has_value());
}

// ---------------------------------------------------------- Properties

constexpr uint64_t kMaxSize = 130;

class EvidenceMerklePropertyTest : public testing::Test {
 protected:
  void SetUp() override {
    for (uint64_t i = 0; i < kMaxSize; ++i) {
      leaves_.push_back(LeafHash("entry " + std::to_string(i)));
      tree_.Append(leaves_.back());
    }
  }
  std::vector<Hash> Prefix(uint64_t n) const { return {leaves_.begin(), leaves_.begin() + n}; }

  std::vector<Hash> leaves_;
  MemoryTree tree_;
};

TEST_F(EvidenceMerklePropertyTest, RootAtMatchesTheDefinitionFromLogarithmicReads) {
  MemoryTree growing;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    growing.Append(leaves_[n - 1]);
    Hash expected = NaiveMth(leaves_, 0, n);
    CheckedSource checked(tree_, n);
    EXPECT_EQ(RootAt(checked, n), expected) << n;
    EXPECT_EQ(checked.reads(), std::popcount(n)) << n;
    EXPECT_FALSE(checked.outside()) << n;
    EXPECT_EQ(growing.Root(), expected) << n;
    EXPECT_EQ(growing.size(), n);
  }
}

TEST_F(EvidenceMerklePropertyTest, EveryInclusionProofVerifiesAndNoTamperedOneDoes) {
  Hash other_leaf = LeafHash("not in the tree");
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    Hash root = NaiveMth(leaves_, 0, n);
    for (uint64_t m = 0; m < n; ++m) {
      SCOPED_TRACE(testing::Message() << "index " << m << " size " << n);
      CheckedSource checked(tree_, n);
      std::vector<Hash> proof = InclusionProof(checked, m, n);
      ASSERT_EQ(proof, NaivePath(Prefix(n), m, 0, n));
      EXPECT_FALSE(checked.outside());
      EXPECT_LE(checked.reads(), 2 * std::bit_width(n));
      ASSERT_TRUE(VerifyInclusion(m, n, leaves_[m], proof, root));

      // Every element with one bit flipped (a different bit for each case;
      // every bit is covered across the sizes).
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i] = FlipBit(bad[i], static_cast<int>((m * 7 + i * 13 + n) % 256));
        EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], bad, root)) << "element " << i;
      }
      // Any other index of the same tree.
      for (uint64_t other = 0; other < n; ++other) {
        if (other == m) continue;
        EXPECT_FALSE(VerifyInclusion(other, n, leaves_[m], proof, root)) << "index " << other;
      }
      EXPECT_FALSE(VerifyInclusion(m + n, n, leaves_[m], proof, root));
      // The size doubled or halved (a root does not commit to its size
      // otherwise; a signed checkpoint binds the two).
      EXPECT_FALSE(VerifyInclusion(m, 2 * n, leaves_[m], proof, root));
      if (n / 2 > m) {
        EXPECT_FALSE(VerifyInclusion(m, n / 2, leaves_[m], proof, root));
      }
      // Another leaf, another root.
      EXPECT_FALSE(VerifyInclusion(m, n, other_leaf, proof, root));
      EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], proof, FlipBit(root, static_cast<int>(m % 256))));
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], proof, NaiveMth(leaves_, 0, n - 1)));
      }
      // Proofs of the wrong length.
      if (!proof.empty()) {
        std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], shorter, root));
      }
      std::vector<Hash> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], longer, root));
      std::vector<Hash> preceded = proof;
      preceded.insert(preceded.begin(), root);
      EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], preceded, root));
    }
  }
}

TEST_F(EvidenceMerklePropertyTest, EveryBitOfAnInclusionProofMatters) {
  for (uint64_t n : {7, 8, 13, 100}) {
    Hash root = NaiveMth(leaves_, 0, n);
    for (uint64_t m = 0; m < n; ++m) {
      std::vector<Hash> proof = InclusionProof(tree_, m, n);
      for (size_t i = 0; i < proof.size(); ++i) {
        for (int bit = 0; bit < 256; ++bit) {
          std::vector<Hash> bad = proof;
          bad[i] = FlipBit(bad[i], bit);
          EXPECT_FALSE(VerifyInclusion(m, n, leaves_[m], bad, root)) << n << " " << m << " " << i << " " << bit;
        }
      }
    }
  }
}

TEST_F(EvidenceMerklePropertyTest, EveryConsistencyProofVerifiesAndNoTamperedOneDoes) {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    Hash new_root = NaiveMth(leaves_, 0, n);
    for (uint64_t m = 1; m <= n; ++m) {
      SCOPED_TRACE(testing::Message() << "sizes " << m << " -> " << n);
      Hash old_root = NaiveMth(leaves_, 0, m);
      CheckedSource checked(tree_, n);
      std::vector<Hash> proof = ConsistencyProof(checked, m, n);
      ASSERT_EQ(proof, NaiveSubproof(Prefix(n), m, 0, n, true));
      EXPECT_FALSE(checked.outside());
      EXPECT_LE(checked.reads(), 2 * std::bit_width(n) + 1);
      ASSERT_TRUE(VerifyConsistency(m, n, old_root, new_root, proof));
      EXPECT_EQ(proof.empty(), m == n);

      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i] = FlipBit(bad[i], static_cast<int>((m * 11 + i * 5 + n) % 256));
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, bad)) << "element " << i;
      }
      EXPECT_FALSE(VerifyConsistency(m, n, FlipBit(old_root, static_cast<int>(n % 256)), new_root, proof));
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, FlipBit(new_root, static_cast<int>(m % 256)), proof));
      if (m != n) {
        EXPECT_FALSE(VerifyConsistency(m, n, new_root, old_root, proof));  // swapped roots
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, {}));     // empty proof
        // The old size moved (its root stays that of size m).
        if (m > 1) {
          EXPECT_FALSE(VerifyConsistency(m - 1, n, old_root, new_root, proof));
        }
        if (m + 1 < n) {
          EXPECT_FALSE(VerifyConsistency(m + 1, n, old_root, new_root, proof));
        }
        // The new size doubled or halved.
        EXPECT_FALSE(VerifyConsistency(m, 2 * n, old_root, new_root, proof));
        if (n / 2 > m) {
          EXPECT_FALSE(VerifyConsistency(m, n / 2, old_root, new_root, proof));
        }
        // Proofs of the wrong length.
        std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, shorter));
        for (const Hash& extra : {old_root, new_root, proof[0]}) {
          std::vector<Hash> longer = proof;
          longer.push_back(extra);
          EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, longer));
          std::vector<Hash> preceded = proof;
          preceded.insert(preceded.begin(), extra);
          EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, preceded));
        }
      }
    }
  }
}

TEST_F(EvidenceMerklePropertyTest, AppendingThroughASubtreeStoreReproducesTheMemoryTree) {
  MapSource store;
  for (uint64_t i = 0; i < kMaxSize; ++i) {
    std::vector<SubtreeNode> created = NodesCompletedByAppend(store, i, leaves_[i]);
    // The leaf, then one parent per trailing one bit of the index.
    ASSERT_EQ(created.size(), static_cast<size_t>(std::countr_one(i)) + 1) << i;
    EXPECT_EQ(created[0].level, 0);
    EXPECT_EQ(created[0].index, i);
    EXPECT_EQ(created[0].hash, leaves_[i]);
    for (const SubtreeNode& node : created) {
      EXPECT_TRUE(store.nodes.emplace(std::make_pair(node.level, node.index), node.hash).second)
          << "created twice: (" << node.level << ", " << node.index << ")";
    }
    uint64_t size = i + 1;
    EXPECT_EQ(RootAt(store, size), RootAt(tree_, size)) << size;
  }
  // Exactly the complete subtrees of the tree, with the same hashes.
  size_t complete = 0;
  for (int level = 0; (uint64_t{1} << level) <= kMaxSize; ++level) {
    for (uint64_t index = 0; ((index + 1) << level) <= kMaxSize; ++index) {
      ++complete;
      auto it = store.nodes.find({level, index});
      ASSERT_NE(it, store.nodes.end()) << level << "," << index;
      EXPECT_EQ(it->second, tree_.Subtree(level, index)) << level << "," << index;
    }
  }
  EXPECT_EQ(store.nodes.size(), complete);
}

TEST(EvidenceMerkleTest, MemoryTreeAnswersOutOfRangeReadsWithoutCrashing) {
  MemoryTree tree = ReferenceTree(5);
  EXPECT_EQ(tree.Subtree(0, 5), Hash{});
  EXPECT_EQ(tree.Subtree(2, 1), Hash{});
  EXPECT_EQ(tree.Subtree(7, 0), Hash{});
  EXPECT_EQ(tree.Subtree(-1, 0), Hash{});
  EXPECT_EQ(MemoryTree().Root(), EmptyTreeRoot());
}

}  // namespace
}  // namespace stagegate::evidence
