// Helpers shared by the test binaries: temporary directories, testdata access.
#ifndef TFLO_TESTS_TEST_UTIL_H_
#define TFLO_TESTS_TEST_UTIL_H_

#include <filesystem>
#include <string>

namespace tflo::testing {

// Contents of tests/testdata/<relative>; aborts the test binary if unreadable.
std::string ReadTestdata(const std::string& relative);
std::filesystem::path TestdataPath(const std::string& relative);

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& content);

}  // namespace tflo::testing

#endif  // TFLO_TESTS_TEST_UTIL_H_
