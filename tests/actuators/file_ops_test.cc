#include "tflo/actuators/file_ops.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tflo/actuators/yaml_edit.h"

namespace tflo::actuators {
namespace {

namespace fs = std::filesystem;
using ::tflo::testing::ReadFile;
using ::tflo::testing::ReadTestdata;
using ::tflo::testing::TempDir;
using ::tflo::testing::WriteFile;

std::vector<std::string> DirEntries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ReadFileBytesTest, ReadsExactBytesAndReportsMissingFile) {
  TempDir dir;
  const std::string bytes = std::string("a\r\nb\0c", 6) + "\xff";
  WriteFile(dir.path() / "f", bytes);

  auto read = ReadFileBytes(dir.path() / "f");
  auto missing = ReadFileBytes(dir.path() / "nope");

  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, bytes);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
}

TEST(AtomicWriteFileTest, ReplacesContentPreservesModeAndLeavesNoTemporary) {
  TempDir dir;
  const fs::path file = dir.path() / "collector.yaml";
  WriteFile(file, "old\n");
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);

  Status s = AtomicWriteFile(file, "new content\n");

  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ReadFile(file), "new content\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640U);
  EXPECT_EQ(DirEntries(dir.path()), std::vector<std::string>{"collector.yaml"});
}

TEST(AtomicWriteFileTest, NewFileGets0644) {
  TempDir dir;
  const fs::path file = dir.path() / "fresh.yaml";

  Status s = AtomicWriteFile(file, "x: 1\n");

  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ReadFile(file), "x: 1\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644U);
}

TEST(AtomicWriteFileTest, WritesThroughSymlinkKeepingIt) {
  TempDir dir;
  const fs::path real = dir.path() / "real.yaml";
  const fs::path link = dir.path() / "link.yaml";
  WriteFile(real, "old\n");
  fs::create_symlink(real, link);

  Status s = AtomicWriteFile(link, "new\n");

  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(ReadFile(real), "new\n");
}

// A process killed between writing the temporary file and renaming it leaves
// the target exactly as it was.
TEST(AtomicWriteFileTest, ProcessKilledBeforeRenameLeavesOldContent) {
  TempDir dir;
  const fs::path file = dir.path() / "collector.yaml";
  const std::string old_content = ReadTestdata("actuators/collector.yaml");
  WriteFile(file, old_content);
  const std::string new_content(200000, 'n');

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Status s = AtomicWriteFile(file, new_content, [] { ::raise(SIGKILL); });
    ::_exit(s.ok() ? 0 : 3);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);

  ASSERT_TRUE(WIFSIGNALED(wstatus));
  EXPECT_EQ(WTERMSIG(wstatus), SIGKILL);
  EXPECT_EQ(ReadFile(file), old_content);
}

TEST(AtomicWriteFileTest, ProcessExitingInHookLeavesOldContentAndCompletedWriteLeavesNew) {
  TempDir dir;
  const fs::path file = dir.path() / "collector.yaml";
  const std::string old_content = ReadTestdata("actuators/collector.yaml");
  WriteFile(file, old_content);

  const pid_t interrupted = ::fork();
  ASSERT_GE(interrupted, 0);
  if (interrupted == 0) {
    Status s = AtomicWriteFile(file, "half\n", [] { ::_exit(9); });
    ::_exit(s.ok() ? 0 : 3);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(interrupted, &wstatus, 0), interrupted);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 9);
  EXPECT_EQ(ReadFile(file), old_content);

  const pid_t completed = ::fork();
  ASSERT_GE(completed, 0);
  if (completed == 0) {
    Status s = AtomicWriteFile(file, "complete\n", [] {});
    ::_exit(s.ok() ? 0 : 3);
  }
  ASSERT_EQ(::waitpid(completed, &wstatus, 0), completed);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_EQ(ReadFile(file), "complete\n");
}

// While a child rewrites the file over and over, every read in the parent sees
// one whole version, never a mix or a truncated file.
TEST(AtomicWriteFileTest, ConcurrentReaderNeverSeesPartialContent) {
  TempDir dir;
  const fs::path file = dir.path() / "data";
  const std::string a(300000, 'a');
  const std::string b = std::string(150000, 'b') + "\n";
  WriteFile(file, a);

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (int i = 0; i < 60; ++i) {
      if (!AtomicWriteFile(file, i % 2 == 0 ? b : a).ok()) ::_exit(3);
    }
    ::_exit(0);
  }
  int reads = 0;
  int bad = 0;
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, WNOHANG) == 0) {
    auto content = ReadFileBytes(file);
    ++reads;
    if (!content.ok() || (*content != a && *content != b)) ++bad;
  }

  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_EQ(bad, 0) << "of " << reads << " reads";
  EXPECT_EQ(ReadFile(file), a);  // the last write (i = 59) is `a`
}

TEST(AtomicWriteFileTest, TargetThatIsADirectoryFailsAndIsUntouched) {
  TempDir dir;
  const fs::path target = dir.path() / "conf";
  fs::create_directory(target);
  WriteFile(target / "inside", "keep");

  Status s = AtomicWriteFile(target, "x");

  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(target.string()), std::string::npos) << s.message();
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(ReadFile(target / "inside"), "keep");
  EXPECT_EQ(DirEntries(dir.path()), std::vector<std::string>{"conf"});
}

TEST(AtomicWriteFileTest, ParentThatIsARegularFileFailsAndIsUntouched) {
  TempDir dir;
  const fs::path parent = dir.path() / "not-a-dir";
  WriteFile(parent, "original");

  Status s = AtomicWriteFile(parent / "collector.yaml", "x");

  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not-a-dir"), std::string::npos) << s.message();
  EXPECT_EQ(ReadFile(parent), "original");
  EXPECT_EQ(DirEntries(dir.path()), std::vector<std::string>{"not-a-dir"});
}

TEST(AtomicWriteFileTest, UnwritableDirectoryFailsAndLeavesOriginal) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root bypasses directory permissions; ParentThatIsARegularFileFails covers the "
                    "failure path";
  }
  TempDir dir;
  const fs::path sub = dir.path() / "ro";
  fs::create_directory(sub);
  const fs::path file = sub / "collector.yaml";
  WriteFile(file, "original\n");
  ASSERT_EQ(::chmod(sub.c_str(), 0555), 0);

  Status s = AtomicWriteFile(file, "new\n");
  ASSERT_EQ(::chmod(sub.c_str(), 0755), 0);

  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find(file.string()), std::string::npos) << s.message();
  EXPECT_EQ(ReadFile(file), "original\n");
  EXPECT_EQ(DirEntries(sub), std::vector<std::string>{"collector.yaml"});
}

TEST(Sha256HexTest, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---------------------------------------------------------------------------
// UnifiedDiff against the system's diff -u.

bool HaveDiff() { return std::system("diff --version >/dev/null 2>&1") == 0; }

// Body of `diff -u` (header lines dropped) for the two texts.
std::string SystemDiffBody(const std::string& before, const std::string& after) {
  TempDir dir;
  WriteFile(dir.path() / "a", before);
  WriteFile(dir.path() / "b", after);
  const std::string cmd =
      "diff -u '" + (dir.path() / "a").string() + "' '" + (dir.path() / "b").string() + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

std::string DropTwoLines(const std::string& s) {
  size_t first = s.find('\n');
  if (first == std::string::npos) return "";
  size_t second = s.find('\n', first + 1);
  return second == std::string::npos ? "" : s.substr(second + 1);
}

std::string Numbered(int from, int to, const std::string& tag = "line") {
  std::string out;
  for (int i = from; i <= to; ++i) out += tag + std::to_string(i) + "\n";
  return out;
}

void ExpectSameAsSystemDiff(const std::string& before, const std::string& after) {
  const std::string ours = UnifiedDiff(before, after, "collector.yaml");
  const std::string theirs = SystemDiffBody(before, after);
  if (before == after) {
    EXPECT_EQ(ours, "");
    EXPECT_EQ(theirs, "");
    return;
  }
  ASSERT_EQ(ours.substr(0, ours.find("@@")), "--- a/collector.yaml\n+++ b/collector.yaml\n");
  EXPECT_EQ(DropTwoLines(ours), DropTwoLines(theirs)) << "ours:\n"
                                                      << ours << "\ndiff -u:\n"
                                                      << theirs;
}

TEST(UnifiedDiffTest, MatchesSystemDiffOnAYamlEdit) {
  if (!HaveDiff()) GTEST_SKIP() << "no diff(1) on this machine";
  const std::string before = ReadTestdata("actuators/collector.yaml");
  auto after = ApplyScalarEdits(before,
                                {{SplitKeyPath("processors.batch.send_batch_size"), "1000"},
                                 {SplitKeyPath("exporters.otlp/tempo.timeout"), "10s"},
                                 {SplitKeyPath("exporters.debug.sending_queue.queue_size"), "5"}},
                                "collector.yaml");
  ASSERT_TRUE(after.ok()) << after.status().message();

  ExpectSameAsSystemDiff(before, *after);
}

TEST(UnifiedDiffTest, MatchesSystemDiffOnHunkMergingBoundaries) {
  if (!HaveDiff()) GTEST_SKIP() << "no diff(1) on this machine";
  const std::string base = Numbered(1, 40);
  // Changes at lines 10 and 17 (6 equal lines between: one hunk), then at 30
  // (12 equal lines after 17: a second hunk), then 38 (7 between: separate).
  std::string six_apart = base;
  for (const char* n : {"line10\n", "line17\n", "line30\n", "line38\n"}) {
    const size_t at = six_apart.find(n);
    six_apart.replace(at, std::string(n).size(), std::string("changed-") + n);
  }

  ExpectSameAsSystemDiff(base, six_apart);
}

TEST(UnifiedDiffTest, MatchesSystemDiffAtFileEdges) {
  if (!HaveDiff()) GTEST_SKIP() << "no diff(1) on this machine";

  ExpectSameAsSystemDiff(Numbered(1, 10),
                         "new first\n" + Numbered(1, 8));  // insert at top, delete at end
  ExpectSameAsSystemDiff(Numbered(1, 3), Numbered(1, 3) + "tail\n");     // append
  ExpectSameAsSystemDiff("", Numbered(1, 2));                            // from empty
  ExpectSameAsSystemDiff(Numbered(1, 2), "");                            // to empty
  ExpectSameAsSystemDiff(Numbered(1, 5), Numbered(1, 5));                // equal
  ExpectSameAsSystemDiff("a\nb\nc\nd\ne\nf\ng", "a\nb\nc\nd\ne\nf\nG");  // no final newline, both
  ExpectSameAsSystemDiff("a\nb\nc", "a\nb\nc\n");                        // newline added
  ExpectSameAsSystemDiff("a\nb\nc\nd\ne", "a\nX\nc\nd\ne");  // context ends unterminated
  ExpectSameAsSystemDiff(Numbered(1, 20), Numbered(1, 5) + Numbered(1, 3, "x") + Numbered(9, 20));
}

TEST(UnifiedDiffTest, MatchesSystemDiffWithRepeatedLines) {
  if (!HaveDiff()) GTEST_SKIP() << "no diff(1) on this machine";

  ExpectSameAsSystemDiff("a\n\n\nb\n", "a\n\n\n\nb\n");  // one more blank line
  ExpectSameAsSystemDiff("x: 1\n  enabled: true\n  enabled: true\ny\n",
                         "x: 1\n  enabled: true\ny\n");
  ExpectSameAsSystemDiff("k:\n  a: 1\n\nl:\n  a: 1\n\nm:\n  a: 1\n",
                         "k:\n  a: 1\n\nl:\n  a: 2\n\nm:\n  a: 1\n");
  ExpectSameAsSystemDiff("}\n}\n}\n", "}\n}\n  x\n}\n}\n");
  // Equally short diffs exist for these; diff(1) slides changes over equal
  // neighbours to join runs, and so must we.
  ExpectSameAsSystemDiff("e\nb\nc\n", "d\nf\nf\ne\nf\ne\nb\n");
  ExpectSameAsSystemDiff("b\nb\nd\nf\nb\nf\na\nd\ne\n", "b\nd\n");
}

// Applies a unified diff produced by UnifiedDiff to `before`, checking that
// every context and removed line matches what it claims to be.
std::string ApplyUnifiedDiff(const std::string& before, const std::string& diff) {
  std::vector<std::string> old_lines;  // with their '\n', if any
  for (size_t start = 0; start < before.size();) {
    const size_t nl = before.find('\n', start);
    const size_t end = nl == std::string::npos ? before.size() : nl + 1;
    old_lines.push_back(before.substr(start, end - start));
    start = end;
  }
  std::vector<std::string> lines;
  for (size_t start = 0; start < diff.size();) {
    const size_t nl = diff.find('\n', start);
    lines.push_back(diff.substr(start, nl - start));
    start = nl + 1;
  }
  std::string out;
  size_t next_old = 0;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.rfind("@@ -", 0) == 0) {
      size_t old_start = std::stoul(l.substr(4));
      const size_t comma = l.find(',');
      const size_t space = l.find(' ', 4);
      const bool empty_range = comma < space && std::stoul(l.substr(comma + 1)) == 0;
      if (!empty_range) --old_start;  // a non-empty range names its first line, 1-based
      while (next_old < old_start) out += old_lines.at(next_old++);
      continue;
    }
    const bool no_newline = i + 1 < lines.size() && lines[i + 1].rfind("\\ ", 0) == 0;
    const std::string text = l.substr(1) + (no_newline ? "" : "\n");
    if (l[0] == ' ' || l[0] == '-') {
      EXPECT_EQ(old_lines.at(next_old), text);
      ++next_old;
    }
    if (l[0] == ' ' || l[0] == '+') out += text;
    if (no_newline) ++i;
  }
  while (next_old < old_lines.size()) out += old_lines[next_old++];
  return out;
}

TEST(UnifiedDiffTest, DiffAppliedToBeforeGivesAfter) {
  std::mt19937 rng(12345);
  const auto random_text = [&](int lines, int alphabet) {
    std::string s;
    for (int i = 0; i < lines; ++i)
      s += std::string(1, static_cast<char>('a' + rng() % alphabet)) + "\n";
    if (rng() % 5 == 0 && !s.empty()) s.pop_back();
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    const std::string before =
        random_text(static_cast<int>(rng() % 40), 2 + static_cast<int>(rng() % 10));
    const std::string after =
        random_text(static_cast<int>(rng() % 40), 2 + static_cast<int>(rng() % 10));

    const std::string diff = UnifiedDiff(before, after, "f");

    ASSERT_EQ(before == after ? before : ApplyUnifiedDiff(before, diff), after)
        << "round " << round << "\n"
        << diff;
  }
}

TEST(UnifiedDiffTest, MatchesSystemDiffOnRandomInputs) {
  if (!HaveDiff()) GTEST_SKIP() << "no diff(1) on this machine";
  std::mt19937 rng(2024);
  for (int round = 0; round < 80; ++round) {
    // Few distinct lines: many equally short diffs exist, so this checks that
    // ties are resolved like diff(1) resolves them, not just the format.
    const int alphabet = 3 + static_cast<int>(rng() % 8);
    std::string before;
    for (int i = static_cast<int>(rng() % 60); i > 0; --i)
      before += std::string(1, static_cast<char>('a' + rng() % alphabet)) + "\n";
    std::string after = before;
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
      // A line start: 0, or just past some '\n'.
      size_t at = 0;
      if (!after.empty()) {
        const size_t nl = after.rfind('\n', rng() % after.size());
        at = nl == std::string::npos ? 0 : nl + 1;
      }
      if (rng() % 2 == 0) {
        after.insert(at, std::string(1, static_cast<char>('a' + rng() % (alphabet + 2))) + "\n");
      } else if (at < after.size()) {
        after.erase(at, after.find('\n', at) - at + 1);
      }
    }
    if (rng() % 6 == 0 && !after.empty()) after.pop_back();

    SCOPED_TRACE("round " + std::to_string(round));
    ExpectSameAsSystemDiff(before, after);
  }
}

TEST(UnifiedDiffTest, EqualTextsGiveEmptyDiff) {
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nb\n", "f"), "");
}

TEST(UnifiedDiffTest, SingleChangeHasExpectedShape) {
  EXPECT_EQ(UnifiedDiff("a\nb\nc\n", "a\nB\nc\n", "f.yaml"),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
}

// ---------------------------------------------------------------------------
// RedactSecrets.

TEST(RedactSecretsTest, RedactsSecretKeysInYamlJsonAndEnvStyle) {
  const std::string in =
      "    headers:\n"
      "      authorization: \"Bearer secret-token-123\"\n"
      "      X-API-Key: abcdef\n"
      "      x-honeycomb-key: 'hc-123'\n"
      "      x-scope-orgid: tenant-1\n"
      "    password: hunter2   # do not share\r\n"
      "  - client_secret: s3\n"
      "{\"api_key\": \"k-1\", \"other\": 1}\n"
      "  \"token\": \"t-2\",\n"
      "DB_PASSWORD=pw\n"
      "--bearer=xyz\n"
      "    endpoint: tempo:4317\n"
      "# Basic setup notes\n";

  const std::string out = RedactSecrets(in);

  EXPECT_EQ(out,
            "    headers:\n"
            "      authorization: \"<redacted>\"\n"
            "      X-API-Key: <redacted>\n"
            "      x-honeycomb-key: '<redacted>'\n"
            "      x-scope-orgid: tenant-1\n"
            "    password: <redacted>\r\n"
            "  - client_secret: <redacted>\n"
            "{\"api_key\": \"<redacted>\", \"other\": 1}\n"
            "  \"token\": \"<redacted>\",\n"
            "DB_PASSWORD=<redacted>\n"
            "--bearer=<redacted>\n"
            "    endpoint: tempo:4317\n"
            "# Basic setup notes\n");
}

TEST(RedactSecretsTest, RedactsAuthSchemesInValuesOfAnyKey) {
  EXPECT_EQ(RedactSecrets("  value: Bearer abc.def\n"), "  value: Bearer <redacted>\n");
  EXPECT_EQ(RedactSecrets("  - name: h\n    value: \"Basic dXNlcjpwdw==\"\n"),
            "  - name: h\n    value: \"Basic <redacted>\"\n");
}

TEST(RedactSecretsTest, RedactsBlockValuesOfSecretKeys) {
  const std::string in =
      "tls:\n"
      "  private_key: |\n"
      "    -----BEGIN KEY-----\n"
      "    MIIEvQ\n"
      "\n"
      "  insecure: false\n";

  EXPECT_EQ(RedactSecrets(in),
            "tls:\n"
            "  private_key: |\n"
            "    <redacted>\n"
            "    <redacted>\n"
            "\n"
            "  insecure: false\n");
}

TEST(RedactSecretsTest, HandlesDiffPrefixes) {
  const std::string diff =
      "--- a/collector.yaml\n"
      "+++ b/collector.yaml\n"
      "@@ -28,7 +28,7 @@\n"
      "     headers:\n"
      "-      authorization: \"Bearer old-secret\"\n"
      "+      authorization: \"Bearer new-secret\"\n"
      "       x-scope-orgid: \"tenant-1\"\n"
      "-    queue_size: 100\n"
      "+    queue_size: 200\n";

  const std::string out = RedactSecrets(diff);

  EXPECT_EQ(out,
            "--- a/collector.yaml\n"
            "+++ b/collector.yaml\n"
            "@@ -28,7 +28,7 @@\n"
            "     headers:\n"
            "-      authorization: \"<redacted>\"\n"
            "+      authorization: \"<redacted>\"\n"
            "       x-scope-orgid: \"tenant-1\"\n"
            "-    queue_size: 100\n"
            "+    queue_size: 200\n");
}

TEST(RedactSecretsTest, SecretNeverSurvivesInADiffOfTheTestConfig) {
  const std::string before = ReadTestdata("actuators/collector.yaml");
  auto after = ApplyScalarEdits(
      before, {{SplitKeyPath("exporters.otlp/tempo.sending_queue.queue_size"), "7"}},
      "collector.yaml");
  ASSERT_TRUE(after.ok()) << after.status().message();
  const std::string raw = UnifiedDiff(before, *after, "collector.yaml");
  ASSERT_NE(raw.find("secret-token-123"), std::string::npos)
      << "test premise: the secret is in the context";

  const std::string redacted = RedactSecrets(raw);

  EXPECT_EQ(redacted.find("secret-token-123"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("authorization: \"<redacted>\""), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("+      queue_size: 7   # requests"), std::string::npos) << redacted;
}

}  // namespace
}  // namespace tflo::actuators
