#include "ground_truth.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace tflo::workload {
namespace {

// The k-th smallest (0-based) of the union of `short_ns` and `long_ns`, where
// every short value is below every long one; reorders them.
uint64_t KthSmallest(std::vector<uint32_t>& short_ns, std::vector<uint64_t>& long_ns, size_t k) {
  if (k < short_ns.size()) {
    const auto kth = short_ns.begin() + static_cast<std::ptrdiff_t>(k);
    std::nth_element(short_ns.begin(), kth, short_ns.end());
    return *kth;
  }
  const auto kth = long_ns.begin() + static_cast<std::ptrdiff_t>(k - short_ns.size());
  std::nth_element(long_ns.begin(), kth, long_ns.end());
  return *kth;
}

// core::ExactQuantile step by step, on the order statistics of the integer
// durations: ns -> ms is monotonic, so the k-th smallest ms value is the ms
// value of the k-th smallest ns value, and the result is bit-identical.
double QuantileMs(std::vector<uint32_t>& short_ns, std::vector<uint64_t>& long_ns, double q) {
  const size_t n = short_ns.size() + long_ns.size();
  if (n == 0) return 0;
  const auto to_ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };
  q = std::clamp(q, 0.0, 1.0);
  const double h = q * static_cast<double>(n - 1);
  const auto lo = static_cast<size_t>(std::floor(h));
  const double v_lo = to_ms(KthSmallest(short_ns, long_ns, lo));
  if (lo + 1 >= n) return v_lo;
  const double v_hi = to_ms(KthSmallest(short_ns, long_ns, lo + 1));
  return v_lo + (h - static_cast<double>(lo)) * (v_hi - v_lo);
}

}  // namespace

GroundTruth::OpId GroundTruth::Register(std::string_view service, std::string_view operation) {
  auto& by_operation = index_[std::string(service)];
  if (auto it = by_operation.find(operation); it != by_operation.end()) return it->second;
  const OpId id = ops_.size();
  ops_.push_back(Operation{std::string(service), std::string(operation), 0, {}});
  by_operation.emplace(std::string(operation), id);
  return id;
}

void GroundTruth::RecordSpan(OpId op, int64_t duration_ns, bool error) {
  Operation& o = ops_[op];
  // As core::Span::duration_ms sees it: end - start as uint64.
  const auto ns = static_cast<uint64_t>(duration_ns);
  if (ns <= std::numeric_limits<uint32_t>::max()) {
    o.durations.short_ns.push_back(static_cast<uint32_t>(ns));
  } else {
    o.durations.long_ns.push_back(ns);
  }
  if (error) ++o.errors;
  ++spans_generated_;
}

void GroundTruth::RecordDelivered(const core::TracesData& data) {
  for (const auto& rs : data.resource_spans) {
    const core::AnyValue* service = core::FindAttribute(rs.resource.attributes, "service.name");
    const std::string* service_name = service != nullptr ? service->AsString() : nullptr;
    if (service_name == nullptr) {
      for (const auto& ss : rs.scope_spans) delivered_no_service_ += ss.spans.size();
      continue;
    }
    auto by_service = delivered_.find(*service_name);
    if (by_service == delivered_.end()) {
      by_service = delivered_.try_emplace(*service_name).first;
    }
    auto& by_name = by_service->second;
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        auto it = by_name.find(span.name);
        if (it == by_name.end()) it = by_name.emplace(span.name, 0).first;
        ++it->second;
      }
    }
  }
}

void GroundTruth::Merge(GroundTruth&& other) {
  for (Operation& o : other.ops_) {
    Operation& into = ops_[Register(o.service, o.operation)];
    into.errors += o.errors;
    into.durations.short_ns.insert(into.durations.short_ns.end(), o.durations.short_ns.begin(),
                                   o.durations.short_ns.end());
    into.durations.long_ns.insert(into.durations.long_ns.end(), o.durations.long_ns.begin(),
                                  o.durations.long_ns.end());
  }
  for (const auto& [service, by_name] : other.delivered_) {
    auto& into = delivered_[service];
    for (const auto& [name, count] : by_name) into[name] += count;
  }
  spans_generated_ += other.spans_generated_;
  messages_sent_ += other.messages_sent_;
  consumer_spans_with_parent_ += other.consumer_spans_with_parent_;
  delivered_no_service_ += other.delivered_no_service_;
  other = GroundTruth();
}

uint64_t GroundTruth::DeliveredCount(std::string_view service, std::string_view operation) const {
  const auto by_service = delivered_.find(service);
  if (by_service == delivered_.end()) return 0;
  const auto it = by_service->second.find(operation);
  return it == by_service->second.end() ? 0 : it->second;
}

uint64_t GroundTruth::delivered_unknown() const {
  uint64_t unknown = delivered_no_service_;
  for (const auto& [service, by_name] : delivered_) {
    const auto registered = index_.find(service);
    for (const auto& [name, count] : by_name) {
      if (registered == index_.end() || !registered->second.contains(name)) unknown += count;
    }
  }
  return unknown;
}

std::vector<GroundTruth::OperationSummary> GroundTruth::Summarize() {
  std::vector<OperationSummary> out;
  for (auto& [service, by_operation] : index_) {
    for (auto& [operation, id] : by_operation) {
      Operation& o = ops_[id];
      OperationSummary s;
      s.service = service;
      s.operation = operation;
      s.count = o.durations.size();
      s.errors = o.errors;
      s.error_rate =
          s.count == 0 ? 0.0 : static_cast<double>(s.errors) / static_cast<double>(s.count);
      // Selection runs on a contiguous copy (nth_element over a deque is
      // several times slower); the copy lives for one operation at a time.
      std::vector<uint32_t> short_ns(o.durations.short_ns.begin(), o.durations.short_ns.end());
      s.p50_ms = QuantileMs(short_ns, o.durations.long_ns, 0.50);
      s.p95_ms = QuantileMs(short_ns, o.durations.long_ns, 0.95);
      s.p99_ms = QuantileMs(short_ns, o.durations.long_ns, 0.99);
      s.delivered_count = DeliveredCount(service, operation);
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace tflo::workload
