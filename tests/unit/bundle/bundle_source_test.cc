#include "engine/bundle/bundle_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/scratch_dir.h"
#include "tests/unit/bundle/git_fixture.h"

namespace stagegate::bundle {
namespace {

using ::stagegate::testing::GitRepo;
using ::stagegate::testing::ReadFileBytes;
using ::stagegate::test_support::ScratchDir;
using ::stagegate::testing::WriteFile;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Paths(const Bundle& bundle) {
  std::vector<std::string> paths;
  for (const BundleFile& file : bundle.files) paths.push_back(file.path);
  return paths;
}

std::string Content(const Bundle& bundle, const std::string& path) {
  for (const BundleFile& file : bundle.files) {
    if (file.path == path) return file.content;
  }
  return "<absent>";
}

// ---------------------------------------------------------------------------
// Directories

TEST(ReadDirectoryTest, ReadsPolicyFilesAtAnyDepthSortedAndSkipsHiddenAndOthers) {
  ScratchDir dir;
  const std::string root = dir.File("policies");
  WriteFile(root + "/zeta.yaml", "z");
  WriteFile(root + "/alpha.yml", "a");
  WriteFile(root + "/catalog.json", "{}");
  WriteFile(root + "/README.md", "not a policy");
  WriteFile(root + "/rules.yaml.bak", "not a policy");
  WriteFile(root + "/.hidden.yaml", "hidden file");
  WriteFile(root + "/.drafts/draft.yaml", "hidden folder");
  WriteFile(root + "/packs/.cache/x.yaml", "hidden folder deep");
  WriteFile(root + "/packs/telemetry/deep/streams.yaml", "deep");
  WriteFile(root + "/packs/telemetry/rules.yaml", "rules");
  WriteFile(root + "/packs/b.yaml", "b");
  std::filesystem::create_directories(root + "/empty");

  const ReadResult result = ReadDirectory(root);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(Paths(result.bundle), ElementsAre("alpha.yml", "catalog.json", "packs/b.yaml",
                                                "packs/telemetry/deep/streams.yaml", "packs/telemetry/rules.yaml",
                                                "zeta.yaml"));
  EXPECT_EQ(Content(result.bundle, "packs/telemetry/deep/streams.yaml"), "deep");
  const SourceInfo& source = result.bundle.source;
  EXPECT_EQ(source.kind, "directory");
  EXPECT_EQ(source.location, root);
  EXPECT_EQ(source.ref, "");
  EXPECT_FALSE(source.in_git);
  EXPECT_FALSE(source.dirty);
  EXPECT_EQ(source.commit, "");
  EXPECT_EQ(source.tree, "");
  EXPECT_EQ(source.path_in_repo, "");
}

TEST(ReadDirectoryTest, LocationIsAbsoluteAndNormalised) {
  ScratchDir dir;
  WriteFile(dir.File("p/a.yaml"), "a");
  const std::filesystem::path saved = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const ReadResult result = ReadDirectory("./p/");
  std::filesystem::current_path(saved);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.bundle.source.location,
            std::filesystem::path(dir.File("p")).lexically_normal().generic_string());
  EXPECT_THAT(Paths(result.bundle), ElementsAre("a.yaml"));
}

TEST(ReadDirectoryTest, KeepsBytesExactly) {
  ScratchDir dir;
  const std::string bytes = std::string("a: \"caf\xc3\xa9\"\r\nb: 1\0tail", 20);
  WriteFile(dir.File("x.yaml"), bytes);
  const ReadResult result = ReadDirectory(dir.path());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(Content(result.bundle, "x.yaml"), bytes);
}

TEST(ReadDirectoryTest, EmptyFolderIsAnEmptyBundle) {
  ScratchDir dir;
  const ReadResult result = ReadDirectory(dir.path());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(result.bundle.files, IsEmpty());
}

TEST(ReadDirectoryTest, MissingFolderIsAnError) {
  ScratchDir dir;
  const ReadResult result = ReadDirectory(dir.File("nope"));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, dir.File("nope") + ": no such directory; check --policies");
}

TEST(ReadDirectoryTest, FileInsteadOfFolderIsAnError) {
  ScratchDir dir;
  WriteFile(dir.File("rules.yaml"), "x");
  const ReadResult result = ReadDirectory(dir.File("rules.yaml"));
  EXPECT_EQ(result.error, dir.File("rules.yaml") +
                              ": not a directory; --policies takes a folder of policy files (*.yaml, "
                              "*.yml, *.json) or, with --rev, a git repository");
}

// A repository with history:
//   c1 (main)         policies/rules.yaml v1, policies/packs/a.yaml, docs/readme.yaml
//   c2 (main, tag v2-light)  rules.yaml v2, adds policies/packs/deep/b.yml
//   c3 (main, tag v3 annotated, HEAD)  rules.yaml v3, removes packs/a.yaml
//   c4 (branch feature, from c2)  adds policies/feature.json
class GitBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.Write("policies/rules.yaml", "version: 1\n");
    repo_.Write("policies/packs/a.yaml", "pack: a\n");
    repo_.Write("policies/.hidden/secret.yaml", "hidden\n");
    repo_.Write("docs/readme.yaml", "docs\n");
    repo_.Write(".github/workflow.yaml", "ci\n");
    c1_ = repo_.Commit("first policies");
    repo_.Write("policies/rules.yaml", "version: 2\n");
    repo_.Write("policies/packs/deep/b.yml", "pack: b\n");
    c2_ = repo_.Commit("second");
    repo_.Write("policies/rules.yaml", "version: 3\n");
    repo_.Remove("policies/packs/a.yaml");
    c3_ = repo_.Commit("third");
    repo_.LightweightTag("v2-light", c2_);
    tag_object_ = repo_.AnnotatedTag("v3", c3_);
    repo_.Branch("feature", c2_);
    repo_.Switch("feature");
    repo_.Write("policies/feature.json", "{\"feature\": true}\n");
    c4_ = repo_.Commit("feature work");
    repo_.Switch("main");
  }

  ScratchDir dir_;
  GitRepo repo_{dir_.File("repo")};
  std::string c1_, c2_, c3_, c4_, tag_object_;
};

TEST_F(GitBundleTest, ReadsHead) {
  const ReadResult result = ReadGitRevision(repo_.path(), "HEAD");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(Paths(result.bundle), ElementsAre("docs/readme.yaml", "policies/packs/deep/b.yml", "policies/rules.yaml"));
  EXPECT_EQ(Content(result.bundle, "policies/rules.yaml"), "version: 3\n");
  const SourceInfo& source = result.bundle.source;
  EXPECT_EQ(source.kind, "git");
  EXPECT_EQ(source.location, repo_.path());
  EXPECT_EQ(source.ref, "HEAD");
  EXPECT_EQ(source.commit, c3_);
  EXPECT_EQ(source.tree, repo_.TreeId(c3_));
  EXPECT_EQ(source.path_in_repo, "");
  EXPECT_FALSE(source.dirty);
}

TEST_F(GitBundleTest, ReadsEachRevisionKind) {
  struct Case {
    std::string revision;
    std::string commit;
    std::string rules;
    std::vector<std::string> paths;
  };
  const std::vector<Case> cases = {
      {"HEAD~1", c2_, "version: 2\n", {"packs/a.yaml", "packs/deep/b.yml", "rules.yaml"}},
      {"HEAD~2", c1_, "version: 1\n", {"packs/a.yaml", "rules.yaml"}},
      {"main", c3_, "version: 3\n", {"packs/deep/b.yml", "rules.yaml"}},
      {"refs/heads/main", c3_, "version: 3\n", {"packs/deep/b.yml", "rules.yaml"}},
      {"feature", c4_, "version: 2\n", {"feature.json", "packs/a.yaml", "packs/deep/b.yml", "rules.yaml"}},
      {"feature~1", c2_, "version: 2\n", {"packs/a.yaml", "packs/deep/b.yml", "rules.yaml"}},
      {"v2-light", c2_, "version: 2\n", {"packs/a.yaml", "packs/deep/b.yml", "rules.yaml"}},
      {"v3", c3_, "version: 3\n", {"packs/deep/b.yml", "rules.yaml"}},
      {"tags/v3", c3_, "version: 3\n", {"packs/deep/b.yml", "rules.yaml"}},
      {tag_object_, c3_, "version: 3\n", {"packs/deep/b.yml", "rules.yaml"}},
      {c1_, c1_, "version: 1\n", {"packs/a.yaml", "rules.yaml"}},
      {c1_.substr(0, 7), c1_, "version: 1\n", {"packs/a.yaml", "rules.yaml"}},
      {c4_.substr(0, 12), c4_, "version: 2\n", {"feature.json", "packs/a.yaml", "packs/deep/b.yml", "rules.yaml"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.revision);
    const ReadResult result = ReadGitRevision(repo_.path(), c.revision, "policies");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.bundle.source.ref, c.revision);
    EXPECT_EQ(result.bundle.source.commit, c.commit);  // annotated tags are peeled to their commit
    EXPECT_EQ(result.bundle.source.tree, repo_.TreeId(c.commit + ":policies"));
    EXPECT_EQ(Paths(result.bundle), c.paths);
    EXPECT_EQ(Content(result.bundle, "rules.yaml"), c.rules);
  }
}

TEST_F(GitBundleTest, SubdirectoryIsNormalised) {
  for (const std::string subdirectory : {"policies/packs", "./policies/packs/", "policies//packs", "/policies/packs"}) {
    SCOPED_TRACE(subdirectory);
    const ReadResult result = ReadGitRevision(repo_.path(), "HEAD~1", subdirectory);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_THAT(Paths(result.bundle), ElementsAre("a.yaml", "deep/b.yml"));
    EXPECT_EQ(result.bundle.source.tree, repo_.TreeId(c2_ + ":policies/packs"));
    EXPECT_EQ(result.bundle.source.path_in_repo, "policies/packs");
  }
}

TEST_F(GitBundleTest, FolderInsideTheWorkTreeReadsThatFolderOfTheRevision) {
  const ReadResult result = ReadGitRevision(repo_.path() + "/policies", "HEAD~2", "packs");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(Paths(result.bundle), ElementsAre("a.yaml"));
  EXPECT_EQ(result.bundle.source.location, repo_.path());
  EXPECT_EQ(result.bundle.source.tree, repo_.TreeId(c1_ + ":policies/packs"));
  EXPECT_EQ(result.bundle.source.path_in_repo, "policies/packs");
}

TEST_F(GitBundleTest, ReadsThroughTheGitDirectory) {
  const ReadResult result = ReadGitRevision(repo_.path() + "/.git", "v2-light", "policies");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.bundle.source.commit, c2_);
  EXPECT_EQ(result.bundle.source.location, repo_.path() + "/.git");
  EXPECT_EQ(result.bundle.source.path_in_repo, "policies");
}

TEST_F(GitBundleTest, NeverReadsOrTouchesTheWorkTreeOrIndex) {
  const std::string rules = repo_.path() + "/policies/rules.yaml";
  WriteFile(rules, "version: edited in the work tree\n");
  WriteFile(repo_.path() + "/policies/untracked.yaml", "untracked\n");
  std::filesystem::remove(repo_.path() + "/policies/packs/deep/b.yml");
  const std::string index_before = ReadFileBytes(repo_.path() + "/.git/index");
  const auto index_time = std::filesystem::last_write_time(repo_.path() + "/.git/index");

  for (const std::string revision : {"HEAD", "HEAD~1", "feature", "v3"}) {
    const ReadResult result = ReadGitRevision(repo_.path(), revision, "policies");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_NE(Content(result.bundle, "rules.yaml"), "version: edited in the work tree\n");
    EXPECT_EQ(Content(result.bundle, "untracked.yaml"), "<absent>");
    EXPECT_EQ(Content(result.bundle, "packs/deep/b.yml"), "pack: b\n");
  }
  EXPECT_EQ(ReadFileBytes(rules), "version: edited in the work tree\n");
  EXPECT_EQ(ReadFileBytes(repo_.path() + "/policies/untracked.yaml"), "untracked\n");
  EXPECT_FALSE(std::filesystem::exists(repo_.path() + "/policies/packs/deep/b.yml"));
  EXPECT_EQ(ReadFileBytes(repo_.path() + "/.git/index"), index_before);
  EXPECT_EQ(std::filesystem::last_write_time(repo_.path() + "/.git/index"), index_time);
}

TEST_F(GitBundleTest, SkipsSubmodulesAndSymlinksInTrees) {
  // A tree entry of mode 160000 (a submodule commit) and a symlink to a policy file.
  std::filesystem::create_symlink("rules.yaml", repo_.path() + "/policies/link.yaml");
  git_index* index = nullptr;
  ASSERT_EQ(git_repository_index(&index, repo_.get()), 0);
  ASSERT_EQ(git_index_add_bypath(index, "policies/link.yaml"), 0);
  git_index_entry submodule{};
  submodule.mode = GIT_FILEMODE_COMMIT;
  submodule.path = "policies/vendor.yaml";
  ASSERT_EQ(git_oid_fromstr(&submodule.id, c1_.c_str()), 0);
  ASSERT_EQ(git_index_add(index, &submodule), 0);
  ASSERT_EQ(git_index_write(index), 0);
  git_index_free(index);
  repo_.Commit("symlink and submodule");

  const ReadResult result = ReadGitRevision(repo_.path(), "HEAD", "policies");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(Paths(result.bundle), ElementsAre("packs/deep/b.yml", "rules.yaml"));
}

// ---------------------------------------------------------------------------
// Git errors: every message exactly.

TEST_F(GitBundleTest, UnknownRevision) {
  const ReadResult result = ReadGitRevision(repo_.path(), "v9");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "unknown revision 'v9': no branch, tag or commit by that name in " + repo_.path());
  EXPECT_THAT(result.bundle.files, IsEmpty());
}

TEST_F(GitBundleTest, RevisionBeyondHistory) {
  EXPECT_EQ(ReadGitRevision(repo_.path(), "HEAD~7").error,
            "unknown revision 'HEAD~7': no branch, tag or commit by that name in " + repo_.path());
}

TEST_F(GitBundleTest, UnknownCommitId) {
  EXPECT_EQ(ReadGitRevision(repo_.path(), "0123456789abcdef0123456789abcdef01234567").error,
            "unknown revision '0123456789abcdef0123456789abcdef01234567': no branch, tag or commit by that name in " +
                repo_.path());
}

TEST_F(GitBundleTest, InvalidRevisionSyntax) {
  const ReadResult result = ReadGitRevision(repo_.path(), "main..feature");
  EXPECT_THAT(result.error, ::testing::StartsWith("invalid revision 'main..feature' for " + repo_.path() + ": "));
  EXPECT_THAT(result.error, ::testing::EndsWith("; give a branch, tag or commit id"));
}

TEST_F(GitBundleTest, EmptyRevision) {
  EXPECT_EQ(ReadGitRevision(repo_.path(), "").error,
            "empty revision for " + repo_.path() + "; give a branch, tag or commit id with --rev");
}

TEST_F(GitBundleTest, RevisionThatIsNotACommit) {
  EXPECT_EQ(ReadGitRevision(repo_.path(), "HEAD^{tree}").error,
            "revision 'HEAD^{tree}' of " + repo_.path() + " is a tree, not a commit; give a branch, tag or commit id");
  EXPECT_EQ(ReadGitRevision(repo_.path(), "HEAD:policies/rules.yaml").error,
            "revision 'HEAD:policies/rules.yaml' of " + repo_.path() +
                " is a blob, not a commit; give a branch, tag or commit id");
}

TEST_F(GitBundleTest, FolderNotInRevision) {
  // packs/deep appeared in c2: absent at c1.
  EXPECT_EQ(ReadGitRevision(repo_.path(), "HEAD~2", "policies/packs/deep").error,
            "'policies/packs/deep' is not in revision 'HEAD~2' (" + c1_.substr(0, 12) + ") of " + repo_.path() +
                "; check the folder name, or whether it was committed at that revision");
}

TEST_F(GitBundleTest, FolderIsAFile) {
  EXPECT_EQ(ReadGitRevision(repo_.path(), "HEAD", "policies/rules.yaml").error,
            "'policies/rules.yaml' in revision 'HEAD' of " + repo_.path() +
                " is a file, not a folder; give the folder that holds the policies");
}

TEST_F(GitBundleTest, FolderEscapingTheRepository) {
  EXPECT_EQ(ReadGitRevision(repo_.path(), "HEAD", "policies/../../etc").error,
            "'policies/../../etc': the folder must be inside the repository " + repo_.path() +
                "; remove the '..' parts");
}

TEST(ReadGitRevisionTest, NotARepository) {
  ScratchDir dir;
  EXPECT_EQ(ReadGitRevision(dir.path(), "HEAD").error,
            dir.path().string() +
                ": not a git repository; --rev reads a revision of a git repository (drop --rev to read the folder as "
                "it is)");
}

TEST(ReadGitRevisionTest, MissingRepository) {
  ScratchDir dir;
  EXPECT_EQ(ReadGitRevision(dir.File("nope"), "HEAD").error,
            dir.File("nope") + ": no such directory; check --policies");
}

TEST(ReadGitRevisionTest, RepositoryIsAFile) {
  ScratchDir dir;
  WriteFile(dir.File("file"), "x");
  EXPECT_EQ(ReadGitRevision(dir.File("file"), "HEAD").error,
            dir.File("file") + ": not a directory; --policies with --rev takes a git repository");
}

TEST(ReadGitRevisionTest, RepositoryWithoutCommits) {
  ScratchDir dir;
  GitRepo repo(dir.File("empty"));
  EXPECT_EQ(ReadGitRevision(repo.path(), "HEAD").error,
            "unknown revision 'HEAD': " + repo.path() + " has no commits yet; commit the policies first");
}

TEST(ReadGitRevisionTest, CorruptObjectDatabaseNamesTheRepositoryAndRevision) {
  ScratchDir dir;
  GitRepo repo(dir.File("repo"));
  repo.Write("p/a.yaml", "a\n");
  const std::string commit = repo.Commit("one");
  // Remove the blob's loose object: the tree still names it.
  std::string blob_id;
  {
    git_object* blob = nullptr;
    ASSERT_EQ(git_revparse_single(&blob, repo.get(), "HEAD:p/a.yaml"), 0);
    blob_id = stagegate::testing::Hex(*git_object_id(blob));
    git_object_free(blob);
  }
  std::filesystem::remove(repo.path() + "/.git/objects/" + blob_id.substr(0, 2) + "/" + blob_id.substr(2));
  const ReadResult result = ReadGitRevision(repo.path(), "main", "p");
  EXPECT_THAT(result.error, ::testing::StartsWith("cannot read 'p/a.yaml' of revision 'main' in " + repo.path() + ": "));
  EXPECT_THAT(result.error, ::testing::HasSubstr(blob_id));
  EXPECT_THAT(result.error, ::testing::EndsWith("; check the repository with 'git fsck'"));
  EXPECT_THAT(result.bundle.files, IsEmpty());
}

TEST_F(GitBundleTest, ConcurrentReadsAgree) {
  std::vector<std::thread> threads;
  std::vector<std::string> commits(8);
  for (size_t i = 0; i < commits.size(); ++i) {
    threads.emplace_back([&, i] {
      const ReadResult result = ReadGitRevision(repo_.path(), i % 2 == 0 ? "v3" : "feature", "policies");
      commits[i] = result.ok() ? result.bundle.source.commit : result.error;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < commits.size(); ++i) EXPECT_EQ(commits[i], i % 2 == 0 ? c3_ : c4_);
}

// ---------------------------------------------------------------------------
// Directories inside git work trees

TEST_F(GitBundleTest, CleanDirectoryInAWorkTree) {
  const ReadResult result = ReadDirectory(repo_.path() + "/policies");
  ASSERT_TRUE(result.ok()) << result.error;
  const SourceInfo& source = result.bundle.source;
  EXPECT_EQ(source.kind, "directory");
  EXPECT_TRUE(source.in_git);
  EXPECT_FALSE(source.dirty);
  EXPECT_EQ(source.commit, c3_);
  EXPECT_EQ(source.tree, repo_.TreeId(c3_ + ":policies"));
  EXPECT_EQ(source.path_in_repo, "policies");
  EXPECT_EQ(source.ref, "");
  EXPECT_THAT(Paths(result.bundle), ElementsAre("packs/deep/b.yml", "rules.yaml"));
}

TEST_F(GitBundleTest, WorkTreeRootIsADirectoryToo) {
  const ReadResult result = ReadDirectory(repo_.path());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(result.bundle.source.in_git);
  EXPECT_FALSE(result.bundle.source.dirty);
  EXPECT_EQ(result.bundle.source.tree, repo_.TreeId(c3_));
  EXPECT_EQ(result.bundle.source.path_in_repo, "");
  // .git and .github are hidden.
  EXPECT_THAT(Paths(result.bundle), ElementsAre("docs/readme.yaml", "policies/packs/deep/b.yml", "policies/rules.yaml"));
}

TEST_F(GitBundleTest, ModifiedFileMakesOnlyItsFoldersDirty) {
  WriteFile(repo_.path() + "/policies/packs/deep/b.yml", "pack: b edited\n");
  EXPECT_TRUE(ReadDirectory(repo_.path() + "/policies").bundle.source.dirty);
  EXPECT_TRUE(ReadDirectory(repo_.path() + "/policies/packs").bundle.source.dirty);
  EXPECT_TRUE(ReadDirectory(repo_.path()).bundle.source.dirty);
  EXPECT_FALSE(ReadDirectory(repo_.path() + "/docs").bundle.source.dirty);
  const ReadResult result = ReadDirectory(repo_.path() + "/policies");
  EXPECT_EQ(Content(result.bundle, "packs/deep/b.yml"), "pack: b edited\n");  // a directory reads the work tree
  EXPECT_EQ(result.bundle.source.commit, c3_);
}

TEST_F(GitBundleTest, SiblingWithACommonPrefixIsNotUnderTheFolder) {
  repo_.Write("pol/x.yaml", "x\n");
  repo_.Commit("pol");
  WriteFile(repo_.path() + "/policies/rules.yaml", "edited\n");
  EXPECT_FALSE(ReadDirectory(repo_.path() + "/pol").bundle.source.dirty);
  WriteFile(repo_.path() + "/policies-extra.yaml", "untracked sibling\n");
  repo_.Write("policies/rules.yaml", "version: 3\n", /*stage=*/false);
  EXPECT_FALSE(ReadDirectory(repo_.path() + "/policies").bundle.source.dirty);
}

TEST_F(GitBundleTest, UntrackedFileIsDirtyButIgnoredIsNot) {
  repo_.Write(".gitignore", "*.tmp.yaml\n");
  repo_.Commit("ignore");
  WriteFile(repo_.path() + "/policies/scratch.tmp.yaml", "ignored\n");
  EXPECT_FALSE(ReadDirectory(repo_.path() + "/policies").bundle.source.dirty);
  WriteFile(repo_.path() + "/policies/new/deeper/new.yaml", "untracked\n");
  EXPECT_TRUE(ReadDirectory(repo_.path() + "/policies").bundle.source.dirty);
  EXPECT_FALSE(ReadDirectory(repo_.path() + "/docs").bundle.source.dirty);
}

TEST_F(GitBundleTest, StagedChangeIsDirty) {
  repo_.Write("policies/rules.yaml", "version: 4\n");  // staged
  EXPECT_TRUE(ReadDirectory(repo_.path() + "/policies").bundle.source.dirty);
}

TEST_F(GitBundleTest, DeletedFileIsDirty) {
  std::filesystem::remove(repo_.path() + "/policies/rules.yaml");
  EXPECT_TRUE(ReadDirectory(repo_.path() + "/policies").bundle.source.dirty);
}

TEST_F(GitBundleTest, UncommittedFolderHasNoTreeAndIsDirty) {
  WriteFile(repo_.path() + "/drafts/d.yaml", "draft\n");
  const ReadResult result = ReadDirectory(repo_.path() + "/drafts");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(result.bundle.source.in_git);
  EXPECT_TRUE(result.bundle.source.dirty);
  EXPECT_EQ(result.bundle.source.commit, c3_);
  EXPECT_EQ(result.bundle.source.tree, "");
}

TEST_F(GitBundleTest, FolderInsideDotGitIsNotAWorkTree) {
  const ReadResult result = ReadDirectory(repo_.path() + "/.git/refs");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_FALSE(result.bundle.source.in_git);
}

TEST(ReadDirectoryGitTest, RepositoryWithoutCommits) {
  ScratchDir dir;
  GitRepo repo(dir.File("repo"));
  WriteFile(repo.path() + "/a.yaml", "a\n");
  const ReadResult result = ReadDirectory(repo.path());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(result.bundle.source.in_git);
  EXPECT_TRUE(result.bundle.source.dirty);
  EXPECT_EQ(result.bundle.source.commit, "");
  EXPECT_EQ(result.bundle.source.tree, "");
}

}  // namespace
}  // namespace stagegate::bundle
