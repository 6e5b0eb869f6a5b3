#include "engine/evidence/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "engine/common/encoding.h"

namespace stagegate::evidence {

std::string CheckpointBody(const Checkpoint& checkpoint) {
  const std::string_view root(reinterpret_cast<const char*>(checkpoint.root.data()), checkpoint.root.size());
  return fmt::format("{}\n{}\n{}\n{}\n", kCheckpointOrigin, checkpoint.tree_size, common::Base64Encode(root),
                     checkpoint.time);
}

std::optional<Checkpoint> ParseCheckpointBody(std::string_view body) {
  std::string_view lines[4];
  size_t at = 0;
  for (std::string_view& line : lines) {
    const size_t end = body.find('\n', at);
    if (end == std::string_view::npos) return std::nullopt;
    line = body.substr(at, end - at);
    at = end + 1;
  }
  if (at != body.size() || lines[0] != kCheckpointOrigin) return std::nullopt;
  Checkpoint checkpoint;
  const auto [end, error] = std::from_chars(lines[1].data(), lines[1].data() + lines[1].size(), checkpoint.tree_size);
  if (error != std::errc() || end != lines[1].data() + lines[1].size() || lines[1].empty() ||
      (lines[1].size() > 1 && lines[1][0] == '0')) {
    return std::nullopt;
  }
  std::optional<std::string> root = common::Base64Decode(lines[2]);
  if (!root || root->size() != checkpoint.root.size()) return std::nullopt;
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  if (lines[3].empty()) return std::nullopt;
  checkpoint.time = std::string(lines[3]);
  return checkpoint;
}

Checkpoint SignCheckpoint(uint64_t tree_size, const Hash& root, std::string time, const SigningKey& key) {
  Checkpoint checkpoint;
  checkpoint.tree_size = tree_size;
  checkpoint.root = root;
  checkpoint.time = std::move(time);
  checkpoint.key_id = key.KeyId();
  checkpoint.signature = key.Sign(CheckpointBody(checkpoint));
  return checkpoint;
}

bool VerifyCheckpoint(const Checkpoint& checkpoint, const PublicKey& key) {
  return key.Verify(CheckpointBody(checkpoint), checkpoint.signature);
}

std::string NowRfc3339() {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const auto micros = (now - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06}Z", seconds, micros);
}

}  // namespace stagegate::evidence
