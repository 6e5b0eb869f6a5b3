#include "evaluators/models/model_facts.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "engine/common/digest.h"
#include "engine/common/encoding.h"
#include "evaluators/drift/baseline_store.h"
#include "evaluators/drift/sketch.h"
#include "tests/unit/models/signing_support.h"

namespace stagegate::models {
namespace {

namespace fs = std::filesystem;
using facts::SubjectKind;
using subjects::ComputedFact;

const std::string kModels = std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/models";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string DigestBytes(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

class ModelFactsTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("stagegate_model_facts_" + std::to_string(::getpid()) + "_" +
                                           testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
    mlp_digest_ = common::Sha256Hex(ReadFile(kModels + "/mlp.onnx"));
    key_ = testing_support::TestKey::Generate("ED25519");
    std::string error;
    documents_.keys.emplace("release", keys::TrustedKey::FromPem("release", key_.public_pem, &error));
    DeviceProfile profile;
    profile.name = "edge-a53";
    profile.memory_budget_bytes = 1 << 20;
    profile.max_opsets = {{"ai.onnx", 13}};
    profile.latency_budget_ms = 5;
    profile.latency_scale = 10;
    documents_.profiles.emplace("edge-a53", profile);
  }
  void TearDown() override { fs::remove_all(folder_); }

  nlohmann::json Manifest(const std::string& file, const std::string& digest) {
    return {{"kind", "model"},
            {"id", "rul"},
            {"version", "2.0.0"},
            {"file", file},
            {"digest", "sha256:" + digest},
            {"signature", {{"key", "release"}, {"value", common::Base64Encode(key_.Sign(DigestBytes(digest)))}}},
            {"task", "classification"},
            {"golden", {{"file", kModels + "/golden.csv"}, {"label", "label"}, {"threshold", 0.5}}},
            {"deviceProfile", "edge-a53"},
            {"deployed", {{"file", kModels + "/mlp_v1.onnx"}}}};
  }

  // Builds the gate over `documents` and returns the value of `fact` of `kind`/`id`.
  void Build(std::vector<nlohmann::json> documents) {
    subjects_ = subjects::SubjectSet();
    for (auto& document : documents) subjects_.AddDocument(std::move(document), {(folder_ / "inputs.yaml").string(), 1});
    subjects_.Finish();
    std::vector<std::string> errors;
    ModelGateOptions options;
    options.store_path = (folder_ / "store.db").string();
    options.evaluation.latency_runs = 50;
    gate_ = ModelGate::Create(documents_, &subjects_, options, &errors);
    ASSERT_TRUE(gate_) << (errors.empty() ? "" : errors[0]);
    registry_ = subjects::FactProviderRegistry();
    gate_->RegisterProviders(&registry_);
  }

  ComputedFact Fact(SubjectKind kind, const std::string& id, const std::string& fact) {
    const subjects::Subject* subject = subjects_.Find(kind, id);
    EXPECT_NE(subject, nullptr);
    const subjects::FactProvider* provider = registry_.Find(kind, fact);
    EXPECT_NE(provider, nullptr) << fact;
    if (subject == nullptr || provider == nullptr) return ComputedFact::Missing();
    return provider->Compute(*subject, fact);
  }
  ComputedFact ModelFact(const std::string& fact) { return Fact(SubjectKind::kModel, "rul", fact); }

  fs::path folder_;
  std::string mlp_digest_;
  testing_support::TestKey key_;
  RepositoryDocuments documents_;
  subjects::SubjectSet subjects_;
  std::shared_ptr<const ModelGate> gate_;
  subjects::FactProviderRegistry registry_;
};

TEST_F(ModelFactsTest, ComputesIntegrityAndMetricsFromTheArtifact) {
  Build({Manifest(kModels + "/mlp.onnx", mlp_digest_)});
  EXPECT_EQ(ModelFact("sha256").value, mlp_digest_);
  EXPECT_EQ(ModelFact("digest_match").value, true);
  EXPECT_EQ(ModelFact("signature_valid").value, true);
  EXPECT_EQ(ModelFact("signature_error").value, "");
  EXPECT_EQ(ModelFact("opset").value, 13);
  EXPECT_EQ(ModelFact("domains").value, nlohmann::json({"ai.onnx"}));
  EXPECT_EQ(ModelFact("ops").value, nlohmann::json({"Div", "Gemm", "Relu", "Sigmoid", "Sub"}));
  EXPECT_EQ(ModelFact("size_bytes").value, static_cast<std::int64_t>(fs::file_size(kModels + "/mlp.onnx")));
  // 16·32 + 32 + 32 + 1 weights of the two layers, plus the 2·16 standardisation constants.
  EXPECT_EQ(ModelFact("params").value, 609);
  // The same figures numpy computes from the torch reference outputs (mlp_reference.csv).
  EXPECT_DOUBLE_EQ(ModelFact("eval.accuracy").value->get<double>(), 0.967);
  EXPECT_NEAR(ModelFact("eval.precision").value->get<double>(), 0.8664122137404581, 1e-12);
  EXPECT_NEAR(ModelFact("eval.recall").value->get<double>(), 0.8798449612403101, 1e-12);
  EXPECT_NEAR(ModelFact("eval.f1").value->get<double>(), 0.8730769230769231, 1e-12);
  EXPECT_NEAR(ModelFact("eval.roc_auc").value->get<double>(), 0.9901031515054424, 1e-9);
  EXPECT_EQ(ModelFact("eval.rows").value, 2000.0);
  EXPECT_FALSE(ModelFact("eval.rmse").value.has_value());  // not a regression model
  EXPECT_GT(ModelFact("eval.latency_p50_ms").value->get<double>(), 0.0);
  EXPECT_GE(ModelFact("eval.latency_p99_ms").value->get<double>(), ModelFact("eval.latency_p50_ms").value->get<double>());
  EXPECT_GT(ModelFact("eval.throughput_rows_s").value->get<double>(), 0.0);
  EXPECT_GT(ModelFact("eval.peak_memory_bytes").value->get<double>(), 0.0);
  EXPECT_GT(ModelFact("eval.memory_bytes").value->get<double>(), ModelFact("eval.peak_memory_bytes").value->get<double>());
  // The deployed model (trained less) on the same rows.
  EXPECT_DOUBLE_EQ(ModelFact("baseline.accuracy").value->get<double>(), 0.95);
  EXPECT_NEAR(ModelFact("delta.accuracy").value->get<double>(), 0.017, 1e-12);
  EXPECT_NEAR(ModelFact("delta.relative.accuracy").value->get<double>(), 0.017 / 0.95, 1e-12);
  // Every artifact judged is an input of the run, with its digest.
  std::vector<std::string> recorded;
  for (const auto& input : subjects_.inputs()) recorded.push_back(fs::path(input.path).filename().string());
  EXPECT_EQ(recorded, (std::vector<std::string>{"mlp.onnx", "mlp_v1.onnx", "golden.csv"}));
}

// The same model judged as a regression model and as an anomaly scorer: the
// figures must equal those computed here from torch's outputs (mlp_reference.csv).
TEST_F(ModelFactsTest, RegressionAndAnomalyMetricsFollowTheTask) {
  std::vector<double> predictions, labels;
  {
    std::ifstream reference(kModels + "/mlp_reference.csv");
    std::string line;
    std::getline(reference, line);
    while (std::getline(reference, line)) predictions.push_back(std::stod(line));
    std::ifstream golden(kModels + "/golden.csv");
    std::getline(golden, line);
    while (std::getline(golden, line)) labels.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  }
  ASSERT_EQ(predictions.size(), 2000u);
  ASSERT_EQ(labels.size(), 2000u);
  double absolute = 0, squared = 0, flagged = 0, flagged_true = 0, positives = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    absolute += std::fabs(predictions[i] - labels[i]);
    squared += (predictions[i] - labels[i]) * (predictions[i] - labels[i]);
    flagged += predictions[i] >= 0.8 ? 1 : 0;
    flagged_true += predictions[i] >= 0.8 && labels[i] != 0 ? 1 : 0;
    positives += labels[i] != 0 ? 1 : 0;
  }
  nlohmann::json manifest = Manifest(kModels + "/mlp.onnx", mlp_digest_);
  manifest["task"] = "regression";
  manifest.erase("deployed");
  Build({manifest});
  EXPECT_NEAR(ModelFact("eval.mae").value->get<double>(), absolute / 2000, 1e-6);
  EXPECT_NEAR(ModelFact("eval.rmse").value->get<double>(), std::sqrt(squared / 2000), 1e-6);
  EXPECT_TRUE(ModelFact("eval.r2").value.has_value());
  EXPECT_FALSE(ModelFact("eval.accuracy").value.has_value());
  EXPECT_FALSE(ModelFact("baseline.mae").value.has_value());  // no deployed model: not evaluable
  EXPECT_TRUE(ModelFact("baseline.mae").error.empty());

  manifest["task"] = "anomaly";
  manifest["golden"]["threshold"] = 0.8;
  Build({manifest});
  EXPECT_DOUBLE_EQ(ModelFact("eval.anomaly.precision").value->get<double>(), flagged_true / flagged);
  EXPECT_DOUBLE_EQ(ModelFact("eval.anomaly.recall").value->get<double>(), flagged_true / positives);
  manifest["golden"].erase("threshold");
  Build({manifest});
  EXPECT_NE(ModelFact("eval.anomaly.recall").error.find("needs 'threshold'"), std::string::npos);
}

// An autoencoder scores a row by its mean squared reconstruction error.
TEST_F(ModelFactsTest, AutoencoderScoresAreReconstructionErrors) {
  const std::string path = kModels + "/autoencoder.onnx";
  std::string error;
  GoldenDataset spec{kModels + "/golden.csv", "golden.csv", "label", {}, 0.5};
  GoldenData golden;
  ASSERT_TRUE(ReadGolden(spec, &golden, &error)) << error;
  auto model = inference::Model::Load(path, &error);
  ASSERT_TRUE(model) << error;
  auto session = model->Plan({{golden.rows, 16}}, &error);
  ASSERT_TRUE(session) << error;
  inference::Tensor input = inference::Tensor::View(inference::ElementType::kFloat32, {golden.rows, 16},
                                                    golden.features.data());
  std::vector<inference::Tensor> outputs;
  ASSERT_TRUE(session->Run(std::span<const inference::Tensor>(&input, 1), &outputs).ok());
  std::vector<double> scores;
  for (std::int64_t r = 0; r < golden.rows; ++r) {
    double sum = 0;
    for (int c = 0; c < 16; ++c) {
      const double d = outputs[0].data<float>()[r * 16 + c] - golden.features[r * 16 + c];
      sum += d * d;
    }
    scores.push_back(sum / 16);
  }
  std::vector<double> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  // Between two scores, so that rounding differences of batched products cannot flip a row.
  const double threshold = (sorted[1799] + sorted[1800]) / 2;  // flags the 10 % worst reconstructed rows
  double flagged = 0, flagged_true = 0, positives = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    flagged += scores[i] >= threshold ? 1 : 0;
    flagged_true += scores[i] >= threshold && golden.labels[i] != 0 ? 1 : 0;
    positives += golden.labels[i] != 0 ? 1 : 0;
  }
  nlohmann::json manifest = Manifest(path, common::Sha256Hex(ReadFile(path)));
  manifest["task"] = "anomaly";
  manifest["golden"]["threshold"] = threshold;
  manifest.erase("deployed");
  Build({manifest});
  EXPECT_DOUBLE_EQ(ModelFact("eval.anomaly.precision").value->get<double>(), flagged_true / flagged);
  EXPECT_DOUBLE_EQ(ModelFact("eval.anomaly.recall").value->get<double>(), flagged_true / positives);
}

TEST_F(ModelFactsTest, ATamperedFileFailsIntegrityAndIsNotEvaluated) {
  std::string bytes = ReadFile(kModels + "/mlp.onnx");
  bytes[bytes.size() / 2] ^= 0x01;  // one bit of a first-layer weight (the largest tensor, mid-file)
  const std::string tampered = (folder_ / "mlp.onnx").string();
  std::ofstream(tampered, std::ios::binary) << bytes;
  Build({Manifest(tampered, mlp_digest_)});
  EXPECT_EQ(ModelFact("digest_match").value, false);
  EXPECT_EQ(ModelFact("signature_valid").value, false);
  EXPECT_NE(ModelFact("signature_error").value->get<std::string>().find("does not verify"), std::string::npos);
  const ComputedFact accuracy = ModelFact("eval.accuracy");
  EXPECT_FALSE(accuracy.value.has_value());
  EXPECT_NE(accuracy.error.find("refusing to evaluate a model that is not the approved one"), std::string::npos)
      << accuracy.error;
}

TEST_F(ModelFactsTest, SignaturesVerifyOnlyWithATrustedKey) {
  nlohmann::json manifest = Manifest(kModels + "/mlp.onnx", mlp_digest_);
  testing_support::TestKey p256 = testing_support::TestKey::Generate("P-256");
  std::string error;
  documents_.keys.emplace("ecdsa", keys::TrustedKey::FromPem("ecdsa", p256.public_pem, &error));
  manifest["signature"] = {{"key", "ecdsa"}, {"value", common::Base64Encode(p256.Sign(DigestBytes(mlp_digest_)))}};
  Build({manifest});
  EXPECT_EQ(ModelFact("signature_valid").value, true);

  // Signed by a key the policy repository does not trust.
  testing_support::TestKey stranger = testing_support::TestKey::Generate("ED25519");
  manifest["signature"] = {{"key", "release"}, {"value", common::Base64Encode(stranger.Sign(DigestBytes(mlp_digest_)))}};
  Build({manifest});
  EXPECT_EQ(ModelFact("signature_valid").value, false);
  manifest["signature"] = {{"key", "unknown"}, {"value", "AAAA"}};
  Build({manifest});
  EXPECT_EQ(ModelFact("signature_error").value, "key 'unknown' is not in any KeySet of the policy repository");
  manifest.erase("signature");
  Build({manifest});
  EXPECT_EQ(ModelFact("signature_valid").value, false);
}

TEST_F(ModelFactsTest, DeviceFitAgainstTheProfile) {
  Build({Manifest(kModels + "/mlp.onnx", mlp_digest_)});
  EXPECT_EQ(ModelFact("device_fit.profile").value, "edge-a53");
  EXPECT_EQ(ModelFact("device_fit.memory").value, true);
  EXPECT_EQ(ModelFact("device_fit.opset").value, true);
  EXPECT_EQ(ModelFact("device_fit.operators").value, true);
  EXPECT_EQ(ModelFact("device_fit.ok").value, true);
  const double p99 = ModelFact("eval.latency_p99_ms").value->get<double>();
  EXPECT_DOUBLE_EQ(ModelFact("device_fit.estimated_latency_ms").value->get<double>(), p99 * 10);

  DeviceProfile& profile = documents_.profiles.at("edge-a53");
  profile.memory_budget_bytes = 1000;
  profile.max_opsets = {{"ai.onnx", 11}};
  profile.operators = std::set<std::string>{"Gemm", "Relu", "Sub", "Div"};
  Build({Manifest(kModels + "/mlp.onnx", mlp_digest_)});
  EXPECT_EQ(ModelFact("device_fit.memory").value, false);
  EXPECT_EQ(ModelFact("device_fit.opset").value, false);
  EXPECT_EQ(ModelFact("device_fit.unsupported_ops").value, nlohmann::json({"Sigmoid"}));
  EXPECT_EQ(ModelFact("device_fit.ok").value, false);

  nlohmann::json manifest = Manifest(kModels + "/mlp.onnx", mlp_digest_);
  manifest["deviceProfile"] = "edge-m4";
  Build({manifest});
  EXPECT_EQ(ModelFact("device_fit.ok").error,
            "device profile 'edge-m4' is not a DeviceProfile of the policy repository (it has edge-a53)");
}

TEST_F(ModelFactsTest, InputDriftComparesGoldenColumnsWithTheFleetBaseline) {
  // A baseline with s2 as the golden dataset has it, and s3 shifted far away.
  drift::BaselineInfo info;
  info.name = "fleet-reference";
  info.source = "test";
  std::string error;
  auto writer = drift::BaselineWriter::Begin((folder_ / "store.db").string(), info, false, &error);
  ASSERT_TRUE(writer) << error;
  drift::DistributionSketch same, shifted;
  GoldenDataset spec{kModels + "/golden.csv", "golden.csv", "label", {}, 0.5};
  GoldenData golden;
  ASSERT_TRUE(ReadGolden(spec, &golden, &error)) << error;
  const size_t width = golden.feature_names.size();
  for (std::int64_t r = 0; r < golden.rows; ++r) {
    same.Add(golden.features[r * width + 3]);        // s2
    shifted.Add(golden.features[r * width + 4] + 50);  // s3 + 50
  }
  ASSERT_TRUE(writer->Add("cohort/site=a/s2", same, &error)) << error;
  ASSERT_TRUE(writer->Add("cohort/site=a/s3", shifted, &error)) << error;
  ASSERT_TRUE(writer->Commit(&info, &error)) << error;

  nlohmann::json manifest = Manifest(kModels + "/mlp.onnx", mlp_digest_);
  manifest["inputDrift"] = {{"baseline", "fleet-reference"},
                            {"streams", {{"s2", "cohort/site=a/s2"}, {"s3", "cohort/site=a/s3"}}}};
  Build({manifest});
  EXPECT_EQ(ModelFact("input_drift.columns").value, 2);
  EXPECT_EQ(ModelFact("input_drift.drifted").value, true);
  EXPECT_EQ(ModelFact("input_drift.drifted_columns").value, nlohmann::json({"s3"}));
  EXPECT_DOUBLE_EQ(ModelFact("input_drift.share").value->get<double>(), 0.5);
  EXPECT_EQ(ModelFact("input_drift.worst_column").value, "s3");

  manifest["inputDrift"]["streams"] = {{"s2", "cohort/site=b/s2"}};
  Build({manifest});
  EXPECT_NE(ModelFact("input_drift.drifted").error.find("has no entry 'cohort/site=b/s2'"), std::string::npos);
}

TEST_F(ModelFactsTest, DeploymentNamesItsArtifactsAndTargets) {
  const std::string firmware = (folder_ / "fw.bin").string();
  std::ofstream(firmware, std::ios::binary) << std::string(4096, '\x7f');
  const std::string firmware_digest = common::Sha256Hex(std::string(4096, '\x7f'));
  nlohmann::json deployment = {
      {"kind", "deployment"},
      {"id", "rc-1"},
      {"model", "rul"},
      {"firmware",
       {{"file", firmware},
        {"digest", "sha256:" + firmware_digest},
        {"signature", {{"key", "release"}, {"value", common::Base64Encode(key_.Sign(DigestBytes(firmware_digest)))}}}}},
      {"target", {{"selector", {{"site", "plant-a"}, {"hw.cpu", "a53"}}}}},
      {"rollout", {{"canaryShare", 0.05}}}};
  Build({Manifest(kModels + "/mlp.onnx", mlp_digest_), deployment,
         {{"kind", "device"}, {"id", "d1"}, {"site", "plant-a"}, {"hw", {{"cpu", "a53"}}}},
         {{"kind", "device"}, {"id", "d2"}, {"site", "plant-b"}, {"hw", {{"cpu", "a53"}}}},
         {{"kind", "device"}, {"id", "d3"}, {"site", "plant-a"}, {"hw", {{"cpu", "m4"}}}}});
  auto fact = [&](const std::string& name) { return Fact(SubjectKind::kDeployment, "rc-1", name); };
  EXPECT_EQ(fact("model_found").value, true);
  EXPECT_EQ(fact("model_digest_match").value, true);
  EXPECT_EQ(fact("model_signature_valid").value, true);
  EXPECT_EQ(fact("firmware.sha256").value, firmware_digest);
  EXPECT_EQ(fact("firmware.digest_match").value, true);
  EXPECT_EQ(fact("firmware.signature_valid").value, true);
  EXPECT_EQ(fact("firmware.size_bytes").value, 4096);
  EXPECT_EQ(fact("target.devices").value, 1);
  EXPECT_EQ(fact("target.device_ids").value, nlohmann::json({"d1"}));
  bool firmware_recorded = false;
  for (const auto& input : subjects_.inputs()) firmware_recorded |= input.path == firmware && input.sha256 == firmware_digest;
  EXPECT_TRUE(firmware_recorded);

  deployment["model"] = "other";
  std::ofstream(firmware, std::ios::binary) << "changed";
  Build({Manifest(kModels + "/mlp.onnx", mlp_digest_), deployment});
  EXPECT_EQ(fact("model_found").value, false);
  EXPECT_EQ(fact("firmware.digest_match").value, false);
  EXPECT_EQ(fact("firmware.signature_valid").value, false);
}

TEST_F(ModelFactsTest, BadArtifactsAndDatasetsAreClearErrors) {
  // A truncated model file.
  const std::string bytes = ReadFile(kModels + "/mlp.onnx");
  const std::string truncated = (folder_ / "truncated.onnx").string();
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  Build({Manifest(truncated, common::Sha256Hex(bytes.substr(0, bytes.size() / 2)))});
  EXPECT_EQ(ModelFact("digest_match").value, true);
  ComputedFact ops = ModelFact("ops");
  EXPECT_FALSE(ops.value.has_value());
  EXPECT_NE(ops.error.find(truncated), std::string::npos) << ops.error;

  // A golden dataset with a non-numeric cell, one without the label, one with too few columns.
  auto golden_error = [&](const std::string& csv, const std::string& expected) {
    const std::string path = (folder_ / "golden.csv").string();
    std::ofstream(path, std::ios::binary) << csv;
    nlohmann::json manifest = Manifest(kModels + "/mlp.onnx", mlp_digest_);
    manifest["golden"]["file"] = path;
    Build({manifest});
    const ComputedFact accuracy = ModelFact("eval.accuracy");
    EXPECT_NE(accuracy.error.find(expected), std::string::npos) << accuracy.error;
  };
  std::string header = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,label\n";
  std::string row = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,0\n";
  golden_error(header + row + "1,2,x3,4,5,6,7,8,9,10,11,12,13,14,15,16,1\n",
               "golden.csv: row 2: column 'c' holds 'x3', not a number");
  golden_error("a,b\n1,2\n", "missing column(s) label (the label column)");
  golden_error("a,b,label\n1,2,0\n", "the golden dataset " + (folder_ / "golden.csv").string() + " has 2 feature columns");
  golden_error(header + "1,2,,4,5,6,7,8,9,10,11,12,13,14,15,16,1\n", "row 1: column 'c' is empty");
}

TEST(ParseManifestTest, ExplainsWhatIsMissing) {
  subjects::Subject subject;
  subject.kind = SubjectKind::kModel;
  subject.id = "m";
  subject.location = {"inputs/models.yaml", 7};
  ModelManifest manifest;
  std::string error;
  subject.document = {{"kind", "model"}, {"id", "m"}, {"file", "m.onnx"}};
  EXPECT_FALSE(ParseManifest(subject, &manifest, &error));
  EXPECT_EQ(error,
            "inputs/models.yaml:7: model 'm': 'digest' is missing: give the approved file's 'sha256:<hex>' (stagegate "
            "model inspect prints it)");
  subject.document = {{"kind", "model"}, {"id", "m"}, {"file", "m.onnx"}, {"digest", "sha256:12"}};
  EXPECT_FALSE(ParseManifest(subject, &manifest, &error));
  EXPECT_EQ(error, "inputs/models.yaml:7: model 'm': 'digest' must be 'sha256:' and 64 hex digits");
  subject.document = {{"kind", "model"}, {"id", "m"}, {"file", "m.onnx"},
                      {"digest", "sha256:" + std::string(64, 'a')}, {"task", "ranking"}};
  EXPECT_FALSE(ParseManifest(subject, &manifest, &error));
  EXPECT_EQ(error, "inputs/models.yaml:7: model 'm': 'task' is 'ranking'; use classification, regression or anomaly");
  subject.document["task"] = "regression";
  subject.document["golden"] = {{"file", "g.csv"}};
  EXPECT_FALSE(ParseManifest(subject, &manifest, &error));
  EXPECT_EQ(error, "inputs/models.yaml:7: model 'm': 'golden.label' is missing: the name of the label column");
  subject.document["golden"]["label"] = "y";
  ASSERT_TRUE(ParseManifest(subject, &manifest, &error)) << error;
  EXPECT_EQ(manifest.model.path, "inputs/m.onnx");
  EXPECT_EQ(manifest.golden->path, "inputs/g.csv");
  EXPECT_EQ(manifest.task, ModelTask::kRegression);
}

}  // namespace
}  // namespace stagegate::models
