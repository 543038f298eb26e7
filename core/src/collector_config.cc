#include "tflo/core/collector_config.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "tflo/core/duration.h"

namespace tflo::core {
namespace {

using YAML::Node;
using YAML::NodeType;

std::string TypeOf(std::string_view id) { return std::string(id.substr(0, id.find('/'))); }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string JoinKeys(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (const std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

// "https://user:secret@host:4317/path?token=x" -> "https://host:4317/path".
// The endpoint is kept for reports only, so user-info and query strings (the
// places credentials hide in URLs) are dropped rather than stored.
std::string StripCredentials(std::string_view endpoint) {
  std::string_view rest = endpoint;
  std::string out;
  const size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    out = std::string(rest.substr(0, scheme_end + 3));
    rest.remove_prefix(scheme_end + 3);
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const size_t at = rest.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  out += std::string(rest.substr(0, rest.find_first_of("?#")));
  return out;
}

// One parse of one document. Every error carries `<source>:<line>: <path>: `;
// lines are 1-based (yaml-cpp marks are 0-based).
class ConfigParser {
 public:
  explicit ConfigParser(std::string_view source) : source_(source) {}

  Result<CollectorConfig> Parse(const Node& root) {
    CollectorConfig config;
    config.source = source_;
    if (root.IsNull()) return config;  // an empty file declares nothing
    if (!root.IsMap()) return Error(root, 1, "", "expected a mapping at the top level");

    std::set<std::string> connectors;
    std::set<std::string> receivers;
    std::set<std::string> exporters;

    Status sections = ForEachEntry(
        root, 1, "", [&](const std::string& section, const Node& value, int line) -> Status {
          if (section == "receivers") {
            return ForEachComponent(value, line, section,
                                    [&](const std::string& id, const Node&, int) {
                                      config.receiver_ids.push_back(id);
                                      receivers.insert(id);
                                      return OkStatus();
                                    });
          }
          if (section == "connectors") {
            return ForEachComponent(value, line, section,
                                    [&](const std::string& id, const Node&, int) {
                                      connectors.insert(id);
                                      return OkStatus();
                                    });
          }
          if (section == "processors") {
            return ForEachComponent(
                value, line, section, [&](const std::string& id, const Node& block, int id_line) {
                  config.processor_ids.push_back(id);
                  if (TypeOf(id) != "batch") return OkStatus();
                  Result<BatchProcessorConfig> batch = ParseBatch(id, block, id_line);
                  if (!batch.ok()) return batch.status();
                  config.batch_processors.emplace(id, std::move(batch).value());
                  return OkStatus();
                });
          }
          if (section == "exporters") {
            return ForEachComponent(
                value, line, section, [&](const std::string& id, const Node& block, int id_line) {
                  Result<ExporterConfig> exporter = ParseExporter(id, block, id_line);
                  if (!exporter.ok()) return exporter.status();
                  exporters.insert(id);
                  config.exporters.emplace(id, std::move(exporter).value());
                  return OkStatus();
                });
          }
          return OkStatus();  // extensions and anything else: not modelled
        });
    if (!sections.ok()) return sections;

    const Node service = root["service"];
    if (!service || service.IsNull()) return config;
    const int service_line = KeyLine(root, "service");
    if (!service.IsMap()) return Error(service, service_line, "service", "expected a mapping");
    const Node pipelines = service["pipelines"];
    if (!pipelines || pipelines.IsNull()) return config;
    const int pipelines_line = KeyLine(service, "pipelines");
    if (!pipelines.IsMap()) {
      return Error(pipelines, pipelines_line, "service.pipelines", "expected a mapping");
    }

    const std::set<std::string> processor_set(config.processor_ids.begin(),
                                              config.processor_ids.end());
    Status pipelines_walk = ForEachEntry(
        pipelines, pipelines_line, "service.pipelines",
        [&](const std::string& id, const Node& block, int line) -> Status {
          const std::string path = "service.pipelines." + id;
          const std::string signal = TypeOf(id);
          if (signal != "traces" && signal != "metrics" && signal != "logs" &&
              signal != "profiles") {
            return ErrorAtLine(line, path,
                               "unknown signal " + Quote(signal) +
                                   " (expected traces, metrics, logs or profiles)");
          }
          PipelineConfig pipeline;
          pipeline.id = id;
          if (block.IsNull()) {
            config.pipelines.push_back(std::move(pipeline));
            return OkStatus();
          }
          if (!block.IsMap()) return Error(block, line, path, "expected a mapping");
          TFLO_RETURN_IF_ERROR(ForEachEntry(
              block, line, path, [&](const std::string& key, const Node& list, int key_line) {
                const std::string list_path = path + "." + key;
                if (key == "receivers") {
                  return ReadComponentList(
                      list, key_line, list_path, pipeline.receivers,
                      [&](const std::string& c) {
                        return receivers.contains(c) || connectors.contains(c);
                      },
                      "receiver or connector");
                }
                if (key == "processors") {
                  return ReadComponentList(
                      list, key_line, list_path, pipeline.processors,
                      [&](const std::string& c) { return processor_set.contains(c); }, "processor");
                }
                if (key == "exporters") {
                  return ReadComponentList(
                      list, key_line, list_path, pipeline.exporters,
                      [&](const std::string& c) {
                        return exporters.contains(c) || connectors.contains(c);
                      },
                      "exporter or connector");
                }
                return UnknownKey(key_line, list_path, {"receivers", "processors", "exporters"});
              }));
          config.pipelines.push_back(std::move(pipeline));
          return OkStatus();
        });
    if (!pipelines_walk.ok()) return pipelines_walk;
    return config;
  }

 private:
  // --- errors and positions ------------------------------------------------

  static int LineOf(const Node& node, int fallback) {
    if (!node.IsDefined()) return fallback;
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? fallback : mark.line + 1;
  }

  // Line of `key` inside `map`, or 1 when it cannot be found.
  static int KeyLine(const Node& map, std::string_view key) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return LineOf(it->first, 1);
    }
    return 1;
  }

  Status ErrorAtLine(int line, std::string_view path, std::string_view what) const {
    std::string message = source_ + ":" + std::to_string(line) + ": ";
    if (!path.empty()) {
      message.append(path);
      message += ": ";
    }
    message.append(what);
    return InvalidArgumentError(std::move(message));
  }

  // Errors about a scalar value point at the value's own line. Block values and
  // nulls can start on a later line than their key, so those point at the key
  // (`fallback_line`).
  Status Error(const Node& node, int fallback_line, std::string_view path,
               std::string_view what) const {
    const int line =
        node.IsDefined() && node.IsScalar() ? LineOf(node, fallback_line) : fallback_line;
    return ErrorAtLine(line, path, what);
  }

  Status UnknownKey(int line, std::string_view path,
                    std::initializer_list<std::string_view> known) const {
    return ErrorAtLine(line, path, "unknown key (expected one of " + JoinKeys(known) + ")");
  }

  static std::string Describe(const Node& node) {
    switch (node.Type()) {
      case NodeType::Scalar:
        return Quote(node.Scalar());
      case NodeType::Sequence:
        return "a sequence";
      case NodeType::Map:
        return "a mapping";
      default:
        return "nothing";
    }
  }

  // --- iteration -------------------------------------------------------------

  // Calls fn(key, value, key_line) for every entry of a mapping, rejecting
  // non-scalar and duplicate keys (yaml-cpp keeps duplicates; the collector's
  // YAML parser refuses them).
  template <typename Fn>
  Status ForEachEntry(const Node& map, int map_line, std::string_view path, Fn&& fn) const {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const int key_line = LineOf(it->first, map_line);
      if (!it->first.IsScalar()) return ErrorAtLine(key_line, path, "keys must be strings");
      const std::string key = it->first.Scalar();
      const std::string key_path = path.empty() ? key : std::string(path) + "." + key;
      if (!seen.insert(key).second) return ErrorAtLine(key_line, key_path, "duplicate key");
      TFLO_RETURN_IF_ERROR(fn(key, it->second, key_line));
    }
    return OkStatus();
  }

  // A top-level component section: null (nothing declared) or a mapping of
  // component id -> block.
  template <typename Fn>
  Status ForEachComponent(const Node& section, int line, const std::string& path, Fn&& fn) const {
    if (section.IsNull()) return OkStatus();
    if (!section.IsMap()) {
      return Error(section, line, path,
                   "expected a mapping of component ids, got " + Describe(section));
    }
    return ForEachEntry(section, line, path,
                        [&](const std::string& id, const Node& block, int id_line) -> Status {
                          if (id.empty()) return ErrorAtLine(id_line, path, "empty component id");
                          return fn(id, block, id_line);
                        });
  }

  template <typename IsDeclared>
  Status ReadComponentList(const Node& list, int line, const std::string& path,
                           std::vector<std::string>& out, IsDeclared&& is_declared,
                           std::string_view kind) const {
    if (list.IsNull()) return OkStatus();
    if (!list.IsSequence()) {
      return Error(list, line, path, "expected a list of component ids, got " + Describe(list));
    }
    for (auto it = list.begin(); it != list.end(); ++it) {
      const Node& item = *it;
      if (!item.IsScalar() || item.Scalar().empty()) {
        return Error(item, line, path, "expected a component id, got " + Describe(item));
      }
      if (!is_declared(item.Scalar())) {
        return Error(item, line, path,
                     std::string(kind) + " " + Quote(item.Scalar()) + " is not declared");
      }
      out.push_back(item.Scalar());
    }
    return OkStatus();
  }

  // --- scalars -----------------------------------------------------------------

  Result<int64_t> ReadInt(const Node& node, int line, const std::string& path, int64_t min) const {
    const std::string expected = min == 0 ? "expected a non-negative integer"
                                          : "expected an integer >= " + std::to_string(min);
    if (!node.IsScalar()) return Error(node, line, path, expected + ", got " + Describe(node));
    std::string_view text = node.Scalar();
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < min) {
      return Error(node, line, path, expected + ", got " + Describe(node) + SubstitutionHint(node));
    }
    return value;
  }

  Result<double> ReadDouble(const Node& node, int line, const std::string& path) const {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      double value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty() &&
          std::isfinite(value)) {
        return value;
      }
    }
    return Error(node, line, path,
                 "expected a number, got " + Describe(node) + SubstitutionHint(node));
  }

  // YAML 1.2 core-schema booleans only: "yes"/"on" are strings to the collector.
  Result<bool> ReadBool(const Node& node, int line, const std::string& path) const {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
    }
    return Error(node, line, path,
                 "expected true or false, got " + Describe(node) + SubstitutionHint(node));
  }

  Result<std::string> ReadString(const Node& node, int line, const std::string& path) const {
    if (!node.IsScalar()) {
      return Error(node, line, path, "expected a string, got " + Describe(node));
    }
    return node.Scalar();
  }

  // Non-negative Go duration ("200ms", "5s", "0").
  Result<std::chrono::nanoseconds> ReadDuration(const Node& node, int line,
                                                const std::string& path) const {
    if (!node.IsScalar()) {
      return Error(node, line, path,
                   "expected a duration such as \"200ms\", got " + Describe(node));
    }
    const std::string& text = node.Scalar();
    Result<std::chrono::nanoseconds> duration = ParseGoDuration(text);
    if (!duration.ok()) {
      std::string hint = SubstitutionHint(node);
      int64_t bare = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bare);
      if (hint.empty() && ec == std::errc() && end == text.data() + text.size()) {
        // The collector would silently read a bare integer as nanoseconds.
        hint = " (a bare number has no unit; write e.g. \"" + text + "s\" or \"" + text + "ms\")";
      }
      return Error(node, line, path,
                   R"(expected a duration such as "200ms" or "5s", got )" + Quote(text) + hint);
    }
    if (duration->count() < 0) return Error(node, line, path, "must be >= 0, got " + Quote(text));
    return duration;
  }

  static std::string SubstitutionHint(const Node& node) {
    if (node.IsScalar() && node.Scalar().find("${") != std::string::npos) {
      return " (${...} references are not expanded by tflo)";
    }
    return "";
  }

  Status ExpectMapOrNull(const Node& block, int line, const std::string& path) const {
    if (block.IsNull() || block.IsMap()) return OkStatus();
    return Error(block, line, path, "expected a mapping, got " + Describe(block));
  }

  // --- modelled blocks -----------------------------------------------------------

  Result<BatchProcessorConfig> ParseBatch(const std::string& id, const Node& block,
                                          int line) const {
    const std::string path = "processors." + id;
    BatchProcessorConfig batch;
    batch.id = id;
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return batch;  // `batch:` alone = all defaults

    int max_size_line = line;
    Status batch_walk = ForEachEntry(
        block, line, path, [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "send_batch_size") {
            TFLO_ASSIGN_OR_RETURN(batch.send_batch_size, ReadInt(value, key_line, key_path, 0));
          } else if (key == "send_batch_max_size") {
            max_size_line = LineOf(value, key_line);
            TFLO_ASSIGN_OR_RETURN(batch.send_batch_max_size, ReadInt(value, key_line, key_path, 0));
          } else if (key == "timeout") {
            TFLO_ASSIGN_OR_RETURN(batch.timeout, ReadDuration(value, key_line, key_path));
          } else if (key == "metadata_keys") {
            if (value.IsNull()) return OkStatus();
            if (!value.IsSequence()) {
              return Error(value, key_line, key_path,
                           "expected a list of strings, got " + Describe(value));
            }
            for (auto it = value.begin(); it != value.end(); ++it) {
              if (!it->IsScalar()) {
                return Error(*it, key_line, key_path, "expected a string, got " + Describe(*it));
              }
            }
          } else if (key == "metadata_cardinality_limit") {
            TFLO_RETURN_IF_ERROR(ReadInt(value, key_line, key_path, 0).status());
          } else {
            return UnknownKey(key_line, key_path,
                              {"send_batch_size", "send_batch_max_size", "timeout", "metadata_keys",
                               "metadata_cardinality_limit"});
          }
          return OkStatus();
        });
    if (!batch_walk.ok()) return batch_walk;

    if (batch.send_batch_max_size != 0 && batch.send_batch_max_size < batch.send_batch_size) {
      return ErrorAtLine(max_size_line, path + ".send_batch_max_size",
                         "must be 0 or >= send_batch_size (" +
                             std::to_string(batch.send_batch_size) + "), got " +
                             std::to_string(batch.send_batch_max_size));
    }
    return batch;
  }

  Result<ExporterConfig> ParseExporter(const std::string& id, const Node& block, int line) const {
    const std::string path = "exporters." + id;
    ExporterConfig exporter;
    exporter.id = id;
    exporter.type = TypeOf(id);
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return exporter;

    // Only the keys below are read. Everything else (headers, tls, auth,
    // compression, ...) is never looked at, so secrets in it are never copied.
    Status exporter_walk = ForEachEntry(
        block, line, path, [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "sending_queue") {
            return ParseSendingQueue(value, key_line, key_path, exporter.sending_queue);
          }
          if (key == "retry_on_failure") {
            return ParseRetry(value, key_line, key_path, exporter.retry_on_failure);
          }
          if (key == "timeout") {
            TFLO_ASSIGN_OR_RETURN(exporter.timeout, ReadDuration(value, key_line, key_path));
          } else if (key == "endpoint") {
            TFLO_ASSIGN_OR_RETURN(const std::string endpoint,
                                  ReadString(value, key_line, key_path));
            exporter.endpoint = StripCredentials(endpoint);
          }
          return OkStatus();
        });
    if (!exporter_walk.ok()) return exporter_walk;
    return exporter;
  }

  Status ParseSendingQueue(const Node& block, int line, const std::string& path,
                           SendingQueueConfig& queue) const {
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return OkStatus();
    // Types are checked here; ranges after, because the collector skips range
    // validation of a disabled queue.
    int num_consumers_line = line;
    int queue_size_line = line;
    std::optional<int64_t> num_consumers;
    std::optional<int64_t> queue_size;
    Status queue_walk = ForEachEntry(
        block, line, path, [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "enabled") {
            TFLO_ASSIGN_OR_RETURN(queue.enabled, ReadBool(value, key_line, key_path));
          } else if (key == "num_consumers") {
            num_consumers_line = LineOf(value, key_line);
            TFLO_ASSIGN_OR_RETURN(num_consumers, ReadSignedInt(value, key_line, key_path));
          } else if (key == "queue_size") {
            queue_size_line = LineOf(value, key_line);
            TFLO_ASSIGN_OR_RETURN(queue_size, ReadSignedInt(value, key_line, key_path));
          } else if (key == "sizer") {
            TFLO_ASSIGN_OR_RETURN(queue.sizer, ReadString(value, key_line, key_path));
            if (queue.sizer != "requests" && queue.sizer != "items" && queue.sizer != "bytes") {
              return Error(value, key_line, key_path,
                           "expected requests, items or bytes, got " + Quote(queue.sizer));
            }
          } else if (key == "block_on_overflow" || key == "blocking") {
            // `blocking` is the pre-v0.120 spelling of block_on_overflow.
            TFLO_ASSIGN_OR_RETURN(queue.block_on_overflow, ReadBool(value, key_line, key_path));
          } else if (key == "wait_for_result") {
            TFLO_RETURN_IF_ERROR(ReadBool(value, key_line, key_path).status());
          } else if (key == "storage" || key == "concurrency_controller") {
            // Extension ids: accepted, not modelled.
            if (!value.IsNull()) {
              TFLO_RETURN_IF_ERROR(ReadString(value, key_line, key_path).status());
            }
          } else if (key == "batch") {
            // Exporter-side batching: accepted, not modelled here.
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
          } else {
            return UnknownKey(
                key_line, key_path,
                {"enabled", "num_consumers", "queue_size", "sizer", "block_on_overflow",
                 "wait_for_result", "storage", "batch", "concurrency_controller"});
          }
          return OkStatus();
        });
    if (!queue_walk.ok()) return queue_walk;
    if (num_consumers) queue.num_consumers = *num_consumers;
    if (queue_size) queue.queue_size = *queue_size;
    if (!queue.enabled) return OkStatus();
    if (queue.num_consumers < 1) {
      return ErrorAtLine(num_consumers_line, path + ".num_consumers",
                         "must be >= 1, got " + std::to_string(queue.num_consumers));
    }
    if (queue.queue_size < 1) {
      return ErrorAtLine(queue_size_line, path + ".queue_size",
                         "must be >= 1, got " + std::to_string(queue.queue_size));
    }
    return OkStatus();
  }

  Result<int64_t> ReadSignedInt(const Node& node, int line, const std::string& path) const {
    if (node.IsScalar()) {
      std::string_view text = node.Scalar();
      if (!text.empty() && text.front() == '+') text.remove_prefix(1);
      int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && !text.empty() && end == text.data() + text.size()) return value;
    }
    return Error(node, line, path,
                 "expected an integer, got " + Describe(node) + SubstitutionHint(node));
  }

  Status ParseRetry(const Node& block, int line, const std::string& path,
                    RetryConfig& retry) const {
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return OkStatus();
    int randomization_line = line;
    int multiplier_line = line;
    Status retry_walk = ForEachEntry(
        block, line, path, [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "enabled") {
            TFLO_ASSIGN_OR_RETURN(retry.enabled, ReadBool(value, key_line, key_path));
          } else if (key == "initial_interval") {
            TFLO_ASSIGN_OR_RETURN(retry.initial_interval, ReadDuration(value, key_line, key_path));
          } else if (key == "randomization_factor") {
            randomization_line = LineOf(value, key_line);
            TFLO_ASSIGN_OR_RETURN(retry.randomization_factor,
                                  ReadDouble(value, key_line, key_path));
          } else if (key == "multiplier") {
            multiplier_line = LineOf(value, key_line);
            TFLO_ASSIGN_OR_RETURN(retry.multiplier, ReadDouble(value, key_line, key_path));
          } else if (key == "max_interval") {
            TFLO_ASSIGN_OR_RETURN(retry.max_interval, ReadDuration(value, key_line, key_path));
          } else if (key == "max_elapsed_time") {
            TFLO_ASSIGN_OR_RETURN(retry.max_elapsed_time, ReadDuration(value, key_line, key_path));
          } else {
            return UnknownKey(key_line, key_path,
                              {"enabled", "initial_interval", "randomization_factor", "multiplier",
                               "max_interval", "max_elapsed_time"});
          }
          return OkStatus();
        });
    if (!retry_walk.ok()) return retry_walk;
    // Like configretry, a disabled policy is not range-checked.
    if (!retry.enabled) return OkStatus();
    if (retry.randomization_factor < 0 || retry.randomization_factor > 1) {
      std::ostringstream got;
      got << retry.randomization_factor;
      return ErrorAtLine(randomization_line, path + ".randomization_factor",
                         "must be within [0, 1], got " + got.str());
    }
    if (retry.multiplier < 1) {
      // configretry itself only rejects negative values; a multiplier below 1
      // would shrink the back-off, which tflo treats as a mistake.
      std::ostringstream got;
      got << retry.multiplier;
      return ErrorAtLine(multiplier_line, path + ".multiplier", "must be >= 1, got " + got.str());
    }
    return OkStatus();
  }

  std::string source_;
};

}  // namespace

const PipelineConfig* CollectorConfig::TracesPipeline() const {
  for (const PipelineConfig& pipeline : pipelines) {
    if (pipeline.id == "traces" || pipeline.id.rfind("traces/", 0) == 0) return &pipeline;
  }
  return nullptr;
}

const BatchProcessorConfig* CollectorConfig::BatchFor(const PipelineConfig& pipeline) const {
  for (const std::string& id : pipeline.processors) {
    const auto it = batch_processors.find(id);
    if (it != batch_processors.end()) return &it->second;
  }
  return nullptr;
}

const ExporterConfig* CollectorConfig::ExporterFor(const PipelineConfig& pipeline) const {
  // Connectors listed as exporters have no ExporterConfig; they are skipped.
  for (const std::string& id : pipeline.exporters) {
    const auto it = exporters.find(id);
    if (it != exporters.end()) return &it->second;
  }
  return nullptr;
}

Result<CollectorConfig> ParseCollectorConfig(std::string_view yaml_text,
                                             std::string_view source_name) {
  const std::string source(source_name);
  // yaml-cpp reports every problem by throwing; this is the boundary where
  // that becomes a Status.
  Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return InvalidArgumentError(source + ":" + std::to_string(line) + ": invalid YAML: " + e.msg);
  }
  try {
    return ConfigParser(source).Parse(root);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return InvalidArgumentError(source + ":" + std::to_string(line) + ": " + e.msg);
  }
}

Result<CollectorConfig> LoadCollectorConfig(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFoundError("collector config not found: " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError("cannot open collector config: " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read collector config: " + path.string());
  return ParseCollectorConfig(text.str(), path.string());
}

}  // namespace tflo::core
