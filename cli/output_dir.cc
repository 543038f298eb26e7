#include "output_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace tflo::cli {

namespace fs = std::filesystem;

Status PrepareOwnedOutputDir(const fs::path& dir, const OwnedOutputDir& spec) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return FailedPreconditionError(dir.string() + ": exists and is not a directory");
    }
    const bool ours = fs::exists(dir / spec.marker_file, ec);
    if (!ours && !fs::is_empty(dir, ec)) {
      return FailedPreconditionError(dir.string() + ": directory is not empty and holds no earlier " +
                                     spec.command +
                                     " output; choose a new or empty directory (nothing was written)");
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      return PermissionDeniedError(dir.string() + ": cannot write: " + std::strerror(errno));
    }
    if (ours) {
      for (const auto& name : spec.artefacts) {
        fs::remove_all(dir / name, ec);
        if (ec) return InternalError((dir / name).string() + ": cannot remove: " + ec.message());
      }
    }
  } else {
    fs::create_directories(dir, ec);
    if (ec) return PermissionDeniedError(dir.string() + ": cannot create: " + ec.message());
  }
  std::ofstream marker(dir / spec.marker_file, std::ios::trunc);
  marker << "This directory holds the output of `" << spec.command << "`; a re-run replaces it.\n";
  if (!marker) return PermissionDeniedError((dir / spec.marker_file).string() + ": cannot write");
  return OkStatus();
}

}  // namespace tflo::cli
