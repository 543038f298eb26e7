#include "tflo/core/collector_config.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <regex>
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
            return ForEachComponent(
                value, line, section, [&](const std::string& id, const Node& block, int id_line) {
                  connectors.insert(id);
                  config.connector_ids.push_back(id);
                  const std::string type = TypeOf(id);
                  if (type == "spanmetrics" || type == "span_metrics") {
                    Result<SpanMetricsConnectorConfig> spanmetrics =
                        ParseSpanMetrics(id, block, id_line);
                    if (!spanmetrics.ok()) return spanmetrics.status();
                    config.span_metrics_connectors.emplace(id, std::move(spanmetrics).value());
                  } else if (type == "servicegraph" || type == "service_graph") {
                    Result<ServiceGraphConnectorConfig> graph =
                        ParseServiceGraph(id, block, id_line);
                    if (!graph.ok()) return graph.status();
                    config.service_graph_connectors.emplace(id, std::move(graph).value());
                  }
                  return OkStatus();
                });
          }
          if (section == "processors") {
            return ForEachComponent(
                value, line, section, [&](const std::string& id, const Node& block, int id_line) {
                  config.processor_ids.push_back(id);
                  const std::string type = TypeOf(id);
                  if (type == "batch") {
                    Result<BatchProcessorConfig> batch = ParseBatch(id, block, id_line);
                    if (!batch.ok()) return batch.status();
                    config.batch_processors.emplace(id, std::move(batch).value());
                  } else if (type == "memory_limiter") {
                    Result<MemoryLimiterConfig> limiter = ParseMemoryLimiter(id, block, id_line);
                    if (!limiter.ok()) return limiter.status();
                    config.memory_limiters.emplace(id, std::move(limiter).value());
                  } else if (type == "probabilistic_sampler") {
                    Result<ProbabilisticSamplerConfig> sampler =
                        ParseProbabilisticSampler(id, block, id_line);
                    if (!sampler.ok()) return sampler.status();
                    config.probabilistic_samplers.emplace(id, std::move(sampler).value());
                  } else if (type == "tail_sampling") {
                    Result<TailSamplingConfig> tail = ParseTailSampling(id, block, id_line);
                    if (!tail.ok()) return tail.status();
                    config.tail_samplers.emplace(id, std::move(tail).value());
                  }
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

  // --- helpers for the processor and connector blocks ------------------------------

  // An unsigned 32-bit integer (the collector's uint32 fields).
  Result<int64_t> ReadUint32(const Node& node, int line, const std::string& path) const {
    TFLO_ASSIGN_OR_RETURN(const int64_t value, ReadInt(node, line, path, 0));
    if (value > int64_t{4294967295}) {
      return Error(node, line, path, "must be <= 4294967295, got " + std::to_string(value));
    }
    return value;
  }

  Result<std::vector<std::string>> ReadStringList(const Node& node, int line,
                                                  const std::string& path) const {
    std::vector<std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) {
      return Error(node, line, path, "expected a list of strings, got " + Describe(node));
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->IsScalar()) {
        return Error(*it, line, path, "expected a string, got " + Describe(*it));
      }
      out.push_back(it->Scalar());
    }
    return out;
  }

  Result<std::vector<std::chrono::nanoseconds>> ReadDurationList(const Node& node, int line,
                                                                 const std::string& path) const {
    std::vector<std::chrono::nanoseconds> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) {
      return Error(node, line, path, "expected a list of durations, got " + Describe(node));
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      TFLO_ASSIGN_OR_RETURN(const std::chrono::nanoseconds d, ReadDuration(*it, line, path));
      out.push_back(d);
    }
    return out;
  }

  static std::string FormatDouble(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  // A list of `{name, default}` (spanmetrics dimensions).
  Result<std::vector<SpanMetricsDimension>> ReadDimensions(const Node& node, int line,
                                                           const std::string& path) const {
    std::vector<SpanMetricsDimension> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) {
      return Error(node, line, path,
                   "expected a list of {name, default} entries, got " + Describe(node));
    }
    int index = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++index) {
      const std::string item_path = path + "[" + std::to_string(index) + "]";
      const int item_line = LineOf(*it, line);
      if (!it->IsMap()) {
        return Error(*it, item_line, item_path,
                     "expected a mapping with a name, got " + Describe(*it));
      }
      SpanMetricsDimension dimension;
      bool has_name = false;
      const Status walk = ForEachEntry(
          *it, item_line, item_path,
          [&](const std::string& key, const Node& value, int key_line) -> Status {
            const std::string key_path = item_path + "." + key;
            if (key == "name") {
              TFLO_ASSIGN_OR_RETURN(dimension.name, ReadString(value, key_line, key_path));
              has_name = true;
            } else if (key == "default") {
              if (!value.IsNull()) {
                TFLO_ASSIGN_OR_RETURN(dimension.default_value,
                                      ReadString(value, key_line, key_path));
              }
            } else {
              return UnknownKey(key_line, key_path, {"name", "default"});
            }
            return OkStatus();
          });
      if (!walk.ok()) return walk;
      if (!has_name || dimension.name.empty()) {
        return ErrorAtLine(item_line, item_path + ".name", "required");
      }
      out.push_back(std::move(dimension));
    }
    return out;
  }

  // --- memory_limiter (internal/memorylimiter/config.go) ---------------------------

  Result<MemoryLimiterConfig> ParseMemoryLimiter(const std::string& id, const Node& block,
                                                 int line) const {
    const std::string path = "processors." + id;
    MemoryLimiterConfig limiter;
    limiter.id = id;
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    int check_line = line;
    int spike_line = line;
    int percentage_line = line;
    int spike_percentage_line = line;
    int gc_line = line;
    if (block.IsMap()) {
      Status walk = ForEachEntry(
          block, line, path,
          [&](const std::string& key, const Node& value, int key_line) -> Status {
            const std::string key_path = path + "." + key;
            const int value_line = LineOf(value, key_line);
            if (key == "check_interval") {
              check_line = value_line;
              TFLO_ASSIGN_OR_RETURN(limiter.check_interval,
                                    ReadDuration(value, key_line, key_path));
            } else if (key == "limit_mib") {
              TFLO_ASSIGN_OR_RETURN(limiter.limit_mib, ReadUint32(value, key_line, key_path));
            } else if (key == "spike_limit_mib") {
              spike_line = value_line;
              TFLO_ASSIGN_OR_RETURN(limiter.spike_limit_mib,
                                    ReadUint32(value, key_line, key_path));
            } else if (key == "limit_percentage") {
              percentage_line = value_line;
              TFLO_ASSIGN_OR_RETURN(limiter.limit_percentage,
                                    ReadUint32(value, key_line, key_path));
            } else if (key == "spike_limit_percentage") {
              spike_percentage_line = value_line;
              TFLO_ASSIGN_OR_RETURN(limiter.spike_limit_percentage,
                                    ReadUint32(value, key_line, key_path));
            } else if (key == "min_gc_interval_when_soft_limited") {
              gc_line = value_line;
              TFLO_ASSIGN_OR_RETURN(limiter.min_gc_interval_when_soft_limited,
                                    ReadDuration(value, key_line, key_path));
            } else if (key == "min_gc_interval_when_hard_limited") {
              TFLO_ASSIGN_OR_RETURN(limiter.min_gc_interval_when_hard_limited,
                                    ReadDuration(value, key_line, key_path));
            } else if (key == "max_gc_interval_when_soft_limited" ||
                       key == "max_gc_interval_when_hard_limited") {
              // GC back-off caps: the model has no garbage to collect (see
              // memory_limiter_model.h); type-checked only.
              TFLO_RETURN_IF_ERROR(ReadDuration(value, key_line, key_path).status());
            } else {
              return UnknownKey(key_line, key_path,
                                {"check_interval", "limit_mib", "spike_limit_mib",
                                 "limit_percentage", "spike_limit_percentage",
                                 "min_gc_interval_when_soft_limited",
                                 "min_gc_interval_when_hard_limited",
                                 "max_gc_interval_when_soft_limited",
                                 "max_gc_interval_when_hard_limited"});
            }
            return OkStatus();
          });
      if (!walk.ok()) return walk;
    }
    // Same checks, same order as the collector's Config.Validate.
    if (limiter.check_interval.count() <= 0) {
      return ErrorAtLine(check_line, path + ".check_interval",
                         "must be > 0 (the collector has no default; 1s is recommended)");
    }
    if (limiter.min_gc_interval_when_soft_limited < limiter.min_gc_interval_when_hard_limited) {
      return ErrorAtLine(gc_line, path + ".min_gc_interval_when_soft_limited",
                         "must be >= min_gc_interval_when_hard_limited");
    }
    if (limiter.limit_mib == 0 && limiter.limit_percentage == 0) {
      return ErrorAtLine(line, path, "limit_mib or limit_percentage must be > 0");
    }
    if (limiter.limit_percentage > 100) {
      return ErrorAtLine(
          percentage_line, path + ".limit_percentage",
          "must be within [0, 100], got " + std::to_string(limiter.limit_percentage));
    }
    if (limiter.spike_limit_percentage > 100) {
      return ErrorAtLine(spike_percentage_line, path + ".spike_limit_percentage",
                         "must be within [0, 100], got " +
                             std::to_string(limiter.spike_limit_percentage));
    }
    if (limiter.limit_mib > 0 && limiter.limit_mib <= limiter.spike_limit_mib) {
      return ErrorAtLine(spike_line, path + ".spike_limit_mib",
                         "must be < limit_mib (" + std::to_string(limiter.limit_mib) + "), got " +
                             std::to_string(limiter.spike_limit_mib));
    }
    if (limiter.limit_percentage > 0 &&
        limiter.limit_percentage <= limiter.spike_limit_percentage) {
      return ErrorAtLine(spike_percentage_line, path + ".spike_limit_percentage",
                         "must be < limit_percentage (" +
                             std::to_string(limiter.limit_percentage) + "), got " +
                             std::to_string(limiter.spike_limit_percentage));
    }
    return limiter;
  }

  // --- probabilistic_sampler (probabilisticsamplerprocessor/config.go) -----------------

  Result<ProbabilisticSamplerConfig> ParseProbabilisticSampler(const std::string& id,
                                                               const Node& block,
                                                               int line) const {
    const std::string path = "processors." + id;
    ProbabilisticSamplerConfig sampler;
    sampler.id = id;
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    bool has_percentage = false;
    if (block.IsMap()) {
      Status walk = ForEachEntry(
          block, line, path,
          [&](const std::string& key, const Node& value, int key_line) -> Status {
            const std::string key_path = path + "." + key;
            if (key == "sampling_percentage") {
              TFLO_ASSIGN_OR_RETURN(sampler.sampling_percentage,
                                    ReadDouble(value, key_line, key_path));
              has_percentage = true;
              const double ratio = sampler.sampling_percentage / 100.0;
              if (ratio < 0) {
                return Error(value, key_line, key_path,
                             "must be >= 0, got " + FormatDouble(sampler.sampling_percentage));
              }
              // 2^-56: the smallest probability a 56-bit threshold can express.
              if (ratio != 0 && ratio < 0x1p-56) {
                return Error(value, key_line, key_path,
                             "is too small (minimum 2^-56 as a ratio), got " +
                                 FormatDouble(sampler.sampling_percentage));
              }
            } else if (key == "mode") {
              TFLO_ASSIGN_OR_RETURN(sampler.mode, ReadString(value, key_line, key_path));
              if (!sampler.mode.empty() && sampler.mode != "hash_seed" &&
                  sampler.mode != "proportional" && sampler.mode != "equalizing") {
                return Error(value, key_line, key_path,
                             "expected hash_seed, proportional or equalizing, got " +
                                 Quote(sampler.mode));
              }
            } else if (key == "hash_seed") {
              TFLO_ASSIGN_OR_RETURN(const int64_t seed, ReadUint32(value, key_line, key_path));
              sampler.hash_seed = static_cast<uint32_t>(seed);
            } else if (key == "fail_closed") {
              TFLO_ASSIGN_OR_RETURN(sampler.fail_closed, ReadBool(value, key_line, key_path));
            } else if (key == "sampling_precision") {
              TFLO_ASSIGN_OR_RETURN(const int64_t precision,
                                    ReadInt(value, key_line, key_path, 0));
              if (precision < 1 || precision > 14) {
                return Error(value, key_line, key_path,
                             "must be within [1, 14], got " + std::to_string(precision));
              }
              sampler.sampling_precision = static_cast<int>(precision);
            } else if (key == "attribute_source") {
              // Logs only; checked for the same values as the collector.
              TFLO_ASSIGN_OR_RETURN(const std::string source,
                                    ReadString(value, key_line, key_path));
              if (!source.empty() && source != "traceID" && source != "record") {
                return Error(value, key_line, key_path,
                             "expected traceID or record, got " + Quote(source));
              }
            } else if (key == "from_attribute" || key == "sampling_priority") {
              TFLO_RETURN_IF_ERROR(ReadString(value, key_line, key_path).status());
            } else {
              return UnknownKey(key_line, key_path,
                                {"sampling_percentage", "mode", "hash_seed", "fail_closed",
                                 "sampling_precision", "attribute_source", "from_attribute",
                                 "sampling_priority"});
            }
            return OkStatus();
          });
      if (!walk.ok()) return walk;
    }
    if (!has_percentage) {
      return ErrorAtLine(line, path + ".sampling_percentage",
                         "required (the percentage of traces to keep, e.g. 10)");
    }
    return sampler;
  }

  // --- tail_sampling (tailsamplingprocessor/config.go, internal/sampling) ---------------

  static bool IsModelledPolicyType(std::string_view type) {
    for (const std::string_view t :
         {"always_sample", "latency", "numeric_attribute", "probabilistic", "status_code",
          "string_attribute", "rate_limiting", "span_count", "boolean_attribute", "and", "drop"}) {
      if (type == t) return true;
    }
    return false;
  }

  // Types the collector knows that tflo only reads (the model refuses them).
  static bool IsUnmodelledPolicyType(std::string_view type) {
    for (const std::string_view t :
         {"bytes_limiting", "trace_state", "trace_flags", "ottl_condition", "composite"}) {
      if (type == t) return true;
    }
    return false;
  }

  static bool IsPolicyBlockKey(std::string_view key) {
    return IsModelledPolicyType(key) || IsUnmodelledPolicyType(key);
  }

  Status ParsePolicyBlock(TailSamplingPolicyConfig& policy, const Node& block, int line,
                          const std::string& path, int depth) const {
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return OkStatus();
    const std::string& type = policy.type;
    if (!policy.modelled) return OkStatus();  // read, not interpreted
    return ForEachEntry(
        block, line, path,
        [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (type == "latency") {
            if (key == "threshold_ms") {
              TFLO_ASSIGN_OR_RETURN(policy.threshold_ms, ReadInt(value, key_line, key_path, 0));
            } else if (key == "upper_threshold_ms") {
              TFLO_ASSIGN_OR_RETURN(policy.upper_threshold_ms,
                                    ReadInt(value, key_line, key_path, 0));
            } else {
              return UnknownKey(key_line, key_path, {"threshold_ms", "upper_threshold_ms"});
            }
          } else if (type == "numeric_attribute") {
            if (key == "key") {
              TFLO_ASSIGN_OR_RETURN(policy.key, ReadString(value, key_line, key_path));
            } else if (key == "min_value") {
              TFLO_ASSIGN_OR_RETURN(policy.min_value, ReadSignedInt(value, key_line, key_path));
            } else if (key == "max_value") {
              TFLO_ASSIGN_OR_RETURN(policy.max_value, ReadSignedInt(value, key_line, key_path));
            } else if (key == "invert_match") {
              TFLO_ASSIGN_OR_RETURN(policy.invert_match, ReadBool(value, key_line, key_path));
            } else {
              return UnknownKey(key_line, key_path,
                                {"key", "min_value", "max_value", "invert_match"});
            }
          } else if (type == "probabilistic") {
            if (key == "sampling_percentage") {
              TFLO_ASSIGN_OR_RETURN(policy.sampling_percentage,
                                    ReadDouble(value, key_line, key_path));
              if (policy.sampling_percentage < 0 || policy.sampling_percentage > 100) {
                return Error(value, key_line, key_path,
                             "must be within [0, 100], got " +
                                 FormatDouble(policy.sampling_percentage));
              }
            } else if (key == "hash_salt") {
              TFLO_ASSIGN_OR_RETURN(policy.hash_salt, ReadString(value, key_line, key_path));
            } else {
              return UnknownKey(key_line, key_path, {"sampling_percentage", "hash_salt"});
            }
          } else if (type == "status_code") {
            if (key != "status_codes") return UnknownKey(key_line, key_path, {"status_codes"});
            TFLO_ASSIGN_OR_RETURN(policy.status_codes, ReadStringList(value, key_line, key_path));
            for (const std::string& code : policy.status_codes) {
              if (code != "OK" && code != "ERROR" && code != "UNSET") {
                return ErrorAtLine(LineOf(value, key_line), key_path,
                                   "unknown status code " + Quote(code) +
                                       " (expected OK, ERROR or UNSET)");
              }
            }
          } else if (type == "string_attribute") {
            if (key == "key") {
              TFLO_ASSIGN_OR_RETURN(policy.key, ReadString(value, key_line, key_path));
            } else if (key == "values") {
              TFLO_ASSIGN_OR_RETURN(policy.values, ReadStringList(value, key_line, key_path));
            } else if (key == "enabled_regex_matching") {
              TFLO_ASSIGN_OR_RETURN(policy.enabled_regex_matching,
                                    ReadBool(value, key_line, key_path));
            } else if (key == "cache_max_size") {
              TFLO_ASSIGN_OR_RETURN(policy.cache_max_size,
                                    ReadInt(value, key_line, key_path, 0));
            } else if (key == "invert_match") {
              TFLO_ASSIGN_OR_RETURN(policy.invert_match, ReadBool(value, key_line, key_path));
            } else {
              return UnknownKey(key_line, key_path,
                                {"key", "values", "enabled_regex_matching", "cache_max_size",
                                 "invert_match"});
            }
          } else if (type == "rate_limiting") {
            if (key != "spans_per_second") {
              return UnknownKey(key_line, key_path, {"spans_per_second"});
            }
            TFLO_ASSIGN_OR_RETURN(policy.spans_per_second, ReadInt(value, key_line, key_path, 0));
          } else if (type == "span_count") {
            if (key == "min_spans") {
              TFLO_ASSIGN_OR_RETURN(policy.min_spans, ReadInt(value, key_line, key_path, 0));
            } else if (key == "max_spans") {
              TFLO_ASSIGN_OR_RETURN(policy.max_spans, ReadInt(value, key_line, key_path, 0));
            } else {
              return UnknownKey(key_line, key_path, {"min_spans", "max_spans"});
            }
          } else if (type == "boolean_attribute") {
            if (key == "key") {
              TFLO_ASSIGN_OR_RETURN(policy.key, ReadString(value, key_line, key_path));
            } else if (key == "value") {
              TFLO_ASSIGN_OR_RETURN(policy.bool_value, ReadBool(value, key_line, key_path));
            } else if (key == "invert_match") {
              TFLO_ASSIGN_OR_RETURN(policy.invert_match, ReadBool(value, key_line, key_path));
            } else {
              return UnknownKey(key_line, key_path, {"key", "value", "invert_match"});
            }
          } else if (type == "and" || type == "drop") {
            const std::string list_key = type + "_sub_policy";
            if (key != list_key) return UnknownKey(key_line, key_path, {list_key});
            TFLO_ASSIGN_OR_RETURN(policy.sub_policies,
                                  ParsePolicyList(value, key_line, key_path, depth + 1));
          } else {
            return ErrorAtLine(key_line, key_path, "unexpected key for policy type " + type);
          }
          return OkStatus();
        });
  }

  Result<TailSamplingPolicyConfig> ParsePolicy(const Node& node, int line, const std::string& path,
                                               int depth) const {
    if (!node.IsMap()) {
      return Error(node, line, path,
                   "expected a policy mapping with name and type, got " + Describe(node));
    }
    TailSamplingPolicyConfig policy;
    policy.line = line;
    // The type decides how the blocks read, so it is read first.
    const Node type_node = node["type"];
    if (!type_node || type_node.IsNull()) return ErrorAtLine(line, path + ".type", "required");
    const int type_line = LineOf(type_node, line);
    TFLO_ASSIGN_OR_RETURN(policy.type, ReadString(type_node, type_line, path + ".type"));
    if (IsModelledPolicyType(policy.type)) {
      policy.modelled = true;
    } else if (IsUnmodelledPolicyType(policy.type)) {
      policy.modelled = false;
    } else {
      return ErrorAtLine(type_line, path + ".type", "unknown policy type " + Quote(policy.type));
    }
    if (depth > 0 &&
        (policy.type == "and" || policy.type == "drop" || policy.type == "composite")) {
      return ErrorAtLine(type_line, path + ".type",
                         "policy type " + Quote(policy.type) + " cannot be a sub-policy");
    }
    bool has_name = false;
    const Status walk = ForEachEntry(
        node, line, path, [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "name") {
            TFLO_ASSIGN_OR_RETURN(policy.name, ReadString(value, key_line, key_path));
            has_name = true;
            return OkStatus();
          }
          if (key == "type") return OkStatus();
          if (!IsPolicyBlockKey(key) || key == "always_sample" || key == "trace_flags") {
            return ErrorAtLine(key_line, key_path,
                               "unknown key (expected name, type and the block of the type)");
          }
          if (key != policy.type) {
            // The collector ignores the blocks of other types; so does tflo,
            // once it knows they are mappings.
            return ExpectMapOrNull(value, key_line, key_path);
          }
          return ParsePolicyBlock(policy, value, key_line, key_path, depth);
        });
    if (!walk.ok()) return walk;
    if (depth == 0 && (!has_name || policy.name.empty())) {
      return ErrorAtLine(line, path + ".name", "required (policy names must be unique)");
    }
    TFLO_RETURN_IF_ERROR(ValidatePolicy(policy, path));
    return policy;
  }

  Status ValidatePolicy(const TailSamplingPolicyConfig& policy, const std::string& path) const {
    const std::string block = path + "." + policy.type;
    const std::string& type = policy.type;
    if (type == "status_code" && policy.status_codes.empty()) {
      return ErrorAtLine(policy.line, block + ".status_codes",
                         "expected at least one status code (OK, ERROR or UNSET)");
    }
    if ((type == "string_attribute" || type == "numeric_attribute" ||
         type == "boolean_attribute") &&
        policy.key.empty()) {
      return ErrorAtLine(policy.line, block + ".key", "required");
    }
    if (type == "latency" && policy.upper_threshold_ms != 0 &&
        policy.upper_threshold_ms <= policy.threshold_ms) {
      return ErrorAtLine(policy.line, block + ".upper_threshold_ms",
                         "must be 0 or > threshold_ms (" + std::to_string(policy.threshold_ms) +
                             "), got " + std::to_string(policy.upper_threshold_ms));
    }
    // 0 means "no bound" for either end (processor.go passes nil).
    if (type == "numeric_attribute" && policy.min_value != 0 && policy.max_value != 0 &&
        policy.max_value < policy.min_value) {
      return ErrorAtLine(policy.line, block + ".max_value",
                         "must be >= min_value (" + std::to_string(policy.min_value) + "), got " +
                             std::to_string(policy.max_value));
    }
    if (type == "span_count" && policy.max_spans != 0 && policy.max_spans < policy.min_spans) {
      return ErrorAtLine(policy.line, block + ".max_spans",
                         "must be 0 or >= min_spans (" + std::to_string(policy.min_spans) +
                             "), got " + std::to_string(policy.max_spans));
    }
    if (type == "string_attribute" && policy.enabled_regex_matching) {
      for (const std::string& pattern : policy.values) {
        try {
          const std::regex compiled(pattern, std::regex::ECMAScript);
          (void)compiled;
        } catch (const std::regex_error& e) {
          return ErrorAtLine(policy.line, block + ".values",
                             "invalid regular expression " + Quote(pattern) + ": " + e.what());
        }
      }
    }
    if ((type == "and" || type == "drop") && policy.sub_policies.empty()) {
      return ErrorAtLine(policy.line, block + "." + type + "_sub_policy",
                         "expected at least one sub-policy");
    }
    return OkStatus();
  }

  Result<std::vector<TailSamplingPolicyConfig>> ParsePolicyList(const Node& list, int line,
                                                                const std::string& path,
                                                                int depth) const {
    std::vector<TailSamplingPolicyConfig> out;
    if (list.IsNull()) return out;
    if (!list.IsSequence()) {
      return Error(list, line, path, "expected a list of policies, got " + Describe(list));
    }
    std::set<std::string> names;
    int index = 0;
    for (auto it = list.begin(); it != list.end(); ++it, ++index) {
      const std::string item_path = path + "[" + std::to_string(index) + "]";
      const int item_line = LineOf(*it, line);
      TFLO_ASSIGN_OR_RETURN(TailSamplingPolicyConfig policy,
                            ParsePolicy(*it, item_line, item_path, depth));
      if (depth == 0 && !names.insert(policy.name).second) {
        return ErrorAtLine(item_line, item_path + ".name",
                           "duplicate policy name " + Quote(policy.name));
      }
      out.push_back(std::move(policy));
    }
    return out;
  }

  Result<TailSamplingConfig> ParseTailSampling(const std::string& id, const Node& block,
                                               int line) const {
    const std::string path = "processors." + id;
    TailSamplingConfig tail;
    tail.id = id;
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return tail;
    Status walk = ForEachEntry(
        block, line, path,
        [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "decision_wait") {
            TFLO_ASSIGN_OR_RETURN(tail.decision_wait, ReadDuration(value, key_line, key_path));
            if (tail.decision_wait.count() <= 0) {
              return Error(value, key_line, key_path, "must be > 0");
            }
          } else if (key == "num_traces") {
            TFLO_ASSIGN_OR_RETURN(tail.num_traces, ReadInt(value, key_line, key_path, 1));
          } else if (key == "expected_new_traces_per_sec") {
            TFLO_ASSIGN_OR_RETURN(tail.expected_new_traces_per_sec,
                                  ReadInt(value, key_line, key_path, 0));
          } else if (key == "decision_cache") {
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
            if (value.IsNull()) return OkStatus();
            return ForEachEntry(
                value, key_line, key_path,
                [&](const std::string& cache_key, const Node& cache_value,
                    int cache_line) -> Status {
                  const std::string cache_path = key_path + "." + cache_key;
                  if (cache_key == "sampled_cache_size") {
                    TFLO_ASSIGN_OR_RETURN(tail.sampled_cache_size,
                                          ReadInt(cache_value, cache_line, cache_path, 0));
                  } else if (cache_key == "non_sampled_cache_size") {
                    TFLO_ASSIGN_OR_RETURN(tail.non_sampled_cache_size,
                                          ReadInt(cache_value, cache_line, cache_path, 0));
                  } else {
                    return UnknownKey(cache_line, cache_path,
                                      {"sampled_cache_size", "non_sampled_cache_size"});
                  }
                  return OkStatus();
                });
          } else if (key == "sample_on_first_match") {
            TFLO_ASSIGN_OR_RETURN(tail.sample_on_first_match, ReadBool(value, key_line, key_path));
          } else if (key == "drop_pending_traces_on_shutdown") {
            TFLO_ASSIGN_OR_RETURN(tail.drop_pending_traces_on_shutdown,
                                  ReadBool(value, key_line, key_path));
          } else if (key == "block_on_overflow") {
            TFLO_ASSIGN_OR_RETURN(tail.block_on_overflow, ReadBool(value, key_line, key_path));
          } else if (key == "policies") {
            TFLO_ASSIGN_OR_RETURN(tail.policies, ParsePolicyList(value, key_line, key_path, 0));
          } else {
            return UnknownKey(key_line, key_path,
                              {"decision_wait", "num_traces", "expected_new_traces_per_sec",
                               "decision_cache", "sample_on_first_match",
                               "drop_pending_traces_on_shutdown", "block_on_overflow",
                               "policies"});
          }
          return OkStatus();
        });
    if (!walk.ok()) return walk;
    return tail;
  }

  // --- spanmetrics connector (spanmetricsconnector/config.go) ------------------------

  Status ParseHistogram(const Node& block, int line, const std::string& path,
                        SpanMetricsConnectorConfig& spanmetrics) const {
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return OkStatus();
    bool has_explicit = false;
    int explicit_line = line;
    const Status walk = ForEachEntry(
        block, line, path, [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "disable") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.histogram_disable,
                                  ReadBool(value, key_line, key_path));
          } else if (key == "unit") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.histogram_unit,
                                  ReadString(value, key_line, key_path));
            if (spanmetrics.histogram_unit != "ms" && spanmetrics.histogram_unit != "s") {
              return Error(value, key_line, key_path,
                           "expected ms or s, got " + Quote(spanmetrics.histogram_unit));
            }
          } else if (key == "explicit") {
            has_explicit = true;
            explicit_line = key_line;
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
            if (value.IsNull()) return OkStatus();
            return ForEachEntry(
                value, key_line, key_path,
                [&](const std::string& inner, const Node& inner_value, int inner_line) -> Status {
                  const std::string inner_path = key_path + "." + inner;
                  if (inner != "buckets") return UnknownKey(inner_line, inner_path, {"buckets"});
                  TFLO_ASSIGN_OR_RETURN(spanmetrics.explicit_buckets,
                                        ReadDurationList(inner_value, inner_line, inner_path));
                  for (size_t i = 1; i < spanmetrics.explicit_buckets.size(); ++i) {
                    if (spanmetrics.explicit_buckets[i] <= spanmetrics.explicit_buckets[i - 1]) {
                      return ErrorAtLine(LineOf(inner_value, inner_line), inner_path,
                                         "bucket bounds must be strictly increasing, got " +
                                             FormatGoDuration(spanmetrics.explicit_buckets[i]) +
                                             " after " +
                                             FormatGoDuration(spanmetrics.explicit_buckets[i - 1]));
                    }
                  }
                  return OkStatus();
                });
          } else if (key == "exponential") {
            spanmetrics.histogram_exponential = true;
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
            if (value.IsNull()) return OkStatus();
            return ForEachEntry(
                value, key_line, key_path,
                [&](const std::string& inner, const Node& inner_value, int inner_line) -> Status {
                  const std::string inner_path = key_path + "." + inner;
                  if (inner != "max_size") return UnknownKey(inner_line, inner_path, {"max_size"});
                  TFLO_ASSIGN_OR_RETURN(spanmetrics.histogram_exponential_max_size,
                                        ReadInt(inner_value, inner_line, inner_path, 0));
                  return OkStatus();
                });
          } else if (key == "dimensions") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.histogram_dimensions,
                                  ReadDimensions(value, key_line, key_path));
          } else {
            return UnknownKey(key_line, key_path,
                              {"disable", "unit", "explicit", "exponential", "dimensions"});
          }
          return OkStatus();
        });
    if (!walk.ok()) return walk;
    if (has_explicit && spanmetrics.histogram_exponential) {
      return ErrorAtLine(explicit_line, path,
                         "use either `explicit` or `exponential` buckets, not both");
    }
    return OkStatus();
  }

  // The connector rejects dimensions that repeat each other or the four default
  // ones (validateDimensions).
  Status CheckDimensionNames(const std::vector<SpanMetricsDimension>& dimensions, int line,
                             const std::string& path) const {
    std::set<std::string> names = {"service.name", "span.name", "span.kind", "status.code"};
    for (const SpanMetricsDimension& d : dimensions) {
      if (!names.insert(d.name).second) {
        return ErrorAtLine(line, path, "duplicate dimension name " + Quote(d.name));
      }
    }
    return OkStatus();
  }

  Result<SpanMetricsConnectorConfig> ParseSpanMetrics(const std::string& id, const Node& block,
                                                      int line) const {
    const std::string path = "connectors." + id;
    SpanMetricsConnectorConfig spanmetrics;
    spanmetrics.id = id;
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return spanmetrics;
    int dimensions_line = line;
    int events_line = line;
    Status walk = ForEachEntry(
        block, line, path,
        [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "namespace") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.metric_namespace,
                                  ReadString(value, key_line, key_path));
          } else if (key == "histogram") {
            return ParseHistogram(value, key_line, key_path, spanmetrics);
          } else if (key == "dimensions") {
            dimensions_line = key_line;
            TFLO_ASSIGN_OR_RETURN(spanmetrics.dimensions,
                                  ReadDimensions(value, key_line, key_path));
          } else if (key == "calls_dimensions") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.calls_dimensions,
                                  ReadDimensions(value, key_line, key_path));
          } else if (key == "exclude_dimensions") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.exclude_dimensions,
                                  ReadStringList(value, key_line, key_path));
          } else if (key == "aggregation_temporality") {
            TFLO_ASSIGN_OR_RETURN(const std::string temporality,
                                  ReadString(value, key_line, key_path));
            if (temporality == "AGGREGATION_TEMPORALITY_DELTA") {
              spanmetrics.delta_temporality = true;
            } else if (temporality == "AGGREGATION_TEMPORALITY_CUMULATIVE") {
              spanmetrics.delta_temporality = false;
            } else {
              // The collector silently falls back to cumulative; a typo here
              // would change every series, so tflo says so.
              return Error(value, key_line, key_path,
                           "expected AGGREGATION_TEMPORALITY_CUMULATIVE or "
                           "AGGREGATION_TEMPORALITY_DELTA, got " +
                               Quote(temporality));
            }
          } else if (key == "metrics_flush_interval") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.metrics_flush_interval,
                                  ReadDuration(value, key_line, key_path));
            if (spanmetrics.metrics_flush_interval.count() <= 0) {
              return Error(value, key_line, key_path, "must be > 0");
            }
          } else if (key == "metrics_expiration") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.metrics_expiration,
                                  ReadDuration(value, key_line, key_path));
          } else if (key == "exemplars") {
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
            if (value.IsNull()) return OkStatus();
            return ForEachEntry(
                value, key_line, key_path,
                [&](const std::string& inner, const Node& inner_value, int inner_line) -> Status {
                  const std::string inner_path = key_path + "." + inner;
                  if (inner == "enabled") {
                    TFLO_ASSIGN_OR_RETURN(spanmetrics.exemplars_enabled,
                                          ReadBool(inner_value, inner_line, inner_path));
                  } else if (inner == "max_per_data_point") {
                    TFLO_ASSIGN_OR_RETURN(spanmetrics.exemplars_max_per_data_point,
                                          ReadInt(inner_value, inner_line, inner_path, 0));
                  } else {
                    return UnknownKey(inner_line, inner_path, {"enabled", "max_per_data_point"});
                  }
                  return OkStatus();
                });
          } else if (key == "events") {
            events_line = key_line;
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
            if (value.IsNull()) return OkStatus();
            return ForEachEntry(
                value, key_line, key_path,
                [&](const std::string& inner, const Node& inner_value, int inner_line) -> Status {
                  const std::string inner_path = key_path + "." + inner;
                  if (inner == "enabled") {
                    TFLO_ASSIGN_OR_RETURN(spanmetrics.events_enabled,
                                          ReadBool(inner_value, inner_line, inner_path));
                  } else if (inner == "dimensions") {
                    TFLO_ASSIGN_OR_RETURN(spanmetrics.events_dimensions,
                                          ReadDimensions(inner_value, inner_line, inner_path));
                  } else {
                    return UnknownKey(inner_line, inner_path, {"enabled", "dimensions"});
                  }
                  return OkStatus();
                });
          } else if (key == "aggregation_cardinality_limit") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.aggregation_cardinality_limit,
                                  ReadInt(value, key_line, key_path, 0));
          } else if (key == "resource_metrics_cache_size") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.resource_metrics_cache_size,
                                  ReadInt(value, key_line, key_path, 1));
          } else if (key == "resource_metrics_key_attributes") {
            TFLO_ASSIGN_OR_RETURN(spanmetrics.resource_metrics_key_attributes,
                                  ReadStringList(value, key_line, key_path));
          } else if (key == "dimensions_cache_size" || key == "metric_timestamp_cache_size") {
            TFLO_RETURN_IF_ERROR(ReadInt(value, key_line, key_path, 1).status());
          } else if (key == "include_instrumentation_scope") {
            TFLO_RETURN_IF_ERROR(ReadStringList(value, key_line, key_path).status());
          } else if (key == "add_resource_attributes") {
            TFLO_RETURN_IF_ERROR(ReadBool(value, key_line, key_path).status());
          } else if (key == "transformations") {
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
          } else {
            return UnknownKey(
                key_line, key_path,
                {"namespace", "histogram", "dimensions", "calls_dimensions", "exclude_dimensions",
                 "aggregation_temporality", "metrics_flush_interval", "metrics_expiration",
                 "exemplars", "events", "aggregation_cardinality_limit",
                 "resource_metrics_cache_size", "resource_metrics_key_attributes",
                 "dimensions_cache_size", "metric_timestamp_cache_size",
                 "include_instrumentation_scope", "add_resource_attributes", "transformations"});
          }
          return OkStatus();
        });
    if (!walk.ok()) return walk;
    TFLO_RETURN_IF_ERROR(
        CheckDimensionNames(spanmetrics.dimensions, dimensions_line, path + ".dimensions"));
    if (spanmetrics.events_enabled) {
      if (spanmetrics.events_dimensions.empty()) {
        return ErrorAtLine(events_line, path + ".events.dimensions",
                           "required when events are enabled");
      }
      TFLO_RETURN_IF_ERROR(CheckDimensionNames(spanmetrics.events_dimensions, events_line,
                                               path + ".events.dimensions"));
    }
    return spanmetrics;
  }

  // --- servicegraph connector (servicegraphconnector/config.go): type-checked only ----

  Result<ServiceGraphConnectorConfig> ParseServiceGraph(const std::string& id, const Node& block,
                                                        int line) const {
    const std::string path = "connectors." + id;
    ServiceGraphConnectorConfig graph;
    graph.id = id;
    TFLO_RETURN_IF_ERROR(ExpectMapOrNull(block, line, path));
    if (block.IsNull()) return graph;
    bool has_buckets = false;
    int64_t exponential_max_size = 0;
    Status walk = ForEachEntry(
        block, line, path,
        [&](const std::string& key, const Node& value, int key_line) -> Status {
          const std::string key_path = path + "." + key;
          if (key == "latency_histogram_buckets") {
            has_buckets = !value.IsNull();
            TFLO_ASSIGN_OR_RETURN(graph.latency_histogram_buckets,
                                  ReadDurationList(value, key_line, key_path));
          } else if (key == "exponential_histogram_max_size") {
            TFLO_ASSIGN_OR_RETURN(exponential_max_size, ReadInt(value, key_line, key_path, 0));
          } else if (key == "dimensions" || key == "virtual_node_peer_attributes" ||
                     key == "database_name_attributes") {
            TFLO_ASSIGN_OR_RETURN(std::vector<std::string> list,
                                  ReadStringList(value, key_line, key_path));
            if (key == "dimensions") graph.dimensions = std::move(list);
          } else if (key == "store") {
            TFLO_RETURN_IF_ERROR(ExpectMapOrNull(value, key_line, key_path));
            if (value.IsNull()) return OkStatus();
            return ForEachEntry(
                value, key_line, key_path,
                [&](const std::string& inner, const Node& inner_value, int inner_line) -> Status {
                  const std::string inner_path = key_path + "." + inner;
                  if (inner == "max_items") {
                    TFLO_ASSIGN_OR_RETURN(graph.store_max_items,
                                          ReadInt(inner_value, inner_line, inner_path, 0));
                  } else if (inner == "ttl") {
                    TFLO_ASSIGN_OR_RETURN(graph.store_ttl,
                                          ReadDuration(inner_value, inner_line, inner_path));
                  } else {
                    return UnknownKey(inner_line, inner_path, {"max_items", "ttl"});
                  }
                  return OkStatus();
                });
          } else if (key == "cache_loop" || key == "store_expiration_loop") {
            TFLO_RETURN_IF_ERROR(ReadDuration(value, key_line, key_path).status());
          } else if (key == "metrics_flush_interval") {
            TFLO_ASSIGN_OR_RETURN(graph.metrics_flush_interval,
                                  ReadDuration(value, key_line, key_path));
          } else if (key == "virtual_node_extra_label") {
            TFLO_RETURN_IF_ERROR(ReadBool(value, key_line, key_path).status());
          } else if (key == "metrics_exporter" || key == "database_name_attribute") {
            TFLO_RETURN_IF_ERROR(ReadString(value, key_line, key_path).status());
          } else {
            return UnknownKey(key_line, key_path,
                              {"latency_histogram_buckets", "exponential_histogram_max_size",
                               "dimensions", "store", "cache_loop", "store_expiration_loop",
                               "virtual_node_peer_attributes", "virtual_node_extra_label",
                               "metrics_flush_interval", "database_name_attribute",
                               "database_name_attributes", "metrics_exporter"});
          }
          return OkStatus();
        });
    if (!walk.ok()) return walk;
    if (has_buckets && exponential_max_size > 0) {
      return ErrorAtLine(line, path,
                         "use either latency_histogram_buckets or exponential_histogram_max_size");
    }
    return graph;
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

const SpanMetricsConnectorConfig* CollectorConfig::SpanMetricsFor(
    const PipelineConfig& pipeline) const {
  for (const std::string& id : pipeline.exporters) {
    const auto it = span_metrics_connectors.find(id);
    if (it != span_metrics_connectors.end()) return &it->second;
  }
  return nullptr;
}

// memorylimiter's usage checker: a fixed limit in MiB wins; otherwise the
// percentages of total memory; an unset spike is a fifth of the limit.
int64_t MemoryLimiterConfig::HardLimitBytes(int64_t total_memory_bytes) const {
  constexpr int64_t kMiB = int64_t{1} << 20;
  if (limit_mib != 0) return limit_mib * kMiB;
  return limit_percentage * total_memory_bytes / 100;
}

int64_t MemoryLimiterConfig::SpikeLimitBytes(int64_t total_memory_bytes) const {
  constexpr int64_t kMiB = int64_t{1} << 20;
  int64_t spike = 0;
  if (limit_mib != 0) {
    spike = spike_limit_mib * kMiB;
  } else {
    spike = spike_limit_percentage * total_memory_bytes / 100;
  }
  if (spike == 0) spike = HardLimitBytes(total_memory_bytes) / 5;
  return spike;
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
