#include "tflo/workload/traces_batch.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace tflo::workload {

int64_t CountSpans(const core::ResourceSpans& resource_spans) {
  int64_t n = 0;
  for (const auto& scope_spans : resource_spans.scope_spans) {
    n += static_cast<int64_t>(scope_spans.spans.size());
  }
  return n;
}

int64_t CountSpans(const core::TracesData& data) {
  int64_t n = 0;
  for (const auto& rs : data.resource_spans) n += CountSpans(rs);
  return n;
}

void SpanBatch::Append(core::TracesData&& request) {
  for (auto& rs : request.resource_spans) {
    const int64_t n = CountSpans(rs);
    if (n == 0) continue;
    items_ += n;
    resource_spans_.push_back(std::move(rs));
  }
  request.resource_spans.clear();
}

core::TracesData SpanBatch::TakeFront(int64_t n) {
  core::TracesData out;
  if (n <= 0 || n > items_) n = items_;
  items_ -= n;
  while (n > 0) {
    core::ResourceSpans& front = resource_spans_.front();
    front_taken_.resize(front.scope_spans.size(), 0);
    int64_t front_left = 0;
    bool untouched = true;
    for (size_t i = 0; i < front.scope_spans.size(); ++i) {
      front_left += static_cast<int64_t>(front.scope_spans[i].spans.size() - front_taken_[i]);
      untouched = untouched && front_taken_[i] == 0;
    }
    if (untouched && front_left <= n) {
      out.resource_spans.push_back(std::move(front));
      resource_spans_.pop_front();
      front_taken_.clear();
      n -= front_left;
      continue;
    }
    // Cut: the taken part gets a copy of the resource and of each scope it
    // takes spans from; the spans move out from behind the cursors.
    core::ResourceSpans part;
    part.resource = front.resource;
    part.schema_url = front.schema_url;
    const int64_t take = std::min(n, front_left);
    int64_t wanted = take;
    for (size_t i = 0; i < front.scope_spans.size() && wanted > 0; ++i) {
      core::ScopeSpans& scope_spans = front.scope_spans[i];
      const size_t from = front_taken_[i];
      const size_t k = std::min(static_cast<size_t>(wanted), scope_spans.spans.size() - from);
      if (k == 0) continue;
      core::ScopeSpans taken;
      taken.scope = scope_spans.scope;
      taken.schema_url = scope_spans.schema_url;
      const auto first = scope_spans.spans.begin() + static_cast<std::ptrdiff_t>(from);
      taken.spans.assign(std::make_move_iterator(first),
                         std::make_move_iterator(first + static_cast<std::ptrdiff_t>(k)));
      front_taken_[i] = from + k;
      part.scope_spans.push_back(std::move(taken));
      wanted -= static_cast<int64_t>(k);
    }
    out.resource_spans.push_back(std::move(part));
    n -= take;
    if (take == front_left) {
      resource_spans_.pop_front();
      front_taken_.clear();
    }
  }
  return out;
}

}  // namespace tflo::workload
