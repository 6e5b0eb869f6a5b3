#include "evaluators/devices/mqtt_acl.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <re2/re2.h>

namespace stagegate::devices {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string_view FirstWord(std::string_view text, std::string_view* rest) {
  const size_t end = text.find_first_of(" \t");
  *rest = end == std::string_view::npos ? std::string_view() : Trim(text.substr(end));
  return text.substr(0, end);
}

std::vector<std::string_view> Levels(std::string_view topic) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  while (true) {
    const size_t slash = topic.find('/', start);
    levels.push_back(topic.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return levels;
}

// The regular expression of the topics an MQTT filter matches: `+` is one
// level (possibly empty), a final `#` the level above and everything below it.
std::string FilterRegex(std::string_view filter) {
  const std::vector<std::string_view> levels = Levels(filter);
  std::string regex;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] == "#" && i + 1 == levels.size()) {
      regex += i == 0 ? ".*" : "(/.*)?";
      break;
    }
    if (i > 0) regex += "/";
    regex += levels[i] == "+" ? "[^/]*" : RE2::QuoteMeta(std::string(levels[i]));
  }
  return regex;
}

// The most general topic `filter` matches: every `+` level and a final `#`
// become levels no literal level can equal, so that the instance lies in a
// subtree only when the whole filter does.
std::string GeneralInstance(std::string_view filter) {
  constexpr std::string_view kAnyLevel = "\x01";
  std::string instance;
  const std::vector<std::string_view> levels = Levels(filter);
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) instance += "/";
    if (levels[i] == "+") {
      instance += kAnyLevel;
    } else if (levels[i] == "#") {
      instance += fmt::format("{0}/{0}", kAnyLevel);
    } else {
      instance += levels[i];
    }
  }
  return instance;
}

// The topics that stand for every topic `filter` matches when judging
// whether another filter matches them all: its most general instance, and for
// a final `#` also the parent level alone and one level below it (a `#`
// matches zero, one or more levels; a cover must match each depth).
std::vector<std::string> GeneralInstances(std::string_view filter) {
  std::vector<std::string> instances = {GeneralInstance(filter)};
  if (filter == "#") {
    instances.push_back("\x01");
  } else if (filter.ends_with("/#")) {
    const std::string_view parent = filter.substr(0, filter.size() - 2);
    instances.push_back(GeneralInstance(parent));
    instances.push_back(GeneralInstance(parent) + "/\x01");
  }
  return instances;
}

bool HasWildcard(std::string_view filter) { return filter.find_first_of("+#") != std::string_view::npos; }

std::string Substitute(std::string_view topic, std::string_view username, std::string_view client_id) {
  std::string out;
  for (size_t i = 0; i < topic.size(); ++i) {
    if (topic[i] == '%' && i + 1 < topic.size() && (topic[i + 1] == 'u' || topic[i + 1] == 'c')) {
      out += topic[i + 1] == 'u' ? username : client_id;
      ++i;
    } else {
      out += topic[i];
    }
  }
  return out;
}

}  // namespace

bool ParseAcl(std::string_view text, AclFile* acl, std::string* error) {
  std::string user;
  int line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = Trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) {
      *error = fmt::format("line {}: a NUL byte: an acl_file is text", line_number);
      return false;
    }
    std::string_view rest;
    const std::string_view keyword = FirstWord(line, &rest);
    if (keyword == "user") {
      if (rest.empty()) {
        *error = fmt::format("line {}: 'user' needs a username", line_number);
        return false;
      }
      user = std::string(rest);
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      *error = fmt::format("line {}: unknown directive '{}'; an acl_file has 'user', 'topic' and 'pattern' lines",
                           line_number, keyword.substr(0, 40));
      return false;
    }
    AclEntry entry;
    entry.pattern = keyword == "pattern";
    entry.user = entry.pattern ? "" : user;
    entry.line = line_number;
    std::string_view after;
    const std::string_view word = FirstWord(rest, &after);
    if (word == "read" || word == "write" || word == "readwrite" || word == "deny") {
      entry.access = word == "read"    ? AclAccess::kRead
                     : word == "write" ? AclAccess::kWrite
                     : word == "deny"  ? AclAccess::kDeny
                                       : AclAccess::kReadWrite;
      rest = after;
    }
    if (rest.empty()) {
      *error = fmt::format("line {}: '{}' needs a topic filter", line_number, keyword);
      return false;
    }
    entry.topic = std::string(rest);
    if (entry.pattern) {
      acl->pattern_lines.push_back(acl->entries.size());
    } else if (!entry.user.empty()) {
      acl->topic_lines_of_user[entry.user].push_back(acl->entries.size());
    }
    acl->entries.push_back(std::move(entry));
  }
  return true;
}

std::vector<std::string> GrantedTopics(const AclFile& acl, std::string_view username, std::string_view client_id) {
  std::set<std::string> topics;
  for (size_t line : acl.pattern_lines) {
    const AclEntry& entry = acl.entries[line];
    if (entry.access != AclAccess::kDeny) topics.insert(Substitute(entry.topic, username, client_id));
  }
  if (auto own = acl.topic_lines_of_user.find(std::string(username)); own != acl.topic_lines_of_user.end()) {
    for (size_t line : own->second) {
      const AclEntry& entry = acl.entries[line];
      if (entry.access != AclAccess::kDeny) topics.insert(entry.topic);
    }
  }
  return {topics.begin(), topics.end()};
}

bool OverbroadTopics(const std::vector<std::string>& granted, std::string_view topic_root,
                     const std::vector<std::string>* needed, std::vector<std::string>* overbroad,
                     std::string* error) {
  while (topic_root.ends_with('/')) topic_root.remove_suffix(1);
  if (topic_root.empty() || HasWildcard(topic_root)) {
    *error = fmt::format("mqtt.topic_root '{}' must be a topic without wildcards (the device's own subtree)",
                         topic_root);
    return false;
  }
  if (needed != nullptr) {
    for (size_t i = 0; i < needed->size(); ++i) {
      if (!IsTopicFilter((*needed)[i])) {
        *error = fmt::format("mqtt.topics[{}] '{}' is not a topic filter ('+' only as a whole level, '#' only as "
                             "the whole last level)",
                             i, (*needed)[i]);
        return false;
      }
    }
  }
  const RE2 subtree(RE2::QuoteMeta(std::string(topic_root)) + "(/.*)?");
  for (const std::string& filter : granted) {
    if (!RE2::FullMatch(GeneralInstance(filter), subtree)) {
      overbroad->push_back(filter);
      continue;
    }
    if (needed == nullptr || !HasWildcard(filter)) continue;
    const bool covered = std::any_of(needed->begin(), needed->end(),
                                     [&](const std::string& use) { return FilterCovers(use, filter); });
    if (covered) continue;
    std::vector<std::string> under;
    for (const std::string& use : *needed) {
      if (FilterCovers(filter, use)) under.push_back(use);
    }
    const std::vector<std::string>& named = under.empty() ? *needed : under;
    overbroad->push_back(named.empty()
                             ? fmt::format("{} (the device uses no topics)", filter)
                             : fmt::format("{} (wider than the topics it uses: {})", filter, fmt::join(named, ", ")));
  }
  return true;
}

bool IsTopicFilter(std::string_view filter) {
  if (filter.empty()) return false;
  const std::vector<std::string_view> levels = Levels(filter);
  for (size_t i = 0; i < levels.size(); ++i) {
    const std::string_view level = levels[i];
    if (level == "+" || (level == "#" && i + 1 == levels.size())) continue;
    if (HasWildcard(level)) return false;
  }
  return true;
}

bool FilterCovers(std::string_view cover, std::string_view filter) {
  const RE2 regex(FilterRegex(cover));
  if (!regex.ok()) return false;
  for (const std::string& instance : GeneralInstances(filter)) {
    if (!RE2::FullMatch(instance, regex)) return false;
  }
  return true;
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  const RE2 regex(FilterRegex(filter));
  return regex.ok() && RE2::FullMatch(topic, regex);
}

}  // namespace stagegate::devices
