#include "evaluators/zones/conduit_protocols.h"

#include <algorithm>
#include <string>

namespace stagegate::zones {
namespace {

// Protocols whose standard profile encrypts the traffic and authenticates
// both ends (TLS/DTLS with certificates, SSH, IPsec, WireGuard, OPC UA's
// SignAndEncrypt security mode).
constexpr std::string_view kProtected[] = {
    "amqps",   "coaps",       "dtls",  "ftps",    "grpcs", "https",     "ipsec", "ldaps",
    "modbus-security", "mqtts", "opcua-signandencrypt", "openvpn", "sftp", "ssh", "tls", "wireguard", "wss"};

// Protocols in common industrial and IoT use that send in clear or only sign.
constexpr std::string_view kUnprotected[] = {
    "amqp",   "bacnet", "coap",   "dnp3",    "ethernet-ip", "ftp",   "grpc",        "http",      "modbus",
    "modbus-rtu", "modbus-tcp", "mqtt", "ntp", "opcua-none", "opcua-sign", "profinet", "s7", "snmp", "snmpv1",
    "snmpv2c", "syslog", "telnet", "tftp", "ws"};

std::string Normalize(std::string_view protocol) {
  std::string out;
  out.reserve(protocol.size());
  for (char c : protocol) {
    if (c == '_' || c == ' ') c = '-';
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

ProtocolProtection ClassifyProtocol(std::string_view protocol) {
  const std::string name = Normalize(protocol);
  if (std::find(std::begin(kProtected), std::end(kProtected), name) != std::end(kProtected)) {
    return ProtocolProtection::kEncryptedAuthenticated;
  }
  if (std::find(std::begin(kUnprotected), std::end(kUnprotected), name) != std::end(kUnprotected)) {
    return ProtocolProtection::kUnprotected;
  }
  return ProtocolProtection::kUnknown;
}

}  // namespace stagegate::zones
