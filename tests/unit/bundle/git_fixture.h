#pragma once
// Builds real git repositories for tests, with libgit2 only (no git CLI):
// files, commits with a fixed author and time, tags and branches.

#include <git2.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace stagegate::testing {

// Throws with libgit2's last error when `code` is negative (test code only).
inline void Check(int code, const std::string& what) {
  if (code >= 0) return;
  const git_error* error = git_error_last();
  throw std::runtime_error(what + ": " + (error != nullptr && error->message != nullptr ? error->message : "?"));
}

inline std::string Hex(const git_oid& oid) {
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof buffer, &oid);
  return buffer;
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A non-bare repository in `path` whose first branch is "main".
class GitRepo {
 public:
  explicit GitRepo(const std::string& path) : path_(path) {
    git_libgit2_init();
    git_repository_init_options options;
    git_repository_init_options_init(&options, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    options.flags = GIT_REPOSITORY_INIT_MKPATH;
    options.initial_head = "main";
    Check(git_repository_init_ext(&repo_, path.c_str(), &options), "init " + path);
  }
  ~GitRepo() {
    git_repository_free(repo_);
    git_libgit2_shutdown();
  }
  GitRepo(const GitRepo&) = delete;
  GitRepo& operator=(const GitRepo&) = delete;

  const std::string& path() const { return path_; }
  git_repository* get() const { return repo_; }

  // Writes `relative` in the work tree and stages it.
  void Write(const std::string& relative, const std::string& content, bool stage = true) {
    WriteFile(path_ + "/" + relative, content);
    if (stage) WithIndex([&](git_index* index) { Check(git_index_add_bypath(index, relative.c_str()), "add"); });
  }
  // Removes `relative` from the work tree and the index.
  void Remove(const std::string& relative) {
    std::filesystem::remove(path_ + "/" + relative);
    WithIndex([&](git_index* index) { Check(git_index_remove_bypath(index, relative.c_str()), "remove"); });
  }

  // Commits the index on the branch HEAD points at; returns the commit id.
  std::string Commit(const std::string& message) {
    git_oid tree_id;
    WithIndex([&](git_index* index) { Check(git_index_write_tree(&tree_id, index), "write tree"); });
    git_tree* tree = nullptr;
    Check(git_tree_lookup(&tree, repo_, &tree_id), "tree");
    git_signature* signature = nullptr;
    Check(git_signature_new(&signature, "Policy Author", "author@example.org", 1700000000 + 60 * commits_++, 0),
          "signature");
    std::vector<const git_commit*> parents;
    git_object* head = nullptr;
    if (git_revparse_single(&head, repo_, "HEAD^{commit}") == 0) parents.push_back(reinterpret_cast<git_commit*>(head));
    git_oid commit_id;
    Check(git_commit_create(&commit_id, repo_, "HEAD", signature, signature, nullptr, message.c_str(), tree,
                            parents.size(), parents.data()),
          "commit");
    git_object_free(head);
    git_signature_free(signature);
    git_tree_free(tree);
    return Hex(commit_id);
  }

  // Returns the id of the tree at `revision` (optionally of a folder of it: "rev:path").
  std::string TreeId(const std::string& revision) {
    git_object* object = nullptr;
    Check(git_revparse_single(&object, repo_, revision.c_str()), "revparse " + revision);
    git_object* tree = nullptr;
    Check(git_object_peel(&tree, object, GIT_OBJECT_TREE), "peel");
    const std::string id = Hex(*git_object_id(tree));
    git_object_free(tree);
    git_object_free(object);
    return id;
  }

  std::string LightweightTag(const std::string& name, const std::string& commit) {
    git_oid oid;
    git_object* target = Lookup(commit);
    Check(git_tag_create_lightweight(&oid, repo_, name.c_str(), target, 0), "tag");
    git_object_free(target);
    return Hex(oid);
  }
  // Returns the id of the tag object (not of the commit).
  std::string AnnotatedTag(const std::string& name, const std::string& commit) {
    git_oid oid;
    git_object* target = Lookup(commit);
    git_signature* signature = nullptr;
    Check(git_signature_new(&signature, "Release Manager", "release@example.org", 1700100000, 0), "signature");
    Check(git_tag_create(&oid, repo_, name.c_str(), target, signature, ("release " + name).c_str(), 0), "tag");
    git_signature_free(signature);
    git_object_free(target);
    return Hex(oid);
  }
  void Branch(const std::string& name, const std::string& commit) {
    git_object* target = Lookup(commit);
    git_reference* branch = nullptr;
    Check(git_branch_create(&branch, repo_, name.c_str(), reinterpret_cast<git_commit*>(target), 0), "branch");
    git_reference_free(branch);
    git_object_free(target);
  }
  // Points HEAD at branch `name` and resets index and work tree to it.
  void Switch(const std::string& name) {
    Check(git_repository_set_head(repo_, ("refs/heads/" + name).c_str()), "set head");
    git_object* head = Lookup("HEAD");
    git_checkout_options options;
    git_checkout_options_init(&options, GIT_CHECKOUT_OPTIONS_VERSION);
    options.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
    Check(git_reset(repo_, head, GIT_RESET_HARD, &options), "reset");
    git_object_free(head);
  }

 private:
  git_object* Lookup(const std::string& revision) {
    git_object* object = nullptr;
    Check(git_revparse_single(&object, repo_, revision.c_str()), "revparse " + revision);
    return object;
  }
  template <typename F>
  void WithIndex(F&& f) {
    git_index* index = nullptr;
    Check(git_repository_index(&index, repo_), "index");
    f(index);
    Check(git_index_write(index), "index write");
    git_index_free(index);
  }

  std::string path_;
  git_repository* repo_ = nullptr;
  int commits_ = 0;
};

}  // namespace stagegate::testing
