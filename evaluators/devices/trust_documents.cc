#include "evaluators/devices/trust_documents.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_limits.h"

namespace stagegate::devices {

std::string FormatTrustDocumentError(const TrustDocumentError& error) {
  return fmt::format("{}:{}:{}: error: {}", error.file, error.line, error.column, error.message);
}

namespace {

constexpr std::string_view kKinds[] = {"TrustAnchors", "KeySet", "FirmwareMeasurements", "VulnerabilityList"};

class Reader {
 public:
  Reader(const bundle::BundleFile& file, TrustDocuments* out) : file_(file), out_(out) {}

  void Read() {
    const std::string& text = file_.content;
    if (std::none_of(std::begin(kKinds), std::end(kKinds),
                     [&](std::string_view kind) { return text.find(kind) != std::string::npos; })) {
      return;
    }
    if (cel::FindNulByte(text) || cel::FindLeadingComma(text)) return;  // the policy loader reports these
    std::vector<YAML::Node> documents;
    try {
      documents = cel::LoadYamlDocuments(text);
    } catch (const YAML::Exception&) {
      return;  // the policy loader reports syntax errors with their position
    }
    for (const YAML::Node& root : documents) {
      if (!root.IsMap() || !cel::YamlWithinBudget(root)) continue;
      const YAML::Node kind = root["kind"];
      if (!kind || !kind.IsScalar()) continue;
      try {
        const std::string& name = kind.Scalar();
        if (name != "TrustAnchors" && name != "KeySet" && name != "FirmwareMeasurements" &&
            name != "VulnerabilityList") {
          continue;
        }
        if (!HasName(root)) continue;
        const YAML::Node spec = root["spec"];
        if (!spec || !spec.IsMap()) {
          Error(root, fmt::format("a {} document needs a 'spec' mapping", name));
          continue;
        }
        if (name == "TrustAnchors") ReadAnchors(spec);
        if (name == "KeySet") ReadKeySet(root);
        if (name == "FirmwareMeasurements") ReadMeasurements(root, spec);
        if (name == "VulnerabilityList") ReadVulnerabilities(root, spec);
      } catch (const YAML::Exception& e) {
        Error(root, fmt::format("malformed {} document: {}", kind.Scalar(), e.what()));
      }
    }
  }

 private:
  void Error(const YAML::Node& at, std::string message) {
    const YAML::Mark mark = at.Mark();
    out_->errors.push_back({file_.path, mark.line + 1, mark.column + 1, std::move(message)});
  }

  bool HasName(const YAML::Node& root) {
    const YAML::Node metadata = root["metadata"];
    const YAML::Node name = metadata && metadata.IsMap() ? metadata["name"] : YAML::Node();
    if (!name || !name.IsScalar() || name.Scalar().empty()) {
      Error(root, "missing 'metadata.name'; give the document a name");
      return false;
    }
    return true;
  }

  void ReadAnchors(const YAML::Node& spec) {
    const YAML::Node certificates = spec["certificates"];
    if (!certificates || !certificates.IsSequence() || certificates.size() == 0) {
      Error(spec, "a TrustAnchors document needs 'spec.certificates': a list of PEM root certificates");
      return;
    }
    for (const YAML::Node& pem : certificates) {
      const std::string why = pem.IsScalar() ? TrustStore::CheckCertificatePem(pem.Scalar()) : "not a PEM text";
      if (!why.empty()) {
        Error(pem, fmt::format("trust anchor: {}", why));
        continue;
      }
      out_->root_pems.push_back(pem.Scalar());
    }
    if (const YAML::Node crls = spec["crls"]) {
      if (!crls.IsSequence()) {
        Error(crls, "'spec.crls' must be a list of PEM CRLs");
        return;
      }
      for (const YAML::Node& pem : crls) {
        const std::string why = pem.IsScalar() ? TrustStore::CheckCrlPem(pem.Scalar()) : "not a PEM text";
        if (!why.empty()) {
          Error(pem, fmt::format("CRL: {}", why));
          continue;
        }
        out_->crl_pems.push_back(pem.Scalar());
      }
    }
  }

  void ReadKeySet(const YAML::Node& root) {
    keys::ReadKeySet(root, &out_->keys, [this](const YAML::Node& at, const std::string& message) { Error(at, message); });
  }

  void ReadMeasurements(const YAML::Node& root, const YAML::Node& spec) {
    const YAML::Node versions = spec["versions"];
    if (!versions || !versions.IsMap()) {
      Error(root, "a FirmwareMeasurements document needs 'spec.versions': {\"4.2.0\": {pcr0: <hex>, ...}}");
      return;
    }
    out_->has_measurements = true;
    for (const auto& item : versions) {
      const std::string version = item.first.as<std::string>();
      if (!item.second.IsMap() || item.second.size() == 0) {
        Error(item.second, fmt::format("version '{}': expected a map of PCR name to hex value", version));
        continue;
      }
      std::map<std::string, std::string> pcrs;
      for (const auto& pcr : item.second) {
        std::string hex = pcr.second.IsScalar() ? pcr.second.Scalar() : "";
        std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
        if (hex.empty() || hex.size() % 2 != 0 ||
            !std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); })) {
          Error(pcr.second, fmt::format("version '{}': {} must be a hex digest", version, pcr.first.as<std::string>()));
          continue;
        }
        pcrs[pcr.first.as<std::string>()] = hex;
      }
      if (!out_->measurements.emplace(version, std::move(pcrs)).second) {
        Error(item.first, fmt::format("firmware version '{}' is measured twice", version));
      }
    }
  }

  void ReadVulnerabilities(const YAML::Node& root, const YAML::Node& spec) {
    const YAML::Node entries = spec["entries"];
    if (!entries || !entries.IsSequence()) {
      Error(root, "a VulnerabilityList needs 'spec.entries': a list of {component, versions, id, severity}");
      return;
    }
    out_->has_vulnerabilities = true;
    for (const YAML::Node& entry : entries) {
      const YAML::Node component = entry.IsMap() ? entry["component"] : YAML::Node();
      const YAML::Node versions = entry.IsMap() ? entry["versions"] : YAML::Node();
      const YAML::Node id = entry.IsMap() ? entry["id"] : YAML::Node();
      if (!component || !component.IsScalar() || !versions || !versions.IsSequence() || !id || !id.IsScalar()) {
        Error(entry, "each entry needs 'component', 'versions' (a list) and 'id'");
        continue;
      }
      Vulnerability vulnerability;
      vulnerability.component = component.Scalar();
      vulnerability.id = id.Scalar();
      for (const YAML::Node& version : versions) vulnerability.versions.push_back(version.as<std::string>());
      if (const YAML::Node severity = entry["severity"]; severity && severity.IsScalar()) {
        vulnerability.severity = severity.Scalar();
      }
      out_->vulnerabilities.push_back(std::move(vulnerability));
    }
  }

  const bundle::BundleFile& file_;
  TrustDocuments* out_;
};

}  // namespace

void ReadTrustDocuments(const bundle::BundleFile& file, TrustDocuments* out) { Reader(file, out).Read(); }

TrustDocuments LoadTrustDocuments(const bundle::Bundle& bundle) {
  TrustDocuments documents;
  for (const bundle::BundleFile& file : bundle.files) ReadTrustDocuments(file, &documents);
  return documents;
}

}  // namespace stagegate::devices
