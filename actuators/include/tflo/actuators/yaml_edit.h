// Minimal, comment-preserving edits of a YAML document's scalar values.
//
// Configuration files are the users' property: only the bytes of the changed
// value move. yaml-cpp locates the value (Node::Mark gives its position); the
// edit replaces exactly that scalar's text in the original document, keeping its
// quoting style, trailing comment, line endings, key order and every other byte.
// A missing key is inserted as a new line at the indentation of its siblings
// (or the parent's indentation + 2 when the parent mapping is empty/null);
// missing intermediate mappings are created the same way. Flow-style
// collections ({a: 1}) and aliases are refused with kUnimplemented rather than
// rewritten. Pure functions, thread-safe.
#ifndef TFLO_ACTUATORS_YAML_EDIT_H_
#define TFLO_ACTUATORS_YAML_EDIT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::actuators {

// "exporters.otlp/tempo.sending_queue.queue_size" -> {"exporters", "otlp/tempo", ...}.
std::vector<std::string> SplitKeyPath(std::string_view dotted);

struct ScalarEdit {
  std::vector<std::string> path;
  std::string value;  // plain scalar text to write (e.g. "2048", "5s")
};

// The scalar text currently at `path` (unquoted), nullopt if absent.
// kInvalidArgument naming `source_name`:line for malformed YAML or a path that
// runs through a non-mapping.
Result<std::optional<std::string>> ReadScalar(std::string_view yaml_text,
                                              const std::vector<std::string>& path,
                                              std::string_view source_name);

// Applies the edits in order; returns the new document text. The result is
// re-parsed and checked to hold exactly the requested values (kInternal if not).
Result<std::string> ApplyScalarEdits(std::string_view yaml_text, const std::vector<ScalarEdit>& edits,
                                     std::string_view source_name);

}  // namespace tflo::actuators

#endif  // TFLO_ACTUATORS_YAML_EDIT_H_
