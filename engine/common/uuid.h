#pragma once
// RFC 9562 UUIDs: random (version 4) for documents and runs, name-based
// (version 5, SHA-1) for identifiers that must be the same every time the
// same thing is named (OSCAL observations and findings).

#include <string>
#include <string_view>

namespace stagegate::common {

// A random UUID from OpenSSL's CSPRNG, lowercase "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUuidV4();

// The version 5 UUID of `name` in `namespace_uuid` (itself a UUID string);
// returns "" when namespace_uuid is not a UUID.
std::string UuidV5(std::string_view namespace_uuid, std::string_view name);

// True for a canonical lowercase or uppercase 8-4-4-4-12 hex UUID.
bool IsUuid(std::string_view text);

}  // namespace stagegate::common
