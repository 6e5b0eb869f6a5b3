// Bundle sources: a directory on disk, or a revision read from a git object
// database with libgit2. libgit2 types never leave this file.

#include "engine/bundle/bundle_source.h"

#include <git2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

// libgit2's TLS trust store, which Stagegate never needs (ADR 5). Debian's
// libgit2 is built with mbedTLS, and git_libgit2_init parses the whole system
// CA bundle into the configuration of its HTTPS transport: 5 to 6 ms, half of
// a `stagegate gate`. Stagegate reads local object databases only; it never
// fetches, clones or pushes. These definitions take the place of mbedTLS's two
// certificate loaders in the whole process (the executable's symbols come
// first in the dynamic linker's search order; engine/CMakeLists.txt exports
// them, and libgit2 is mbedTLS's only user here): they load nothing and report
// success. libgit2's HTTPS transport then trusts no certificate authority, so
// a TLS connection, were one ever opened, would fail certificate verification
// rather than succeed unverified. A feature that talks to a remote over HTTPS
// must remove them.
extern "C" {
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(mbedtls_x509_crt* /*chain*/, const char* /*path*/) { return 0; }
int mbedtls_x509_crt_parse_path(mbedtls_x509_crt* /*chain*/, const char* /*path*/) { return 0; }
}

namespace stagegate::bundle {
namespace {

namespace fs = std::filesystem;

// Initialises libgit2 exactly once per process, thread-safely (a function-local
// static), and shuts it down at exit.
class Libgit2 {
 public:
  static void Ensure() { static const Libgit2 instance; }

 private:
  Libgit2() { git_libgit2_init(); }
  ~Libgit2() { git_libgit2_shutdown(); }
};

// Owning handles for libgit2 objects.
template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using RepositoryPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using StatusListPtr = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;

// Returns libgit2's description of its last error on this thread.
std::string GitMessage() {
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr || *error->message == '\0') return "unknown libgit2 error";
  std::string message = error->message;
  while (!message.empty() && (message.back() == '\n' || message.back() == '.')) message.pop_back();
  return message;
}

std::string OidHex(const git_oid* oid) {
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof buffer, oid);
  return buffer;
}

bool IsPolicyFile(std::string_view name) {
  for (std::string_view extension : {".yaml", ".yml", ".json"}) {
    if (name.size() > extension.size() && name.substr(name.size() - extension.size()) == extension) return true;
  }
  return false;
}

bool IsHidden(std::string_view name) { return !name.empty() && name.front() == '.'; }

// Returns `path` made absolute and normalised, without a trailing separator.
std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) absolute = path;
  std::string text = absolute.lexically_normal().generic_string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// Returns the path of `inner` relative to `outer` ('/'-separated, "" when they
// are the same folder), or nullopt when `inner` is not inside `outer`. Both are
// resolved through symlinks first, since libgit2 reports resolved paths.
std::optional<std::string> RelativeInside(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(inner, ec);
  if (ec) return std::nullopt;
  const fs::path b = fs::weakly_canonical(outer, ec);
  if (ec) return std::nullopt;
  const fs::path relative = a.lexically_relative(b);
  if (relative.empty()) return std::nullopt;
  const std::string text = relative.generic_string();
  if (text == ".") return std::string();
  if (text == ".." || text.starts_with("../")) return std::nullopt;
  std::string result = text;
  while (!result.empty() && result.back() == '/') result.pop_back();
  return result;
}

// Normalises a subdirectory given by the caller: '/'-separated, no "." parts,
// no leading or trailing '/'. Returns nullopt when it escapes the root ("..").
std::optional<std::string> NormaliseSubdirectory(const std::string& subdirectory) {
  std::string result;
  std::string_view rest = subdirectory;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    if (!result.empty()) result += '/';
    result += part;
  }
  return result;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

// ---------------------------------------------------------------------------
// Directory

// Fills the git provenance of a directory: whether it is in a work tree, the
// HEAD commit, the tree of the directory at HEAD and whether anything under it
// is uncommitted. Returns an error message, or "" on success (also when the
// directory is simply not in git).
std::string DescribeWorkTree(const std::string& directory, SourceInfo* source) {
  Libgit2::Ensure();
  git_repository* raw_repo = nullptr;
  const int open = git_repository_open_ext(&raw_repo, directory.c_str(), 0, nullptr);
  if (open == GIT_ENOTFOUND) return "";
  if (open < 0) {
    return directory + ": cannot open the git repository holding it: " + GitMessage() +
           "; repair the repository or copy the policies to a plain folder";
  }
  RepositoryPtr repo(raw_repo);
  const char* workdir = git_repository_workdir(repo.get());
  if (workdir == nullptr) return "";  // a folder inside a bare repository's git directory: not a work tree
  const std::optional<std::string> relative = RelativeInside(directory, workdir);
  if (!relative) return "";
  // A folder inside the .git directory of a work tree is not part of the work tree.
  if (*relative == ".git" || relative->starts_with(".git/")) return "";
  source->in_git = true;
  source->path_in_repo = *relative;

  // HEAD: an unborn branch (no commit yet) leaves commit and tree empty.
  git_object* raw_head = nullptr;
  const int head = git_revparse_single(&raw_head, repo.get(), "HEAD^{commit}");
  if (head == 0) {
    ObjectPtr head_commit(raw_head);
    source->commit = OidHex(git_object_id(head_commit.get()));
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, reinterpret_cast<git_commit*>(head_commit.get())) < 0) {
      return directory + ": cannot read the tree of HEAD (" + source->commit + "): " + GitMessage() +
             "; check the repository with 'git fsck'";
    }
    TreePtr tree(raw_tree);
    if (relative->empty()) {
      source->tree = OidHex(git_tree_id(tree.get()));
    } else {
      git_tree_entry* raw_entry = nullptr;
      const int found = git_tree_entry_bypath(&raw_entry, tree.get(), relative->c_str());
      if (found == 0) {
        TreeEntryPtr entry(raw_entry);
        if (git_tree_entry_type(entry.get()) == GIT_OBJECT_TREE) source->tree = OidHex(git_tree_entry_id(entry.get()));
      } else if (found != GIT_ENOTFOUND) {
        return directory + ": cannot read '" + *relative + "' at HEAD: " + GitMessage() +
               "; check the repository with 'git fsck'";
      }
      // Not committed yet: no tree; the status below reports it as dirty.
    }
  } else if (head != GIT_EUNBORNBRANCH && head != GIT_ENOTFOUND) {
    return directory + ": cannot resolve HEAD of its git repository: " + GitMessage() +
           "; check the repository with 'git status'";
  }

  // Uncommitted changes under the directory: staged, modified, deleted,
  // renamed and untracked files (ignored files do not count).
  git_status_options options;  // the init function, not the macro: clang's -Wmissing-field-initializers
  git_status_options_init(&options, GIT_STATUS_OPTIONS_VERSION);
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
                  GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  std::string pathspec = *relative;
  char* pathspec_strings[] = {pathspec.data()};
  if (!relative->empty()) {
    // A literal path (no glob characters), matching the folder and everything below it.
    options.flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
    options.pathspec.strings = pathspec_strings;
    options.pathspec.count = 1;
  }
  git_status_list* raw_status = nullptr;
  if (git_status_list_new(&raw_status, repo.get(), &options) < 0) {
    return directory + ": cannot compute the git status of the folder: " + GitMessage() +
           "; run 'git status' there to see what is wrong";
  }
  StatusListPtr status(raw_status);
  const std::string prefix = relative->empty() ? "" : *relative + "/";
  const size_t count = git_status_list_entrycount(status.get());
  for (size_t i = 0; i < count && !source->dirty; ++i) {
    const git_status_entry* entry = git_status_byindex(status.get(), i);
    if (entry == nullptr || entry->status == GIT_STATUS_CURRENT || (entry->status & GIT_STATUS_IGNORED) != 0) continue;
    // Check the paths ourselves too: a change counts only when under the folder.
    for (const git_diff_delta* delta : {entry->head_to_index, entry->index_to_workdir}) {
      if (delta == nullptr) continue;
      for (const char* path : {delta->old_file.path, delta->new_file.path}) {
        if (path != nullptr && (prefix.empty() || std::string_view(path).starts_with(prefix))) source->dirty = true;
      }
    }
  }
  return "";
}

// Reads a whole file; returns false with `error` set when it cannot.
bool ReadFile(const fs::path& path, std::string* content, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path.generic_string() + ": cannot open the file; check its permissions";
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = path.generic_string() + ": cannot read the file; check the disk";
    return false;
  }
  *content = std::move(buffer).str();
  return true;
}

// ---------------------------------------------------------------------------
// Git revision

struct WalkState {
  std::vector<std::pair<std::string, git_oid>> files;  // bundle path, blob id
};

int CollectPolicyBlob(const char* root, const git_tree_entry* entry, void* payload) {
  const std::string_view name = git_tree_entry_name(entry);
  const git_object_t type = git_tree_entry_type(entry);
  if (IsHidden(name)) return type == GIT_OBJECT_TREE ? 1 : 0;  // positive: skip the subtree
  // Blobs only: submodules (commits) are other repositories, and symlinks
  // hold a target path, not a policy.
  if (type != GIT_OBJECT_BLOB || git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) return 0;
  if (!IsPolicyFile(name)) return 0;
  auto* state = static_cast<WalkState*>(payload);
  state->files.emplace_back(std::string(root) + std::string(name), *git_tree_entry_id(entry));
  return 0;
}

// True when the repository has no branch or tag at all: nothing committed yet.
bool HasNoReferences(git_repository* repo) {
  git_reference_iterator* raw_iterator = nullptr;
  if (git_reference_iterator_new(&raw_iterator, repo) < 0) return false;
  const char* name = nullptr;
  const bool none = git_reference_next_name(&name, raw_iterator) == GIT_ITEROVER;
  git_reference_iterator_free(raw_iterator);
  return none;
}

}  // namespace

ReadResult ReadDirectory(const std::string& directory) {
  ReadResult result;
  std::error_code ec;
  const fs::file_status status = fs::status(directory, ec);
  if (!fs::exists(status)) {
    result.error = directory + ": no such directory; check --policies";
    return result;
  }
  if (!fs::is_directory(status)) {
    result.error = directory +
                   ": not a directory; --policies takes a folder of policy files (*.yaml, *.yml, *.json) or, with "
                   "--rev, a git repository";
    return result;
  }

  SourceInfo& source = result.bundle.source;
  source.kind = "directory";
  source.location = AbsolutePath(directory);

  const fs::path root(directory);
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) {
    result.error = directory + ": cannot list the folder: " + ec.message() + "; check its permissions";
    return result;
  }
  std::vector<BundleFile>& files = result.bundle.files;
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (IsHidden(name)) {
      if (entry.is_directory(type_ec)) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(type_ec) || !IsPolicyFile(name)) continue;
    BundleFile file;
    file.path = entry.path().lexically_relative(root).generic_string();
    std::string error;
    if (!ReadFile(entry.path(), &file.content, &error)) {
      result.error = error;
      return result;
    }
    files.push_back(std::move(file));
  }
  if (ec) {
    result.error = directory + ": cannot list the folder: " + ec.message() + "; check its permissions";
    return result;
  }
  std::sort(files.begin(), files.end(), [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; });

  result.error = DescribeWorkTree(directory, &source);
  return result;
}

ReadResult ReadGitRevision(const std::string& repository, const std::string& revision,
                           const std::string& subdirectory) {
  ReadResult result;
  std::error_code ec;
  if (!fs::is_directory(repository, ec)) {
    result.error = fs::exists(repository, ec)
                       ? repository + ": not a directory; --policies with --rev takes a git repository"
                       : repository + ": no such directory; check --policies";
    return result;
  }
  if (revision.empty()) {
    result.error = "empty revision for " + repository + "; give a branch, tag or commit id with --rev";
    return result;
  }
  const std::optional<std::string> subdir = NormaliseSubdirectory(subdirectory);
  if (!subdir) {
    result.error = "'" + subdirectory + "': the folder must be inside the repository " + repository +
                   "; remove the '..' parts";
    return result;
  }

  Libgit2::Ensure();
  git_repository* raw_repo = nullptr;
  const int open = git_repository_open_ext(&raw_repo, repository.c_str(), 0, nullptr);
  if (open == GIT_ENOTFOUND) {
    result.error = repository +
                   ": not a git repository; --rev reads a revision of a git repository (drop --rev to read the "
                   "folder as it is)";
    return result;
  }
  if (open < 0) {
    result.error = repository + ": cannot open the git repository: " + GitMessage() +
                   "; check that it is a valid repository ('git status' there)";
    return result;
  }
  RepositoryPtr repo(raw_repo);

  // A folder inside a work tree stands for that folder of the revision.
  std::string prefix;
  std::string location = AbsolutePath(repository);
  const char* workdir = git_repository_workdir(repo.get());
  if (workdir != nullptr && !RelativeInside(repository, git_repository_path(repo.get()))) {
    if (std::optional<std::string> relative = RelativeInside(repository, workdir); relative && !relative->empty()) {
      prefix = *relative;
      location = AbsolutePath(workdir);
    }
  }
  const std::string bundle_root = JoinPath(prefix, *subdir);

  SourceInfo& source = result.bundle.source;
  source.kind = "git";
  source.location = location;
  source.ref = revision;
  source.in_git = true;

  git_object* raw_target = nullptr;
  const int parsed = git_revparse_single(&raw_target, repo.get(), revision.c_str());
  if (parsed < 0) {
    if (parsed == GIT_EAMBIGUOUS) {
      result.error = "ambiguous revision '" + revision + "': several objects of " + repository +
                     " start with it; give more digits of the commit id";
    } else if (HasNoReferences(repo.get())) {
      result.error = "unknown revision '" + revision + "': " + repository +
                     " has no commits yet; commit the policies first";
    } else if (parsed == GIT_ENOTFOUND || parsed == GIT_EUNBORNBRANCH) {
      result.error = "unknown revision '" + revision + "': no branch, tag or commit by that name in " + repository;
    } else if (parsed == GIT_EINVALIDSPEC) {
      result.error = "invalid revision '" + revision + "' for " + repository + ": " + GitMessage() +
                     "; give a branch, tag or commit id";
    } else {
      result.error = "cannot resolve revision '" + revision + "' in " + repository + ": " + GitMessage();
    }
    return result;
  }
  ObjectPtr target(raw_target);
  // Annotated tags peel to their commit; trees and blobs are not revisions of a bundle.
  git_object* raw_commit = nullptr;
  if (git_object_peel(&raw_commit, target.get(), GIT_OBJECT_COMMIT) < 0) {
    result.error = "revision '" + revision + "' of " + repository + " is a " +
                   git_object_type2string(git_object_type(target.get())) +
                   ", not a commit; give a branch, tag or commit id";
    return result;
  }
  CommitPtr commit(reinterpret_cast<git_commit*>(raw_commit));
  source.commit = OidHex(git_commit_id(commit.get()));

  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) < 0) {
    result.error = "cannot read the tree of revision '" + revision + "' (" + source.commit + ") in " + repository +
                   ": " + GitMessage() + "; check the repository with 'git fsck'";
    return result;
  }
  TreePtr tree(raw_tree);
  if (!bundle_root.empty()) {
    git_tree_entry* raw_entry = nullptr;
    const int found = git_tree_entry_bypath(&raw_entry, tree.get(), bundle_root.c_str());
    if (found == GIT_ENOTFOUND) {
      result.error = "'" + bundle_root + "' is not in revision '" + revision + "' (" + source.commit.substr(0, 12) +
                     ") of " + repository + "; check the folder name, or whether it was committed at that revision";
      return result;
    }
    if (found < 0) {
      result.error = "cannot read '" + bundle_root + "' in revision '" + revision + "' of " + repository + ": " +
                     GitMessage() + "; check the repository with 'git fsck'";
      return result;
    }
    TreeEntryPtr entry(raw_entry);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
      result.error = "'" + bundle_root + "' in revision '" + revision + "' of " + repository +
                     " is a file, not a folder; give the folder that holds the policies";
      return result;
    }
    git_tree* raw_subtree = nullptr;
    if (git_tree_lookup(&raw_subtree, repo.get(), git_tree_entry_id(entry.get())) < 0) {
      result.error = "cannot read '" + bundle_root + "' in revision '" + revision + "' of " + repository + ": " +
                     GitMessage() + "; check the repository with 'git fsck'";
      return result;
    }
    tree.reset(raw_subtree);
  }
  source.tree = OidHex(git_tree_id(tree.get()));
  source.path_in_repo = bundle_root;

  WalkState state;
  if (git_tree_walk(tree.get(), GIT_TREEWALK_PRE, CollectPolicyBlob, &state) < 0) {
    result.error = "cannot list the files of revision '" + revision + "' in " + repository + ": " + GitMessage() +
                   "; check the repository with 'git fsck'";
    return result;
  }
  std::sort(state.files.begin(), state.files.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  result.bundle.files.reserve(state.files.size());
  for (const auto& [path, oid] : state.files) {
    git_blob* raw_blob = nullptr;
    if (git_blob_lookup(&raw_blob, repo.get(), &oid) < 0) {
      result.error = "cannot read '" + JoinPath(bundle_root, path) + "' of revision '" + revision + "' in " +
                     repository + ": " + GitMessage() + "; check the repository with 'git fsck'";
      result.bundle.files.clear();
      return result;
    }
    BlobPtr blob(raw_blob);
    BundleFile file;
    file.path = path;
    file.content.assign(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                        static_cast<size_t>(git_blob_rawsize(blob.get())));
    result.bundle.files.push_back(std::move(file));
  }
  return result;
}

}  // namespace stagegate::bundle
