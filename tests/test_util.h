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

// A TCP port on 127.0.0.1 held for as long as this object lives, so nothing
// else can take it. Bound to a free port (port() is 0 if that failed); with
// `listen`, connections are accepted by the kernel and never served (a busy
// port), without it they are refused (a dead endpoint).
class HeldLoopbackPort {
 public:
  explicit HeldLoopbackPort(bool listen);
  ~HeldLoopbackPort();
  HeldLoopbackPort(const HeldLoopbackPort&) = delete;
  HeldLoopbackPort& operator=(const HeldLoopbackPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace tflo::testing

#endif  // TFLO_TESTS_TEST_UTIL_H_
