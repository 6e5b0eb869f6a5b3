#pragma once
// Dead Simple Signing Envelope (DSSE v1): the pre-authentication encoding and
// signed envelopes, used to wrap in-toto statements.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/evidence/signing.h"

namespace stagegate::evidence {

// PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
// lengths as ASCII decimal.
std::string PreAuthEncoding(std::string_view payload_type, std::string_view payload);

// {"payload": base64(payload), "payloadType": type,
//  "signatures": [{"keyid": key id, "sig": base64(Ed25519(PAE))}]}
nlohmann::json SignEnvelope(std::string_view payload_type, std::string_view payload, const SigningKey& key);

// Checks that some signature of `envelope` verifies under `key`; on success
// returns the decoded payload. `error` says what is wrong otherwise.
std::optional<std::string> VerifyEnvelope(const nlohmann::json& envelope, const PublicKey& key, std::string* error);

}  // namespace stagegate::evidence
