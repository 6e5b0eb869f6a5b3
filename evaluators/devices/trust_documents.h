#pragma once
// The documents of the policy repository the device checks read besides
// policies (the policy loader skips them). Every document has
// `apiVersion: stagegate/v1` and `metadata.name`:
//
//   kind: TrustAnchors         # the fleet PKI's roots, and its CRLs
//   spec:
//     certificates: [<PEM>, ...]
//     crls: [<PEM CRL>, ...]   # optional: when given, every leaf's issuer needs a current CRL
//
//   kind: KeySet               # firmware vendor keys (read by evaluators/keys, as for models)
//   spec:
//     keys: [{id: vendor-2026, publicKey: <PEM SubjectPublicKeyInfo, Ed25519 or P-256>}]
//
//   kind: FirmwareMeasurements # expected PCR values per firmware version
//   spec:
//     versions: {"4.2.0": {pcr0: <hex>, pcr7: <hex>}}
//
//   kind: VulnerabilityList    # known-vulnerable component versions
//   spec:
//     entries: [{component: openssl, versions: [1.1.1k], id: CVE-2021-3711, severity: critical}]

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bundle/bundle_source.h"
#include "evaluators/devices/x509_identity.h"
#include "evaluators/keys/trusted_key.h"

namespace stagegate::devices {

// A mistake in one of these documents: "file:line:col: error: message".
struct TrustDocumentError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
};
std::string FormatTrustDocumentError(const TrustDocumentError& error);

struct Vulnerability {
  std::string component;
  std::vector<std::string> versions;
  std::string id;
  std::string severity;
};

struct TrustDocuments {
  std::vector<std::string> root_pems, crl_pems;  // checked PEM texts of every TrustAnchors document
  keys::KeyRing keys;  // firmware vendor keys by id
  // firmware version → PCR name → lowercase hex; `has_measurements` tells an
  // empty repository from one whose lists lack a version.
  std::map<std::string, std::map<std::string, std::string>, std::less<>> measurements;
  bool has_measurements = false;
  std::vector<Vulnerability> vulnerabilities;
  bool has_vulnerabilities = false;
  std::vector<TrustDocumentError> errors;
  bool ok() const { return errors.empty(); }
};

// Reads every TrustAnchors, KeySet, FirmwareMeasurements and
// VulnerabilityList document of `bundle`. YAML syntax errors are left to the
// policy loader; malformed documents of these kinds become `errors`.
TrustDocuments LoadTrustDocuments(const bundle::Bundle& bundle);

// Parses one file's text the same way (for tests and the fuzz target).
void ReadTrustDocuments(const bundle::BundleFile& file, TrustDocuments* out);

}  // namespace stagegate::devices
