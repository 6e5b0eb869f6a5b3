#include "engine/evidence/dsse.h"

#include <vector>

#include "engine/common/encoding.h"

namespace stagegate::evidence {
namespace {

void SetError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

// DSSE verifiers must accept both the standard and the URL-safe alphabet.
std::optional<std::string> DecodeBase64(const std::string& text) {
  if (std::optional<std::string> bytes = common::Base64Decode(text)) return bytes;
  return common::Base64UrlDecode(text);
}

// The string member `name` of `object`, or nullptr (with `error` set) when it
// is missing or not a string.
const std::string* StringField(const nlohmann::json& object, const char* name, const std::string& where,
                               std::string* error) {
  auto it = object.find(name);
  if (it == object.end()) {
    SetError(error, where + ": missing \"" + name + "\"");
    return nullptr;
  }
  if (!it->is_string()) {
    SetError(error, where + ": \"" + name + "\" is not a string");
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

}  // namespace

std::string PreAuthEncoding(std::string_view payload_type, std::string_view payload) {
  std::string type_length = std::to_string(payload_type.size());
  std::string body_length = std::to_string(payload.size());
  std::string out;
  out.reserve(10 + type_length.size() + payload_type.size() + body_length.size() + payload.size());
  out += "DSSEv1 ";
  out += type_length;
  out += ' ';
  out += payload_type;
  out += ' ';
  out += body_length;
  out += ' ';
  out += payload;
  return out;
}

nlohmann::json SignEnvelope(std::string_view payload_type, std::string_view payload, const SigningKey& key) {
  std::string signature = key.Sign(PreAuthEncoding(payload_type, payload));
  nlohmann::json entry = nlohmann::json::object();
  entry["keyid"] = key.Public().KeyId();
  entry["sig"] = common::Base64Encode(signature);
  nlohmann::json envelope = nlohmann::json::object();
  envelope["payload"] = common::Base64Encode(payload);
  envelope["payloadType"] = std::string(payload_type);
  envelope["signatures"] = nlohmann::json::array({std::move(entry)});
  return envelope;
}

std::optional<std::string> VerifyEnvelope(const nlohmann::json& envelope, const PublicKey& key, std::string* error) {
  const std::string where = "DSSE envelope";
  if (!envelope.is_object()) {
    SetError(error, where + ": not a JSON object");
    return std::nullopt;
  }
  const std::string* payload_text = StringField(envelope, "payload", where, error);
  if (payload_text == nullptr) return std::nullopt;
  std::optional<std::string> payload = DecodeBase64(*payload_text);
  if (!payload) {
    SetError(error, where + ": \"payload\" is not valid base64");
    return std::nullopt;
  }
  const std::string* payload_type = StringField(envelope, "payloadType", where, error);
  if (payload_type == nullptr) return std::nullopt;

  auto signatures = envelope.find("signatures");
  if (signatures == envelope.end()) {
    SetError(error, where + ": missing \"signatures\"");
    return std::nullopt;
  }
  if (!signatures->is_array() || signatures->empty()) {
    SetError(error, where + ": \"signatures\" is not a non-empty array");
    return std::nullopt;
  }
  // Decode every signature first: a malformed envelope is rejected as a
  // whole, whichever entry is wrong.
  std::vector<std::string> decoded;
  for (size_t i = 0; i < signatures->size(); ++i) {
    const nlohmann::json& entry = (*signatures)[i];
    std::string entry_where = where + ": signatures[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      SetError(error, entry_where + " is not an object");
      return std::nullopt;
    }
    auto keyid = entry.find("keyid");
    if (keyid != entry.end() && !keyid->is_string()) {
      SetError(error, entry_where + ": \"keyid\" is not a string");
      return std::nullopt;
    }
    const std::string* sig_text = StringField(entry, "sig", entry_where, error);
    if (sig_text == nullptr) return std::nullopt;
    std::optional<std::string> sig = DecodeBase64(*sig_text);
    if (!sig) {
      SetError(error, entry_where + ": \"sig\" is not valid base64");
      return std::nullopt;
    }
    decoded.push_back(std::move(*sig));
  }
  // The key id is an unauthenticated hint, so every signature is tried.
  const std::string pae = PreAuthEncoding(*payload_type, *payload);
  for (const std::string& sig : decoded) {
    if (key.Verify(pae, sig)) return payload;
  }
  SetError(error, where + ": no signature verifies under key " + key.KeyId());
  return std::nullopt;
}

}  // namespace stagegate::evidence
