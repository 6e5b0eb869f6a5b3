#pragma once
// Where a policy bundle comes from: a directory, or a revision of a git
// repository read straight from its object database (no checkout).

#include <string>
#include <vector>

namespace stagegate::bundle {

// One file of the bundle, as read from disk or from a git tree.
struct BundleFile {
  std::string path;     // relative to the bundle root, '/'-separated ("packs/telemetry/rules.yaml")
  std::string content;  // raw bytes
};

// The provenance every result names.
struct SourceInfo {
  std::string kind;        // "directory" or "git"
  std::string location;    // the directory or repository path as given (absolute)
  std::string ref;         // the revision asked for (git), empty for a directory
  std::string commit;      // hex commit id: the resolved revision (git), or HEAD of the work tree holding the directory
  std::string tree;        // hex tree id of the bundle root at that commit (empty when not in git)
  bool in_git = false;     // the directory is inside a git working tree
  bool dirty = false;      // the directory's work tree has uncommitted changes under the bundle root
  // The bundle root relative to the top level of its repository or work
  // tree, '/'-separated, no trailing slash: "policies" for --policies
  // repo/policies or ReadGitRevision(..., "policies"); empty at the top level
  // or outside git. Reports prefix it to BundleFile paths to name files as
  // the repository does (SARIF locations for code scanning).
  std::string path_in_repo;
};

struct Bundle {
  SourceInfo source;
  std::vector<BundleFile> files;  // policy files (*.yaml, *.yml, *.json), sorted by path
};

// Outcome of reading a source. `error` is one line naming the path or
// revision and what to do (e.g. "policies/: no such directory; check --policies").
struct ReadResult {
  Bundle bundle;
  std::string error;
  bool ok() const { return error.empty(); }
};

// Reads every policy file under `directory` (any depth; hidden folders and
// files skipped), in path order. Records whether the directory is in a git
// work tree, its HEAD commit and whether it has uncommitted changes.
ReadResult ReadDirectory(const std::string& directory);

// Reads every policy file of `revision` (branch, tag, commit id, or any
// revision expression libgit2 accepts, e.g. "HEAD~1") of the repository at
// `repository`, optionally only below `subdirectory`, straight from the object
// database: the working tree and index are neither read nor touched.
ReadResult ReadGitRevision(const std::string& repository, const std::string& revision,
                           const std::string& subdirectory = "");

}  // namespace stagegate::bundle
