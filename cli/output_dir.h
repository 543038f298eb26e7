// Output directories the tflo commands own: marked by a file, replaced on a
// re-run, refused when they hold anything else, so a command never overwrites
// what is not its own.
#ifndef TFLO_CLI_OUTPUT_DIR_H_
#define TFLO_CLI_OUTPUT_DIR_H_

#include <filesystem>
#include <string>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::cli {

struct OwnedOutputDir {
  std::string marker_file;             // ".tflo-demo"
  std::string command;                 // "tflo demo", for messages and the marker's text
  std::vector<std::string> artefacts;  // names a previous run leaves; only these are removed
};

// Creates `dir`, or reuses it when it is empty or holds the marker (removing the
// listed artefacts of the earlier run), then writes the marker. A directory that
// holds other files is refused (kFailedPrecondition) with nothing written; one
// that cannot be created or written is kPermissionDenied naming it.
Status PrepareOwnedOutputDir(const std::filesystem::path& dir, const OwnedOutputDir& spec);

}  // namespace tflo::cli

#endif  // TFLO_CLI_OUTPUT_DIR_H_
