#pragma once
// Model manifests: the `kind: model` input documents that name a model
// artifact and how to judge it. Paths are relative to the manifest's file.
//
//   kind: model
//   id: rul-classifier
//   version: 2.0.0
//   file: mlp.onnx
//   digest: sha256:3f2a...          # the approved artifact's SHA-256
//   signature: {key: release-2026, value: <base64 over the raw SHA-256>}
//   task: classification            # classification | regression | anomaly
//   input: readings                 # optional when the model has one input
//   output: failure_prob            # optional when the model has one output
//   golden: {file: golden.csv, label: label, threshold: 0.5}
//   deviceProfile: edge-a53
//   deployed: {file: mlp_v1.onnx, digest: sha256:..., version: 1.4.0}
//   inputDrift: {baseline: fleet-reference, streams: {s2: cohort/site=plant-a/s2}}
//
// The manifest's claims (digest, signature) are checked against the file;
// the facts are computed from the file, never taken from the manifest.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/subjects/inputs.h"

namespace stagegate::models {

enum class ModelTask { kClassification, kRegression, kAnomaly };

struct ArtifactRef {
  std::string path;             // resolved: relative to the working directory, or absolute
  std::string declared_path;    // as the manifest wrote it
  std::string digest;           // declared lowercase hex SHA-256 ("" when not declared)
  std::string version;
};

struct GoldenDataset {
  std::string path;
  std::string declared_path;
  std::string label;                 // the label column
  std::vector<std::string> columns;  // feature columns in model input order; empty: all but the label, in file order
  std::optional<double> threshold;   // classification: positive when score >= threshold (0.5); anomaly: score threshold
};

struct InputDriftSpec {
  std::string baseline;  // a baseline of the telemetry store
  std::map<std::string, std::string> streams;  // golden column → baseline entry key
};

struct ModelManifest {
  std::string id;
  std::string version;
  ArtifactRef model;
  std::optional<std::string> signature_key;
  std::optional<std::string> signature_value;  // base64
  ModelTask task = ModelTask::kClassification;
  std::string input;   // "" when the model has a single input
  std::string output;  // "" when the model has a single output
  std::optional<GoldenDataset> golden;
  std::string device_profile;
  std::optional<ArtifactRef> deployed;
  std::optional<InputDriftSpec> input_drift;
};

// Reads the manifest of a model subject. Returns false with `error` set
// ("models/rul.yaml:3: 'task' must be classification, regression or anomaly").
bool ParseManifest(const subjects::Subject& subject, ModelManifest* manifest, std::string* error);

// Resolves `path` against the folder of the document file `document_file`.
std::string ResolveRelative(const std::string& document_file, const std::string& path);

// Normalises "sha256:ABC..." or "abc..." to lowercase hex; "" when malformed.
std::string NormaliseDigest(const std::string& text);

}  // namespace stagegate::models
