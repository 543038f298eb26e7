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
    const int64_t front_count = CountSpans(front);
    if (front_count <= n) {
      out.resource_spans.push_back(std::move(front));
      resource_spans_.pop_front();
      n -= front_count;
      continue;
    }
    // Split: the taken part gets a copy of the resource and of each scope it
    // takes spans from; what is left stays at the front.
    core::ResourceSpans part;
    part.resource = front.resource;
    part.schema_url = front.schema_url;
    for (auto& scope_spans : front.scope_spans) {
      if (n == 0) break;
      const auto k =
          static_cast<int64_t>(std::min<size_t>(static_cast<size_t>(n), scope_spans.spans.size()));
      if (k == 0) continue;
      core::ScopeSpans taken;
      taken.scope = scope_spans.scope;
      taken.schema_url = scope_spans.schema_url;
      taken.spans.assign(std::make_move_iterator(scope_spans.spans.begin()),
                         std::make_move_iterator(scope_spans.spans.begin() + k));
      scope_spans.spans.erase(scope_spans.spans.begin(), scope_spans.spans.begin() + k);
      part.scope_spans.push_back(std::move(taken));
      n -= k;
    }
    std::erase_if(front.scope_spans, [](const core::ScopeSpans& s) { return s.spans.empty(); });
    out.resource_spans.push_back(std::move(part));
  }
  return out;
}

}  // namespace tflo::workload
