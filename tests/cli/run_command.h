// Runs the built `tflo` binary as a user would, capturing its exit code and
// combined output. Shared by the cli and e2e tests.
#ifndef TFLO_TESTS_CLI_RUN_COMMAND_H_
#define TFLO_TESTS_CLI_RUN_COMMAND_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace tflo::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};

// `args` is appended to the binary path verbatim (the caller quotes).
inline CommandResult RunTflo(const std::string& args) {
  CommandResult result;
  const std::string command = std::string(TFLO_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace tflo::testing

#endif  // TFLO_TESTS_CLI_RUN_COMMAND_H_
