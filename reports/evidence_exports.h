#pragma once
// Exports of one recorded run (a `stagegate.evidence.run/v1` record of the
// evidence log) in formats other tools read:
//
//  - an in-toto Statement v1 with the test-result v0.1 predicate, signed as a
//    DSSE envelope with the log's Ed25519 key (`evidence export --format intoto`);
//  - an OSCAL 1.0.4 assessment-results document (`--format oscal`).
//
// Both are pure functions of the record, the leaf hash under which the log
// holds it and the explicit inputs below (no clock, no randomness), so they can
// be golden-tested. The formats are described in docs/formats/evidence.md,
// section "Exports". A record that lacks a field the exports read, or holds it
// with the wrong type, is refused with a message naming the field; nothing
// throws. Documents are ordered_json: their keys keep a fixed, documented
// order.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/evidence/signing.h"

namespace stagegate::reports {

inline constexpr std::string_view kInTotoStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kTestResultPredicateType = "https://in-toto.io/attestation/test-result/v0.1";
// The DSSE payloadType of an in-toto statement.
inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";

inline constexpr std::string_view kOscalVersion = "1.0.4";
// The namespace of every name-based (version 5) UUID of the OSCAL export: the
// same run, rule, subject and control always get the same UUID.
inline constexpr std::string_view kOscalUuidNamespace = "b8ec560f-a305-472d-8ced-083ee9eb8006";
// The `ns` of Stagegate's own OSCAL properties.
inline constexpr std::string_view kOscalPropertyNamespace = "stagegate:oscal";

// Returns the in-toto statement of the run `record` (a parsed
// stagegate.evidence.run/v1 object) stored under `leaf_hash_hex` (64 hex
// digits: the RFC 6962 leaf hash), or nullopt with `error` set when the
// record or the hash is malformed.
std::optional<nlohmann::ordered_json> InTotoStatement(const nlohmann::json& record, std::string_view leaf_hash_hex,
                                                      std::string* error);

// Returns the statement signed as a DSSE envelope (payloadType
// kInTotoPayloadType, the payload being the statement's compact JSON) with
// `key`, rendered as two-space indented JSON ending in a newline.
std::optional<std::string> RenderInTotoEnvelope(const nlohmann::json& record, std::string_view leaf_hash_hex,
                                                const evidence::SigningKey& key, std::string* error);

// The inputs of the OSCAL export that do not come from the record.
struct OscalOptions {
  // The document's UUID, version 4; a fresh common::NewUuidV4() per export.
  std::string document_uuid;
  // When the document is produced (RFC 3339 with a time zone):
  // metadata.published and metadata.last-modified.
  std::string generated_at;
};

// Returns the OSCAL assessment-results document of the run: one result with
// its reviewed controls, one observation per (rule, subject) outcome that was
// evaluated, one finding per referenced control and one risk per waived
// outcome. nullopt with `error` set when the record, the hash or the options
// are malformed.
std::optional<nlohmann::ordered_json> OscalAssessmentResults(const nlohmann::json& record,
                                                             std::string_view leaf_hash_hex,
                                                             const OscalOptions& options, std::string* error);

// Returns OscalAssessmentResults rendered as two-space indented JSON ending in
// a newline.
std::optional<std::string> RenderOscal(const nlohmann::json& record, std::string_view leaf_hash_hex,
                                       const OscalOptions& options, std::string* error);

// Writes RenderOscal's bytes to `out` as they are made, never holding the
// whole text (an audit's document runs to hundreds of megabytes). False with
// `error`, and nothing written, when the document cannot be made.
bool WriteOscal(std::ostream& out, const nlohmann::json& record, std::string_view leaf_hash_hex,
                const OscalOptions& options, std::string* error);

}  // namespace stagegate::reports
