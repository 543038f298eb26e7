#include "ground_truth.h"

#include <utility>

#include "tflo/core/stats.h"

namespace tflo::workload {

GroundTruth::OpId GroundTruth::Register(std::string_view service, std::string_view operation) {
  auto& by_operation = index_[std::string(service)];
  if (auto it = by_operation.find(operation); it != by_operation.end()) return it->second;
  const OpId id = ops_.size();
  ops_.push_back(Operation{std::string(service), std::string(operation), 0, 0, {}});
  by_operation.emplace(std::string(operation), id);
  return id;
}

void GroundTruth::RecordSpan(OpId op, int64_t duration_ns, bool error) {
  Operation& o = ops_[op];
  // The same arithmetic as core::Span::duration_ms on the written span.
  o.durations_ms.push_back(static_cast<double>(static_cast<uint64_t>(duration_ns)) / 1e6);
  if (error) ++o.errors;
  ++spans_generated_;
}

void GroundTruth::RecordDelivered(const core::TracesData& data) {
  for (const auto& rs : data.resource_spans) {
    const core::AnyValue* service = core::FindAttribute(rs.resource.attributes, "service.name");
    const std::string* service_name = service != nullptr ? service->AsString() : nullptr;
    const auto by_operation = service_name != nullptr ? index_.find(*service_name) : index_.end();
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        if (by_operation == index_.end()) {
          ++delivered_unknown_;
          continue;
        }
        auto it = by_operation->second.find(span.name);
        if (it == by_operation->second.end()) {
          ++delivered_unknown_;
          continue;
        }
        ++ops_[it->second].delivered;
      }
    }
  }
}

std::vector<GroundTruth::OperationSummary> GroundTruth::Summarize() {
  std::vector<OperationSummary> out;
  for (auto& [service, by_operation] : index_) {
    for (auto& [operation, id] : by_operation) {
      Operation& o = ops_[id];
      OperationSummary s;
      s.service = service;
      s.operation = operation;
      s.count = o.durations_ms.size();
      s.errors = o.errors;
      s.error_rate =
          s.count == 0 ? 0.0 : static_cast<double>(s.errors) / static_cast<double>(s.count);
      s.p50_ms = core::ExactQuantile(o.durations_ms, 0.50);
      s.p95_ms = core::ExactQuantile(o.durations_ms, 0.95);
      s.p99_ms = core::ExactQuantile(o.durations_ms, 0.99);
      s.delivered_count = o.delivered;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace tflo::workload
