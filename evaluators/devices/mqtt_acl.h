#pragma once
// Mosquitto ACL files (the broker's `acl_file`) and what they grant one
// device. Supported, as mosquitto reads them:
//   # comment                      blank lines and comments are skipped
//   user <username>                starts the section of one user
//   topic [read|write|readwrite|deny] <topic>
//                                  grants (or denies) a topic filter to the
//                                  current user; before any `user` line, to
//                                  anonymous clients (not to a device)
//   pattern [read|write|readwrite|deny] <topic>
//                                  grants a filter to every client, with %u
//                                  replaced by the username and %c by the
//                                  client id
// The access word is optional (readwrite when omitted); a topic may contain
// spaces. Any other line is an error naming its line.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stagegate::devices {

enum class AclAccess { kRead, kWrite, kReadWrite, kDeny };

struct AclEntry {
  bool pattern = false;  // a `pattern` line (every client) rather than a `topic` line
  std::string user;      // the section's user for `topic` lines ("" before any `user` line)
  AclAccess access = AclAccess::kReadWrite;
  std::string topic;     // the filter as written (before %u/%c substitution)
  int line = 0;
};

struct AclFile {
  std::vector<AclEntry> entries;
  // Filled by ParseAcl, so that what one user is granted is found without
  // reading a broker's whole file (one file often serves thousands of
  // devices): the positions in `entries` of each user's `topic` lines, and
  // of every `pattern` line.
  std::unordered_map<std::string, std::vector<size_t>> topic_lines_of_user;
  std::vector<size_t> pattern_lines;
};

// Parses the text of an acl_file. False with `error` = "line N: message".
bool ParseAcl(std::string_view text, AclFile* acl, std::string* error);

// Returns the topic filters `username` (with client id `client_id`) may read
// or write: its `topic` lines and every `pattern` line after substitution,
// without `deny` ones, sorted and unique. `acl` is as ParseAcl filled it.
std::vector<std::string> GrantedTopics(const AclFile& acl, std::string_view username, std::string_view client_id);

// Returns the filters of `granted` broader than the device needs, in
// `granted`'s order:
//  - a filter reaching beyond `topic_root`'s subtree (`topic_root` itself and
//    `topic_root/...`): a filter on another subtree, or a wildcard (`#`, `+`)
//    at or above the root's levels; listed as written;
//  - when `needed` (the filters the device uses: its record's mqtt.topics) is
//    given, a wildcard filter inside the subtree that matches some topic no
//    needed filter matches; listed with the reason, for example
//    "fleet/a/dev-1/# (wider than the topics it uses: fleet/a/dev-1/telemetry/#)",
//    naming the needed filters it covers (every needed filter when it covers
//    none).
// Null `needed` leaves only the first case. False with `error` when the root
// is empty or holds a wildcard, or a needed filter is not a topic filter.
bool OverbroadTopics(const std::vector<std::string>& granted, std::string_view topic_root,
                     const std::vector<std::string>* needed, std::vector<std::string>* overbroad,
                     std::string* error);

// True when `filter` is a valid MQTT topic filter: not empty, `+` only as a
// whole level, `#` only as the whole last level.
bool IsTopicFilter(std::string_view filter);

// True when every topic `filter` matches is matched by `cover` as well.
bool FilterCovers(std::string_view cover, std::string_view filter);

// True when the MQTT topic filter `filter` (with `+` and `#`) matches `topic`.
bool TopicMatches(std::string_view filter, std::string_view topic);

}  // namespace stagegate::devices
