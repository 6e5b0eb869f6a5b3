#pragma once
// The zero-trust device facts: one registration of their schema, and the
// providers that compute them lazily from each device's inventory record
// (the `device` subject's document) and the files it names, relative to the
// record's file: its X.509 certificate and chain, attestation report,
// firmware image, and the broker's MQTT ACL file (docs/devices.md).
//
// A run builds one DeviceTrust from its subjects: it reads the named files
// once (a file shared by many devices, such as the ACL or an intermediate, is
// read once) and records each with its SHA-256 as an input of the run. The
// facts of a group (identity.cert, attestation, firmware, tls, acl) are
// computed together on the first read of any of them, once per device.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/facts/fact_schema.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/devices/trust_documents.h"

namespace stagegate::devices {

// Registers the computed facts of the `device` subject, and the input facts
// an inventory record declares (secure_boot, ota.*, tls.min_version, ...).
void RegisterDeviceFacts(facts::FactSchema& schema);

struct DeviceTrustOptions {
  // The evaluation time: certificate validity, days_to_expiry and
  // attestation age are judged at this instant (the run's `--at`).
  std::chrono::sys_seconds now;
};

class DeviceTrust {
 public:
  // Reads the files `subjects`' devices name, recording each in `subjects`'
  // inputs. A device record of an unexpected shape, or a file that cannot be
  // read, is not an error here: the facts needing it report it, naming the
  // record's file and line. Null with `errors` set when the trust documents
  // cannot make a trust store.
  static std::shared_ptr<const DeviceTrust> Create(TrustDocuments documents, subjects::SubjectSet* subjects,
                                                   DeviceTrustOptions options, std::vector<std::string>* errors);
  ~DeviceTrust();

  // Registers the providers of the device facts.
  void RegisterProviders(subjects::FactProviderRegistry* registry) const;

  // Computes `fact` of `device` as the providers do (for `stagegate` commands
  // and tests). Thread-safe.
  subjects::ComputedFact Compute(const subjects::Subject& device, std::string_view fact) const;

  struct State;

 private:
  DeviceTrust() = default;
  std::shared_ptr<State> state_;
};

// Returns the weak cipher suites among `ciphers` (IANA or OpenSSL names), in
// their order: see kWeakCipherMarkers in device_trust.cc and docs/devices.md.
std::vector<std::string> WeakCiphers(const std::vector<std::string>& ciphers);

}  // namespace stagegate::devices
