// Safe file replacement: atomic write, backups, unified diffs, secret redaction.
//
// AtomicWriteFile writes a temporary file in the target's directory, fsyncs it,
// renames it over the target and fsyncs the directory, so a crash at any point
// leaves either the old or the new content, never a mix (a stray temporary file
// at worst, named `.<name>.tflo-tmp-*`). File mode is preserved. Thread-safe for
// distinct paths.
#ifndef TFLO_ACTUATORS_FILE_OPS_H_
#define TFLO_ACTUATORS_FILE_OPS_H_

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "tflo/core/status.h"

namespace tflo::actuators {

Result<std::string> ReadFileBytes(const std::filesystem::path& path);

// `before_rename` is a test hook called after the temporary file is durable and
// before the rename (tests kill the process there).
Status AtomicWriteFile(const std::filesystem::path& path, std::string_view content,
                       const std::function<void()>& before_rename = nullptr);

// Hex SHA-256 of `data` (for change records: the exact bytes before and after).
std::string Sha256Hex(std::string_view data);

// Unified diff (3 lines of context) between two texts, with ---/+++ headers
// naming `label`. Empty string when equal. Lines are not redacted here.
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view label);

// Replaces the value part of lines whose key looks secret (authorization,
// api-key, api_key, apikey, token, password, secret, x-*-key ...) with
// "<redacted>". Used on every diff and excerpt that reaches a log, a report or
// the database.
std::string RedactSecrets(std::string_view text);

}  // namespace tflo::actuators

#endif  // TFLO_ACTUATORS_FILE_OPS_H_
