#pragma once
// Signed checkpoints (tree heads) of the evidence log. The signed bytes are a
// small text note, in the spirit of the transparency-log checkpoint format:
//
//   stagegate evidence log v1
//   <tree size in decimal>
//   <root hash, base64>
//   <time, RFC 3339 UTC with microseconds>
//
// each line ending in "\n". The signature is Ed25519 over exactly these bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/evidence/merkle.h"
#include "engine/evidence/signing.h"

namespace stagegate::evidence {

inline constexpr std::string_view kCheckpointOrigin = "stagegate evidence log v1";

struct Checkpoint {
  uint64_t tree_size = 0;
  Hash root{};
  std::string time;       // RFC 3339 UTC
  std::string key_id;     // PublicKey::KeyId() of the signer
  std::string signature;  // raw 64 bytes
};

std::string CheckpointBody(const Checkpoint& checkpoint);
// Parses a body; fills tree_size, root and time. nullopt when malformed.
std::optional<Checkpoint> ParseCheckpointBody(std::string_view body);

Checkpoint SignCheckpoint(uint64_t tree_size, const Hash& root, std::string time, const SigningKey& key);
bool VerifyCheckpoint(const Checkpoint& checkpoint, const PublicKey& key);

// The current time as RFC 3339 UTC with microseconds: "2026-11-22T03:04:05.123456Z".
std::string NowRfc3339();

}  // namespace stagegate::evidence
