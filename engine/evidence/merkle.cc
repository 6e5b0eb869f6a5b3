#include "engine/evidence/merkle.h"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <openssl/evp.h>

namespace stagegate::evidence {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// The SHA-256 implementation, fetched once: an implicit fetch on every call
// (EVP_Digest with EVP_sha256(), or SHA256()) costs about three times the
// hash of a node itself in OpenSSL 3.0.
const EVP_MD* Sha256() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

// One digest context per thread, reused for every hash: verification hashes
// millions of nodes, and allocating a context each time would double the cost.
class DigestContext {
 public:
  DigestContext() : ctx_(EVP_MD_CTX_new()) {}
  ~DigestContext() { EVP_MD_CTX_free(ctx_); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;

  // Returns SHA-256(prefix || a || b).
  Hash Digest(uint8_t prefix, const void* a, size_t a_size, const void* b, size_t b_size) {
    Hash out;
    unsigned int length = 0;
    if (ctx_ == nullptr || EVP_DigestInit_ex2(ctx_, Sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, &prefix, 1) != 1 || (a_size > 0 && EVP_DigestUpdate(ctx_, a, a_size) != 1) ||
        (b_size > 0 && EVP_DigestUpdate(ctx_, b, b_size) != 1) || EVP_DigestFinal_ex(ctx_, out.data(), &length) != 1 ||
        length != out.size()) {
      // SHA-256 fails only when OpenSSL cannot allocate; a log must never
      // record a wrong hash, so the process stops instead.
      std::fputs("stagegate: SHA-256 through OpenSSL failed (out of memory?)\n", stderr);
      std::abort();
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

DigestContext& ThreadContext() {
  thread_local DigestContext context;
  return context;
}

// The largest power of two strictly smaller than n (n >= 2): RFC 6962's k.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH of leaves [start, end) where start is a multiple of bit_ceil(end -
// start), as every range of the recursive definition is: the range is the
// complete subtrees of the binary decomposition of its size, largest first,
// folded from the right. Reads one subtree per set bit of the size.
Hash RangeHash(const SubtreeSource& tree, uint64_t start, uint64_t end) {
  uint64_t size = end - start;
  Hash pieces[64];
  int count = 0;
  uint64_t offset = start;
  while (size > 0) {
    uint64_t piece = std::bit_floor(size);
    int level = std::countr_zero(piece);
    pieces[count++] = tree.Subtree(level, offset >> level);
    offset += piece;
    size -= piece;
  }
  Hash hash = pieces[count - 1];
  for (int i = count - 2; i >= 0; --i) hash = NodeHash(pieces[i], hash);
  return hash;
}

// PATH(m, D[start:end]) of RFC 6962 section 2.1.1, appended to `proof`.
void AppendPath(const SubtreeSource& tree, uint64_t m, uint64_t start, uint64_t end, std::vector<Hash>& proof) {
  uint64_t n = end - start;
  if (n <= 1) return;
  uint64_t k = SplitPoint(n);
  if (m < k) {
    AppendPath(tree, m, start, start + k, proof);
    proof.push_back(RangeHash(tree, start + k, end));
  } else {
    AppendPath(tree, m - k, start + k, end, proof);
    proof.push_back(RangeHash(tree, start, start + k));
  }
}

// SUBPROOF(m, D[start:end], b) of RFC 6962 section 2.1.2, appended to `proof`.
void AppendSubproof(const SubtreeSource& tree, uint64_t m, uint64_t start, uint64_t end, bool whole_old_tree,
                    std::vector<Hash>& proof) {
  uint64_t n = end - start;
  if (m == n) {
    if (!whole_old_tree) proof.push_back(RangeHash(tree, start, end));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    AppendSubproof(tree, m, start, start + k, whole_old_tree, proof);
    proof.push_back(RangeHash(tree, start + k, end));
  } else {
    AppendSubproof(tree, m - k, start + k, end, false, proof);
    proof.push_back(RangeHash(tree, start, start + k));
  }
}

}  // namespace

Hash LeafHash(std::string_view entry) {
  return ThreadContext().Digest(kLeafPrefix, entry.data(), entry.size(), nullptr, 0);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  return ThreadContext().Digest(kNodePrefix, left.data(), left.size(), right.data(), right.size());
}

Hash EmptyTreeRoot() {
  // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855.
  static constexpr Hash kEmpty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                  0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                  0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  return kEmpty;
}

std::string HashHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * hash.size(), '0');
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 0xF];
  }
  return out;
}

std::optional<Hash> ParseHashHex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Hash hash;
  if (hex.size() != 2 * hash.size()) return std::nullopt;
  for (size_t i = 0; i < hash.size(); ++i) {
    int high = digit(hex[2 * i]);
    int low = digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    hash[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return hash;
}

std::vector<SubtreeNode> NodesCompletedByAppend(const SubtreeSource& existing, uint64_t leaf_index,
                                                const Hash& leaf_hash) {
  std::vector<SubtreeNode> nodes;
  nodes.push_back({0, leaf_index, leaf_hash});
  Hash hash = leaf_hash;
  uint64_t index = leaf_index;
  int level = 0;
  // A right child (odd index) completes its parent; the left sibling is
  // complete already.
  while (index & 1) {
    hash = NodeHash(existing.Subtree(level, index - 1), hash);
    index >>= 1;
    ++level;
    nodes.push_back({level, index, hash});
  }
  return nodes;
}

Hash RootAt(const SubtreeSource& tree, uint64_t tree_size) {
  if (tree_size == 0) return EmptyTreeRoot();
  return RangeHash(tree, 0, tree_size);
}

std::vector<Hash> InclusionProof(const SubtreeSource& tree, uint64_t leaf_index, uint64_t tree_size) {
  std::vector<Hash> proof;
  if (leaf_index >= tree_size) return proof;
  proof.reserve(64 - std::countl_zero(tree_size - 1));
  AppendPath(tree, leaf_index, 0, tree_size, proof);
  return proof;
}

std::vector<Hash> ConsistencyProof(const SubtreeSource& tree, uint64_t old_size, uint64_t new_size) {
  std::vector<Hash> proof;
  if (old_size == 0 || old_size > new_size) return proof;
  AppendSubproof(tree, old_size, 0, new_size, true, proof);
  return proof;
}

bool VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash, std::span<const Hash> proof,
                     const Hash& root) {
  // 1. An index outside the tree has no inclusion proof.
  if (leaf_index >= tree_size) return false;
  // 2.-3.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  // 4.
  for (const Hash& p : proof) {
    if (sn == 0) return false;  // a. the proof is longer than the path
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // 5. sn == 0 unless the proof was too short.
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                       std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  // The empty tree is a prefix of every tree; its root is fixed.
  if (old_size == 0) return proof.empty() && old_root == EmptyTreeRoot() && (new_size > 0 || new_root == old_root);
  if (old_size == new_size) return proof.empty() && old_root == new_root;

  // RFC 9162 section 2.1.4.2, for 0 < old_size < new_size.
  // 1. A non-trivial proof is never empty.
  if (proof.empty()) return false;
  // 2. When the old tree is a complete subtree of the new one, its root is
  //    the implicit first element of the path.
  bool prepend_old_root = std::has_single_bit(old_size);
  size_t next = 0;
  // 3.-4.
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5.
  Hash fr = prepend_old_root ? old_root : proof[next++];
  Hash sr = fr;
  // 6.
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) return false;  // a. the proof is longer than the path
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // 7.
  return fr == old_root && sr == new_root && sn == 0;
}

void MemoryTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each level whose count became even completes a node one level up.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (level + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<Hash>& below = levels_[level];
    levels_[level + 1].push_back(NodeHash(below[below.size() - 2], below.back()));
  }
}

Hash MemoryTree::Subtree(int level, uint64_t index) const {
  // Only complete subtrees are ever asked for; anything else is a caller's
  // mistake and gets a hash no real node has, rather than undefined behaviour.
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() || index >= levels_[level].size()) return Hash{};
  return levels_[level][index];
}

}  // namespace stagegate::evidence
