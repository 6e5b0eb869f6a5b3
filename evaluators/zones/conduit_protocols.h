#pragma once
// What a conduit's protocols protect: IEC 62443-3-3 SR 5.2 asks that traffic
// crossing zones of different target levels be protected; Stagegate accepts
// a protocol there only when it both encrypts and authenticates the peers.

#include <string_view>

namespace stagegate::zones {

enum class ProtocolProtection {
  kEncryptedAuthenticated,  // mqtts, https, ssh, OPC UA SignAndEncrypt, IPsec, ...
  kUnprotected,             // mqtt, http, modbus-tcp, OPC UA with None or Sign only, ...
  kUnknown,                 // a name Stagegate does not know: treated as unprotected
};

// Classifies a protocol name (case-insensitive; '_' and ' ' read as '-').
ProtocolProtection ClassifyProtocol(std::string_view protocol);

}  // namespace stagegate::zones
