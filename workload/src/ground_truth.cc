#include "ground_truth.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace tflo::workload {
namespace {

// The order statistics `ks` (0-based, ascending, unique) of the union of
// `short_ns` and `long_ns`, where every short value is below every long one;
// reorders them. After nth_element at k, everything from k + 1 on is >= the
// k-th, so each later statistic is selected from that tail only: the three
// quantiles cost about 1.5 passes over the durations instead of six.
std::vector<uint64_t> OrderStatistics(std::vector<uint32_t>& short_ns,
                                      std::vector<uint64_t>& long_ns,
                                      const std::vector<size_t>& ks) {
  std::vector<uint64_t> out;
  out.reserve(ks.size());
  size_t short_from = 0;
  size_t long_from = 0;
  for (const size_t k : ks) {
    if (k < short_ns.size()) {
      const auto kth = short_ns.begin() + static_cast<std::ptrdiff_t>(k);
      std::nth_element(short_ns.begin() + static_cast<std::ptrdiff_t>(short_from), kth,
                       short_ns.end());
      out.push_back(*kth);
      short_from = k + 1;
    } else {
      const size_t j = k - short_ns.size();
      const auto kth = long_ns.begin() + static_cast<std::ptrdiff_t>(j);
      std::nth_element(long_ns.begin() + static_cast<std::ptrdiff_t>(long_from), kth,
                       long_ns.end());
      out.push_back(*kth);
      long_from = j + 1;
    }
  }
  return out;
}

// core::ExactQuantile step by step for each of `qs`, on the order statistics
// of the integer durations: ns -> ms is monotonic, so the k-th smallest ms
// value is the ms value of the k-th smallest ns value, and the results are
// bit-identical.
std::vector<double> QuantilesMs(std::vector<uint32_t>& short_ns, std::vector<uint64_t>& long_ns,
                                const std::vector<double>& qs) {
  const size_t n = short_ns.size() + long_ns.size();
  std::vector<double> out(qs.size(), 0.0);
  if (n == 0) return out;
  std::vector<double> hs;
  std::vector<size_t> ks;
  for (double q : qs) {
    const double h = std::clamp(q, 0.0, 1.0) * static_cast<double>(n - 1);
    hs.push_back(h);
    const auto lo = static_cast<size_t>(std::floor(h));
    ks.push_back(lo);
    if (lo + 1 < n) ks.push_back(lo + 1);
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  const std::vector<uint64_t> stats = OrderStatistics(short_ns, long_ns, ks);
  const auto stat_ms = [&](size_t k) {
    const auto it = std::lower_bound(ks.begin(), ks.end(), k);
    return static_cast<double>(stats[static_cast<size_t>(it - ks.begin())]) / 1e6;
  };
  for (size_t i = 0; i < qs.size(); ++i) {
    const double h = hs[i];
    const auto lo = static_cast<size_t>(std::floor(h));
    const double v_lo = stat_ms(lo);
    if (lo + 1 >= n) {
      out[i] = v_lo;
      continue;
    }
    const double v_hi = stat_ms(lo + 1);
    out[i] = v_lo + (h - static_cast<double>(lo)) * (v_hi - v_lo);
  }
  return out;
}

}  // namespace

GroundTruth::OpId GroundTruth::Register(std::string_view service, std::string_view operation) {
  auto& by_operation = index_[std::string(service)];
  if (auto it = by_operation.find(operation); it != by_operation.end()) return it->second;
  const OpId id = ops_.size();
  ops_.push_back(Operation{std::string(service), std::string(operation), 0, {}, std::nullopt});
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
  o.quantiles.reset();
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
    if (into.durations.size() == 0) {
      // Only `other` saw this operation: its storage and quantiles move as they are.
      into.durations = std::move(o.durations);
      into.quantiles = o.quantiles;
      continue;
    }
    into.durations.short_ns.insert(into.durations.short_ns.end(), o.durations.short_ns.begin(),
                                   o.durations.short_ns.end());
    into.durations.long_ns.insert(into.durations.long_ns.end(), o.durations.long_ns.begin(),
                                  o.durations.long_ns.end());
    into.quantiles.reset();
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
      if (!o.quantiles) o.quantiles = ComputeQuantiles(o.durations);
      s.p50_ms = o.quantiles->p50_ms;
      s.p95_ms = o.quantiles->p95_ms;
      s.p99_ms = o.quantiles->p99_ms;
      s.delivered_count = DeliveredCount(service, operation);
      out.push_back(std::move(s));
    }
  }
  return out;
}

GroundTruth::Quantiles GroundTruth::ComputeQuantiles(Durations& durations) {
  // Selection runs on a contiguous copy (nth_element over a deque is several
  // times slower); the copy lives for one operation at a time.
  std::vector<uint32_t> short_ns(durations.short_ns.begin(), durations.short_ns.end());
  const std::vector<double> q = QuantilesMs(short_ns, durations.long_ns, {0.50, 0.95, 0.99});
  return Quantiles{q[0], q[1], q[2]};
}

void GroundTruth::ComputeQuantilesAhead(std::atomic<size_t>* next) {
  std::atomic<size_t> own{0};
  std::atomic<size_t>& counter = next != nullptr ? *next : own;
  for (size_t i = counter.fetch_add(1, std::memory_order_relaxed); i < ops_.size();
       i = counter.fetch_add(1, std::memory_order_relaxed)) {
    Operation& o = ops_[i];
    if (!o.quantiles) o.quantiles = ComputeQuantiles(o.durations);
  }
}

}  // namespace tflo::workload
