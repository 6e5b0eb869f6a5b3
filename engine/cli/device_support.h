#pragma once
// Wires the zero-trust device checks into a run: the policy repository's
// TrustAnchors, KeySets, FirmwareMeasurements and VulnerabilityLists, the
// files the device subjects name, and the providers of their facts.

#include <chrono>

#include "engine/bundle/bundle_source.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::cli::device_support {

// Reads the trust documents of `bundle`, the certificates, attestation
// reports, firmware images and ACL files the device subjects name (recording
// them as inputs of the run), and registers the device fact providers, which
// judge validity and ages at `at` (the run's evaluation time). Does nothing
// when the run has no device subject. False after printing errors
// (file:line:col and what to do).
bool AddDeviceProviders(const bundle::Bundle& bundle, std::chrono::sys_seconds at, subjects::SubjectSet* subjects,
                        subjects::FactProviderRegistry* registry);

}  // namespace stagegate::cli::device_support
