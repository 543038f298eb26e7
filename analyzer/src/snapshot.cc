#include "tflo/analyzer/snapshot.h"

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace tflo::analyzer {
namespace {

// ordered_json keeps keys in insertion order, so the text is stable (and
// diffable) across runs: the order below is the order of the struct fields.
using Json = nlohmann::ordered_json;

Json OperationToJson(const OperationStats& op) {
  Json j;
  j["service"] = op.service;
  j["operation"] = op.operation;
  j["span_kind"] = op.span_kind;
  j["count"] = op.count;
  j["errors"] = op.errors;
  j["error_rate"] = op.error_rate;
  j["rate_per_second"] = op.rate_per_second;
  j["p50_ms"] = op.p50_ms;
  j["p95_ms"] = op.p95_ms;
  j["p99_ms"] = op.p99_ms;
  return j;
}

Json PipelineToJson(const PipelineStats& p) {
  Json j;
  j["accepted"] = p.accepted;
  j["refused"] = p.refused;
  j["sent"] = p.sent;
  j["send_failed"] = p.send_failed;
  j["dropped"] = p.dropped;
  j["queue_fill"] = p.queue_fill;
  j["queue_capacity"] = p.queue_capacity;
  j["mean_batch_size"] = p.mean_batch_size;
  j["batches"] = p.batches;
  j["size_triggered_batches"] = p.size_triggered_batches;
  j["timeout_triggered_batches"] = p.timeout_triggered_batches;
  j["accepted_per_second"] = p.accepted_per_second;
  j["export_requests_per_second"] = p.export_requests_per_second;
  return j;
}

// Missing keys keep the field's default so that a snapshot written by an older
// tflo (before a field existed) still loads; a key of the wrong type throws
// (type_error), which the caller turns into kInvalidArgument.
template <typename T>
void Get(const Json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->template get<T>();
}

// A document of the wrong shape (an array where an object belongs).
struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const Json& RequireObject(const Json& j, const char* what) {
  if (!j.is_object()) throw ShapeError(std::string(what) + " must be an object");
  return j;
}

}  // namespace

std::string ToJson(const WindowSnapshot& snapshot) {
  Json j;
  j["window_start_unix_nano"] = snapshot.window_start_unix_nano;
  j["window_end_unix_nano"] = snapshot.window_end_unix_nano;
  j["window_seconds"] = snapshot.window_seconds;
  Json ops = Json::array();
  for (const auto& op : snapshot.operations) ops.push_back(OperationToJson(op));
  j["operations"] = std::move(ops);
  j["pipeline"] = PipelineToJson(snapshot.pipeline);
  Json quality;
  quality["traces_present"] = snapshot.quality.traces_present;
  quality["pipeline_metrics_present"] = snapshot.quality.pipeline_metrics_present;
  quality["notes"] = snapshot.quality.notes;
  j["quality"] = std::move(quality);
  return j.dump();
}

Result<WindowSnapshot> WindowSnapshotFromJson(std::string_view json) {
  // nlohmann::json throws on malformed or mistyped input; this is the boundary
  // where that becomes a Status.
  try {
    const Json doc = Json::parse(json.begin(), json.end());
    RequireObject(doc, "snapshot");
    WindowSnapshot s;
    Get(doc, "window_start_unix_nano", s.window_start_unix_nano);
    Get(doc, "window_end_unix_nano", s.window_end_unix_nano);
    Get(doc, "window_seconds", s.window_seconds);
    if (auto it = doc.find("operations"); it != doc.end() && !it->is_null()) {
      if (!it->is_array()) throw ShapeError("operations must be an array");
      for (const auto& jo : *it) {
        RequireObject(jo, "operations[]");
        OperationStats op;
        Get(jo, "service", op.service);
        Get(jo, "operation", op.operation);
        Get(jo, "span_kind", op.span_kind);
        Get(jo, "count", op.count);
        Get(jo, "errors", op.errors);
        Get(jo, "error_rate", op.error_rate);
        Get(jo, "rate_per_second", op.rate_per_second);
        Get(jo, "p50_ms", op.p50_ms);
        Get(jo, "p95_ms", op.p95_ms);
        Get(jo, "p99_ms", op.p99_ms);
        s.operations.push_back(std::move(op));
      }
    }
    if (auto it = doc.find("pipeline"); it != doc.end() && !it->is_null()) {
      const Json& jp = RequireObject(*it, "pipeline");
      PipelineStats& p = s.pipeline;
      Get(jp, "accepted", p.accepted);
      Get(jp, "refused", p.refused);
      Get(jp, "sent", p.sent);
      Get(jp, "send_failed", p.send_failed);
      Get(jp, "dropped", p.dropped);
      Get(jp, "queue_fill", p.queue_fill);
      Get(jp, "queue_capacity", p.queue_capacity);
      Get(jp, "mean_batch_size", p.mean_batch_size);
      Get(jp, "batches", p.batches);
      Get(jp, "size_triggered_batches", p.size_triggered_batches);
      Get(jp, "timeout_triggered_batches", p.timeout_triggered_batches);
      Get(jp, "accepted_per_second", p.accepted_per_second);
      Get(jp, "export_requests_per_second", p.export_requests_per_second);
    }
    if (auto it = doc.find("quality"); it != doc.end() && !it->is_null()) {
      const Json& jq = RequireObject(*it, "quality");
      Get(jq, "traces_present", s.quality.traces_present);
      Get(jq, "pipeline_metrics_present", s.quality.pipeline_metrics_present);
      Get(jq, "notes", s.quality.notes);
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("snapshot json: ") + e.what());
  } catch (const ShapeError& e) {
    return InvalidArgumentError(std::string("snapshot json: ") + e.what());
  }
}

}  // namespace tflo::analyzer
