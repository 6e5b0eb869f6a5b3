#include "engine/cli/model_support.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "engine/cli/authoring_support.h"
#include "engine/common/digest.h"
#include "engine/common/encoding.h"
#include "evaluators/models/model_facts.h"

namespace stagegate::cli::model_support {

bool AddModelProviders(const bundle::Bundle& bundle, const std::string& store_path, subjects::SubjectSet* subjects,
                       subjects::FactProviderRegistry* registry) {
  if (subjects->OfKind(facts::SubjectKind::kModel).empty() &&
      subjects->OfKind(facts::SubjectKind::kDeployment).empty()) {
    return true;
  }
  models::RepositoryDocuments documents = models::LoadRepositoryDocuments(bundle);
  if (!documents.ok()) {
    for (const models::DocumentError& error : documents.errors) std::cerr << models::FormatDocumentError(error) << "\n";
    return false;
  }
  models::ModelGateOptions options;
  options.store_path = store_path;
  std::vector<std::string> errors;
  std::shared_ptr<const models::ModelGate> gate =
      models::ModelGate::Create(std::move(documents), subjects, std::move(options), &errors);
  for (const std::string& error : errors) std::cerr << "error: " << error << "\n";
  if (!gate) return false;
  gate->RegisterProviders(registry);
  return true;
}

namespace {

nlohmann::json FactJson(const subjects::ComputedFact& fact) {
  if (!fact.error.empty()) return {{"error", fact.error}};
  return fact.value ? *fact.value : nlohmann::json();
}

std::string FactText(const subjects::ComputedFact& fact) {
  if (!fact.error.empty()) return "error: " + fact.error;
  if (!fact.value) return "-";
  return fact.value->is_string() ? fact.value->get<std::string>() : fact.value->dump();
}

}  // namespace

int InspectManifest(const ManifestInspection& request) {
  subjects::SubjectSet inputs = subjects::LoadInputs({request.manifest});
  if (!inputs.ok()) {
    for (const subjects::InputError& error : inputs.errors()) std::cerr << subjects::FormatInputError(error) << "\n";
    return 2;
  }
  if (inputs.OfKind(facts::SubjectKind::kModel).empty()) {
    std::cerr << "error: " << request.manifest << ": holds no 'kind: model' document (a model manifest)\n";
    return 2;
  }
  bundle::Bundle bundle;
  if (!request.policies.empty() && !authoring::ReadSource(request.policies, request.revision, &bundle)) return 2;
  subjects::FactProviderRegistry registry;
  if (!AddModelProviders(bundle, request.store, &inputs, &registry)) return 2;
  const facts::FactSchema schema = authoring::CoreSchema();
  nlohmann::json out = nlohmann::json::object();
  for (const subjects::Subject* model : inputs.OfKind(facts::SubjectKind::kModel)) {
    nlohmann::json facts_of_model = nlohmann::json::object();
    if (!request.json) std::cout << "model " << model->id << "\n";
    for (const facts::FactDef* fact : schema.FactsOf(facts::SubjectKind::kModel)) {
      if (fact->origin != facts::FactOrigin::kComputed) continue;
      const subjects::FactProvider* provider = registry.Find(facts::SubjectKind::kModel, fact->name);
      if (provider == nullptr) continue;
      const subjects::ComputedFact value = provider->Compute(*model, fact->name);
      if (request.json) {
        facts_of_model["model." + fact->name] = FactJson(value);
      } else {
        std::cout << fmt::format("  {:<46} {}\n", "model." + fact->name, FactText(value));
      }
    }
    out[model->id] = std::move(facts_of_model);
  }
  if (request.json) std::cout << out.dump(2) << "\n";
  return 0;
}

int SignArtifact(const std::string& file, const std::string& key_path) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "error: " << file << ": cannot open the file to sign\n";
    return 2;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string hex = common::Sha256Hex(bytes);
  std::string digest;
  for (size_t i = 0; i < hex.size(); i += 2) digest.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));

  FILE* key_file = std::fopen(key_path.c_str(), "rb");
  if (key_file == nullptr) {
    std::cerr << "error: " << key_path << ": cannot open the private key\n";
    return 2;
  }
  EVP_PKEY* key = PEM_read_PrivateKey(key_file, nullptr, nullptr, nullptr);
  std::fclose(key_file);
  const bool ed25519 = key != nullptr && EVP_PKEY_is_a(key, "ED25519");
  char group[64] = {0};
  size_t group_length = 0;
  const bool p256 = key != nullptr && EVP_PKEY_is_a(key, "EC") &&
                    EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &group_length) == 1 &&
                    std::string_view(group) == "prime256v1";
  if (!ed25519 && !p256) {
    EVP_PKEY_free(key);
    std::cerr << "error: " << key_path
              << ": not an Ed25519 or ECDSA P-256 private key in PEM (make one with 'openssl genpkey -algorithm "
                 "ed25519')\n";
    return 2;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  size_t length = 0;
  std::string signature;
  const auto* message = reinterpret_cast<const unsigned char*>(digest.data());
  bool ok = context != nullptr && EVP_DigestSignInit(context, nullptr, ed25519 ? nullptr : EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(context, nullptr, &length, message, digest.size()) == 1;
  if (ok) {
    signature.resize(length);
    ok = EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length, message, digest.size()) == 1;
    signature.resize(length);
  }
  EVP_MD_CTX_free(context);
  EVP_PKEY_free(key);
  if (!ok) {
    std::cerr << "error: signing with " << key_path << " failed\n";
    return 2;
  }
  std::cerr << fmt::format("{}: sha256:{} signed with {} ({})\n", file, hex, key_path, ed25519 ? "ed25519" : "ecdsa-p256");
  std::cout << common::Base64Encode(signature) << "\n";
  return 0;
}

}  // namespace stagegate::cli::model_support
