#pragma once
// The trust artefacts of a synthetic fleet (`stagegate simulate --trust`):
// a real PKI made with OpenSSL 3 (a root, a device CA, one certificate per
// device, a CRL), firmware images signed by a vendor key, attestation reports
// signed by each device's key, one mosquitto ACL per site, and the policy
// repository's TrustAnchors, KeySet, FirmwareMeasurements and
// VulnerabilityList documents; plus one IEC 62443 zone document per zone.
// A share of devices gets one trust fault each (expired, expiring, revoked,
// weak or unbound certificate; unsigned or vulnerable firmware; stale,
// mismatched or software-key attestation; no secure boot; weak TLS; an
// overbroad ACL; unsigned OTA), recorded as ground truth.
// Keys are fresh for every run (OpenSSL's generator), so files differ
// between runs; which devices get which fault follows the seed.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace stagegate::devices {

// Trust fault kinds, as written in trust-faults.json.
inline constexpr const char* kTrustFaultKinds[] = {
    "cert_expired",   "cert_expiring",     "cert_revoked",     "cert_weak_key",   "cert_not_bound",
    "firmware_unsigned", "firmware_vulnerable", "attestation_stale", "attestation_pcr_mismatch",
    "software_key",   "no_secure_boot",    "tls_weak",         "acl_overbroad",   "ota_unsigned"};

// What the simulator needs to know of a device.
struct SimulatedDeviceIdentity {
  std::string id, site, zone, firmware_version;
};

struct TrustSimulatorOptions {
  uint64_t seed = 1;
  double faulty_share = 0.1;  // share of devices with one trust fault
  int64_t now_s = 0;          // the evaluation time the artefacts are made for (Unix seconds)
};

class TrustSimulator {
 public:
  ~TrustSimulator();

  // Makes the CAs and the vendor key, and writes the firmware images into
  // OUT/fw. Returns null with a message on failure.
  static std::unique_ptr<TrustSimulator> Create(const TrustSimulatorOptions& options, const std::string& out_dir,
                                                std::string* error);

  // Makes the device's key, certificate and attestation report (files under
  // OUT/pki and OUT/attest) and returns the YAML lines its inventory record
  // gets: `firmware` as an object and identity, attestation, secure_boot,
  // ota, tls and mqtt. Throws std::runtime_error on an OpenSSL or I/O failure.
  std::string RecordFields(const SimulatedDeviceIdentity& device);

  // Writes the ACLs, trust.yaml (the policy repository's documents),
  // zones.yaml and trust-faults.json. Returns false with a message.
  bool Finish(std::string* error);

  int faults() const;

 private:
  struct State;
  explicit TrustSimulator(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace stagegate::devices
