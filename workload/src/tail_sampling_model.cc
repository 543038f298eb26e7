#include "tflo/workload/tail_sampling_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <utility>

#include "tflo/workload/probabilistic_sampler_model.h"
#include "tflo/workload/traces_batch.h"

namespace tflo::workload {
namespace {

__extension__ typedef unsigned __int128 Uint128;  // NOLINT(modernize-use-using)

constexpr SimTime kTickPeriod = kSecond;  // tickerFrequency

// pcommon.Value accessors return the zero value for another type.
std::string StrOf(const core::AnyValue& v) {
  const std::string* s = v.AsString();
  return s != nullptr ? *s : std::string();
}
int64_t IntOf(const core::AnyValue& v) {
  const int64_t* i = v.AsInt();
  return i != nullptr ? *i : 0;
}
bool BoolOf(const core::AnyValue& v) {
  const bool* b = v.AsBool();
  return b != nullptr && *b;
}

// util.go hasResourceOrSpanWithCondition / invertHasResourceOrSpanWithCondition.
template <typename ResourceFn, typename SpanFn>
SamplingDecision HasResourceOrSpan(const core::TracesData& batches, ResourceFn&& resource_fn,
                                   SpanFn&& span_fn) {
  for (const core::ResourceSpans& rs : batches.resource_spans) {
    if (resource_fn(rs.resource.attributes)) return SamplingDecision::kSampled;
    for (const core::ScopeSpans& scope : rs.scope_spans) {
      for (const core::Span& span : scope.spans) {
        if (span_fn(span)) return SamplingDecision::kSampled;
      }
    }
  }
  return SamplingDecision::kNotSampled;
}

template <typename ResourceFn, typename SpanFn>
SamplingDecision InvertHasResourceOrSpan(const core::TracesData& batches, ResourceFn&& resource_fn,
                                         SpanFn&& span_fn) {
  for (const core::ResourceSpans& rs : batches.resource_spans) {
    if (!resource_fn(rs.resource.attributes)) return SamplingDecision::kInvertNotSampled;
    for (const core::ScopeSpans& scope : rs.scope_spans) {
      for (const core::Span& span : scope.spans) {
        if (!span_fn(span)) return SamplingDecision::kInvertNotSampled;
      }
    }
  }
  return SamplingDecision::kInvertSampled;
}

template <typename SpanFn>
SamplingDecision HasSpan(const core::TracesData& batches, SpanFn&& span_fn) {
  return HasResourceOrSpan(
      batches, [](const core::Attributes&) { return false; }, span_fn);
}

// A matcher on attributes, applied to the resource and to every span
// (string / numeric / boolean attribute filters share this shape).
template <typename Match>
SamplingDecision EvaluateAttribute(const core::TracesData& batches, const std::string& key,
                                   bool invert, bool skip_empty_span_strings, Match&& match) {
  if (invert) {
    // Invert: sampled unless some resource or span has the key with a
    // matching value; a missing key counts as "not matched".
    auto keep = [&](const core::Attributes& attributes, bool is_span) {
      const core::AnyValue* v = core::FindAttribute(attributes, key);
      if (v == nullptr) return true;
      if (is_span && skip_empty_span_strings && StrOf(*v).empty()) return true;
      return !match(*v);
    };
    return InvertHasResourceOrSpan(
        batches, [&](const core::Attributes& a) { return keep(a, false); },
        [&](const core::Span& s) { return keep(s.attributes, true); });
  }
  auto hit = [&](const core::Attributes& attributes, bool is_span) {
    const core::AnyValue* v = core::FindAttribute(attributes, key);
    if (v == nullptr) return false;
    if (is_span && skip_empty_span_strings && StrOf(*v).empty()) return false;
    return match(*v);
  };
  return HasResourceOrSpan(
      batches, [&](const core::Attributes& a) { return hit(a, false); },
      [&](const core::Span& s) { return hit(s.attributes, true); });
}

class AlwaysSamplePolicy final : public TailSamplingPolicy {
 public:
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace&, SimTime) override {
    return SamplingDecision::kSampled;
  }
};

// latency.go: trace duration = latest end - earliest start, checked as spans
// are visited (so an upper bound can pass before later spans widen the trace),
// in whole milliseconds (Duration.Milliseconds truncates).
class LatencyPolicy final : public TailSamplingPolicy {
 public:
  LatencyPolicy(int64_t threshold_ms, int64_t upper_threshold_ms)
      : threshold_ms_(threshold_ms), upper_threshold_ms_(upper_threshold_ms) {}
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime) override {
    uint64_t min_time = 0;
    uint64_t max_time = 0;
    return HasSpan(trace.batches, [&](const core::Span& span) {
      if (min_time == 0 || span.start_time_unix_nano < min_time) {
        min_time = span.start_time_unix_nano;
      }
      if (max_time == 0 || span.end_time_unix_nano > max_time) max_time = span.end_time_unix_nano;
      const int64_t ms =
          (static_cast<int64_t>(max_time) - static_cast<int64_t>(min_time)) / 1000000;
      if (upper_threshold_ms_ == 0) return ms >= threshold_ms_;
      return threshold_ms_ < ms && ms <= upper_threshold_ms_;
    });
  }

 private:
  int64_t threshold_ms_;
  int64_t upper_threshold_ms_;
};

class StatusCodePolicy final : public TailSamplingPolicy {
 public:
  explicit StatusCodePolicy(const std::vector<std::string>& codes) {
    for (const std::string& code : codes) {
      if (code == "OK") codes_.insert(core::StatusCode::kOk);
      if (code == "ERROR") codes_.insert(core::StatusCode::kError);
      if (code == "UNSET") codes_.insert(core::StatusCode::kUnset);
    }
  }
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime) override {
    return HasSpan(trace.batches,
                   [&](const core::Span& span) { return codes_.contains(span.status.code); });
  }

 private:
  std::set<core::StatusCode> codes_;
};

class ProbabilisticPolicy final : public TailSamplingPolicy {
 public:
  ProbabilisticPolicy(std::string salt, double percentage)
      : salt_(salt.empty() ? "default-hash-seed" : std::move(salt)),
        threshold_(TailProbabilisticThreshold(percentage / 100)) {}
  SamplingDecision Evaluate(const core::TraceId& id, const TailTrace&, SimTime) override {
    return TailProbabilisticSamples(salt_, threshold_, id) ? SamplingDecision::kSampled
                                                           : SamplingDecision::kNotSampled;
  }

 private:
  std::string salt_;
  uint64_t threshold_;
};

// string_tag_filter.go: exact values (empty ones ignored) or regular
// expressions; span values that are empty strings never match.
class StringAttributePolicy final : public TailSamplingPolicy {
 public:
  StringAttributePolicy(const core::TailSamplingPolicyConfig& config,
                        std::vector<std::regex> patterns)
      : key_(config.key),
        invert_(config.invert_match),
        regex_(config.enabled_regex_matching),
        patterns_(std::move(patterns)) {
    for (const std::string& value : config.values) {
      if (!value.empty()) values_.insert(value);
    }
  }
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime) override {
    return EvaluateAttribute(trace.batches, key_, invert_, /*skip_empty_span_strings=*/true,
                             [&](const core::AnyValue& v) { return Matches(StrOf(v)); });
  }

 private:
  bool Matches(const std::string& value) const {
    if (!regex_) return values_.contains(value);
    return std::any_of(patterns_.begin(), patterns_.end(),
                       [&](const std::regex& r) { return std::regex_search(value, r); });
  }

  std::string key_;
  bool invert_;
  bool regex_;
  std::set<std::string> values_;
  std::vector<std::regex> patterns_;
};

// numeric_tag_filter.go with processor.go's nil bounds for 0.
class NumericAttributePolicy final : public TailSamplingPolicy {
 public:
  explicit NumericAttributePolicy(const core::TailSamplingPolicyConfig& config)
      : key_(config.key),
        min_(config.min_value),
        max_(config.max_value),
        invert_(config.invert_match) {}
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime) override {
    return EvaluateAttribute(trace.batches, key_, invert_, /*skip_empty_span_strings=*/false,
                             [&](const core::AnyValue& v) {
                               const int64_t value = IntOf(v);
                               if (min_ != 0 && value < min_) return false;
                               if (max_ != 0 && value > max_) return false;
                               return true;
                             });
  }

 private:
  std::string key_;
  int64_t min_;
  int64_t max_;
  bool invert_;
};

class BooleanAttributePolicy final : public TailSamplingPolicy {
 public:
  explicit BooleanAttributePolicy(const core::TailSamplingPolicyConfig& config)
      : key_(config.key), value_(config.bool_value), invert_(config.invert_match) {}
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime) override {
    return EvaluateAttribute(trace.batches, key_, invert_, /*skip_empty_span_strings=*/false,
                             [&](const core::AnyValue& v) { return BoolOf(v) == value_; });
  }

 private:
  std::string key_;
  bool value_;
  bool invert_;
};

// rate_limiting.go: a token bucket (golang.org/x/time/rate) refilled at
// spans_per_second with a capacity of twice that, full at start; a trace is
// sampled when its whole span count can be taken.
class RateLimitingPolicy final : public TailSamplingPolicy {
 public:
  explicit RateLimitingPolicy(int64_t spans_per_second)
      : rate_(static_cast<double>(spans_per_second)),
        burst_(static_cast<double>(2 * spans_per_second)) {}
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime now) override {
    double tokens = burst_;
    if (has_last_) {
      const double elapsed_s = static_cast<double>(std::max<SimTime>(0, now - last_)) / 1e9;
      tokens = std::min(burst_, tokens_ + elapsed_s * rate_);
    }
    const auto n = static_cast<double>(trace.span_count);
    if (n > burst_ || n > tokens) return SamplingDecision::kNotSampled;
    tokens_ = tokens - n;
    last_ = now;
    has_last_ = true;
    return SamplingDecision::kSampled;
  }

 private:
  double rate_;
  double burst_;
  double tokens_ = 0;
  SimTime last_ = 0;
  bool has_last_ = false;
};

class SpanCountPolicy final : public TailSamplingPolicy {
 public:
  SpanCountPolicy(int64_t min_spans, int64_t max_spans) : min_(min_spans), max_(max_spans) {}
  SamplingDecision Evaluate(const core::TraceId&, const TailTrace& trace, SimTime) override {
    const int64_t n = trace.span_count;
    if (max_ == 0 && n >= min_) return SamplingDecision::kSampled;
    if (n >= min_ && n <= max_) return SamplingDecision::kSampled;
    return SamplingDecision::kNotSampled;
  }

 private:
  int64_t min_;
  int64_t max_;
};

// and.go / drop.go: a not-sampled vote (plain or inverted) ends the
// evaluation with not sampled; otherwise sampled (and) or dropped (drop).
class CompositeVotePolicy final : public TailSamplingPolicy {
 public:
  CompositeVotePolicy(std::vector<std::unique_ptr<TailSamplingPolicy>> subs, bool is_drop)
      : subs_(std::move(subs)), is_drop_(is_drop) {}
  SamplingDecision Evaluate(const core::TraceId& id, const TailTrace& trace, SimTime now) override {
    for (const auto& sub : subs_) {
      const SamplingDecision d = sub->Evaluate(id, trace, now);
      if (d == SamplingDecision::kNotSampled || d == SamplingDecision::kInvertNotSampled) {
        return SamplingDecision::kNotSampled;
      }
    }
    return is_drop_ ? SamplingDecision::kDropped : SamplingDecision::kSampled;
  }

 private:
  std::vector<std::unique_ptr<TailSamplingPolicy>> subs_;
  bool is_drop_;
};

// decisionToAttributes in processor.go.
std::pair<std::string, std::string> DecisionAttributes(SamplingDecision d) {
  switch (d) {
    case SamplingDecision::kSampled:
    case SamplingDecision::kInvertSampled:
      return {"true", "sampled"};
    case SamplingDecision::kDropped:
      return {"false", "dropped"};
    default:
      return {"false", "not_sampled"};
  }
}

}  // namespace

uint64_t TailProbabilisticThreshold(double ratio) {
  // calculateThreshold: big.Float with MaxUint64 (64-bit precision) times the
  // ratio, rounded to 64 significant bits (nearest even), then Uint64()
  // truncates.
  if (!(ratio > 0)) return 0;
  if (ratio >= 1) return std::numeric_limits<uint64_t>::max();
  int exponent = 0;
  const double fraction = std::frexp(ratio, &exponent);  // ratio = fraction x 2^exponent
  const auto mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));
  Uint128 product = static_cast<Uint128>(std::numeric_limits<uint64_t>::max()) * mantissa;
  int bits = 0;
  for (Uint128 p = product; p != 0; p >>= 1) ++bits;
  int dropped = 0;
  if (bits > 64) {
    dropped = bits - 64;
    Uint128 kept = product >> dropped;
    const Uint128 rest = product & ((Uint128{1} << dropped) - 1);
    const Uint128 half = Uint128{1} << (dropped - 1);
    if (rest > half || (rest == half && (kept & 1) != 0)) ++kept;
    product = kept << dropped;
  }
  // value = product x 2^(exponent - 53); exponent <= 0 here.
  const int shift = 53 - exponent;
  return shift >= 128 ? 0 : static_cast<uint64_t>(product >> shift);
}

bool TailProbabilisticSamples(std::string_view salt, uint64_t threshold,
                              const core::TraceId& trace_id) {
  uint64_t hash = Fnv1a64(reinterpret_cast<const uint8_t*>(salt.data()), salt.size());
  hash = Fnv1a64(trace_id.data(), trace_id.size(), hash);
  return hash <= threshold;
}

Result<std::unique_ptr<TailSamplingPolicy>> MakeTailSamplingPolicy(
    const core::TailSamplingPolicyConfig& config) {
  const std::string& type = config.type;
  if (type == "always_sample") return std::unique_ptr<TailSamplingPolicy>(new AlwaysSamplePolicy());
  if (type == "latency") {
    return std::unique_ptr<TailSamplingPolicy>(
        new LatencyPolicy(config.threshold_ms, config.upper_threshold_ms));
  }
  if (type == "status_code") {
    if (config.status_codes.empty()) {
      return InvalidArgumentError("status_code policy " + config.name +
                                  ": expected at least one status code");
    }
    return std::unique_ptr<TailSamplingPolicy>(new StatusCodePolicy(config.status_codes));
  }
  if (type == "probabilistic") {
    return std::unique_ptr<TailSamplingPolicy>(
        new ProbabilisticPolicy(config.hash_salt, config.sampling_percentage));
  }
  if (type == "string_attribute") {
    std::vector<std::regex> patterns;
    if (config.enabled_regex_matching) {
      for (const std::string& value : config.values) {
        try {
          patterns.emplace_back(value, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          return InvalidArgumentError("string_attribute policy " + config.name +
                                      ": invalid regular expression \"" + value +
                                      "\": " + e.what());
        }
      }
    }
    return std::unique_ptr<TailSamplingPolicy>(
        new StringAttributePolicy(config, std::move(patterns)));
  }
  if (type == "numeric_attribute") {
    return std::unique_ptr<TailSamplingPolicy>(new NumericAttributePolicy(config));
  }
  if (type == "boolean_attribute") {
    return std::unique_ptr<TailSamplingPolicy>(new BooleanAttributePolicy(config));
  }
  if (type == "rate_limiting") {
    return std::unique_ptr<TailSamplingPolicy>(new RateLimitingPolicy(config.spans_per_second));
  }
  if (type == "span_count") {
    return std::unique_ptr<TailSamplingPolicy>(
        new SpanCountPolicy(config.min_spans, config.max_spans));
  }
  if (type == "and" || type == "drop") {
    std::vector<std::unique_ptr<TailSamplingPolicy>> subs;
    for (const core::TailSamplingPolicyConfig& sub : config.sub_policies) {
      TFLO_ASSIGN_OR_RETURN(std::unique_ptr<TailSamplingPolicy> evaluator,
                            MakeTailSamplingPolicy(sub));
      subs.push_back(std::move(evaluator));
    }
    return std::unique_ptr<TailSamplingPolicy>(
        new CompositeVotePolicy(std::move(subs), type == "drop"));
  }
  return InvalidArgumentError("policy type " + type + " is not modelled");
}

bool TailSamplingModel::IdCache::Contains(const core::TraceId& id) {
  const auto it = index_.find(id);
  if (it == index_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

void TailSamplingModel::IdCache::Put(const core::TraceId& id) {
  if (capacity_ <= 0) return;
  if (Contains(id)) return;
  order_.push_front(id);
  index_[id] = order_.begin();
  if (static_cast<int64_t>(order_.size()) > capacity_) {
    index_.erase(order_.back());
    order_.pop_back();
  }
}

Result<std::unique_ptr<TailSamplingModel>> TailSamplingModel::Create(
    EventEngine& engine, core::TailSamplingConfig config, TracesConsumer next) {
  std::unique_ptr<TailSamplingModel> model(
      new TailSamplingModel(engine, std::move(config), std::move(next)));
  const std::string& id = model->config_.id;
  const size_t slash = id.find('/');
  const std::string component_name = slash == std::string::npos ? "" : id.substr(slash + 1);
  std::vector<Policy> drops;
  std::vector<Policy> others;
  for (const core::TailSamplingPolicyConfig& policy : model->config_.policies) {
    Result<std::unique_ptr<TailSamplingPolicy>> evaluator = MakeTailSamplingPolicy(policy);
    if (!evaluator.ok()) {
      return InvalidArgumentError("processors." + id + ": policy " + policy.name + ": " +
                                  evaluator.status().message());
    }
    Policy p;
    p.name = policy.name;
    p.metric_name = component_name.empty() ? policy.name : component_name + "." + policy.name;
    p.is_drop = policy.type == "drop";
    p.evaluator = std::move(evaluator).value();
    (p.is_drop ? drops : others).push_back(std::move(p));
  }
  // Dropped takes precedence over all others, so drop policies run first.
  for (Policy& p : drops) model->policies_.push_back(std::move(p));
  for (Policy& p : others) model->policies_.push_back(std::move(p));
  return model;
}

TailSamplingModel::TailSamplingModel(EventEngine& engine, core::TailSamplingConfig config,
                                     TracesConsumer next)
    : engine_(engine),
      config_(std::move(config)),
      next_(std::move(next)),
      sampled_cache_(config_.sampled_cache_size),
      non_sampled_cache_(config_.non_sampled_cache_size) {
  // numDecisionBatches = max(1, decision_wait.Seconds()), truncated to uint64.
  const double seconds = std::chrono::duration<double>(config_.decision_wait).count();
  batches_.resize(static_cast<size_t>(std::max(1.0, seconds)));
}

void TailSamplingModel::Start() {
  if (running_) return;
  running_ = true;
  const uint64_t generation = ++generation_;
  engine_.After(kTickPeriod, [this, generation] { OnTick(generation); });
}

void TailSamplingModel::OnTick(uint64_t generation) {
  if (!running_ || generation != generation_) return;
  // CloseCurrentAndTakeFirstBatch: the oldest batch out, the one being built in.
  const size_t index = take_id_ % batches_.size();
  std::vector<core::TraceId> batch = std::move(batches_[index]);
  batches_[index] = std::move(current_batch_);
  current_batch_.clear();
  ++take_id_;
  DecideBatch(batch);
  engine_.After(kTickPeriod, [this, generation] { OnTick(generation); });
}

void TailSamplingModel::DecideBatch(const std::vector<core::TraceId>& batch) {
  for (const core::TraceId& id : batch) {
    auto it = traces_.find(id);
    if (it == traces_.end()) {
      ++stats_.sampling_trace_dropped_too_early;  // evicted before its decision
      continue;
    }
    TailTrace& trace = it->second;
    if (trace.final_decision != SamplingDecision::kUnspecified) continue;
    SamplingDecision decision = MakeDecision(id, trace);
    ++stats_.global_decisions[DecisionAttributes(decision)];
    core::TracesData spans = std::move(trace.batches);
    const int64_t items = trace.held_spans;
    trace.batches = core::TracesData();
    trace.held_spans = 0;
    held_spans_ -= items;
    trace.final_decision = decision;
    if (decision == SamplingDecision::kSampled) {
      ++stats_.traces_sampled;
      sampled_cache_.Put(id);
      Release(std::move(spans), items);
      if (sampled_cache_.enabled()) DropTrace(id);
    } else {
      (decision == SamplingDecision::kDropped ? stats_.traces_dropped
                                              : stats_.traces_not_sampled)++;
      non_sampled_cache_.Put(id);
      if (non_sampled_cache_.enabled()) DropTrace(id);
    }
  }
}

SamplingDecision TailSamplingModel::MakeDecision(const core::TraceId& id, const TailTrace& trace) {
  bool dropped = false;
  bool invert_not_sampled = false;
  bool sampled = false;
  bool invert_sampled = false;
  bool not_sampled = false;
  const SimTime now = engine_.now();
  for (Policy& policy : policies_) {
    const SamplingDecision d = policy.evaluator->Evaluate(id, trace, now);
    const auto [sampled_attr, decision_attr] = DecisionAttributes(d);
    ++stats_.policy_decisions[{policy.metric_name, sampled_attr, decision_attr}];
    switch (d) {
      case SamplingDecision::kDropped:
        dropped = true;
        break;
      case SamplingDecision::kInvertNotSampled:
        invert_not_sampled = true;
        break;
      case SamplingDecision::kSampled:
        sampled = true;
        break;
      case SamplingDecision::kInvertSampled:
        invert_sampled = true;
        break;
      case SamplingDecision::kNotSampled:
        not_sampled = true;
        break;
      case SamplingDecision::kUnspecified:
        break;
    }
    if (d == SamplingDecision::kDropped) break;  // nothing can override it
    if (config_.sample_on_first_match && d == SamplingDecision::kSampled) break;
  }
  if (dropped) return SamplingDecision::kDropped;
  if (invert_not_sampled) return SamplingDecision::kNotSampled;
  if (sampled) return SamplingDecision::kSampled;
  if (invert_sampled && !not_sampled) return SamplingDecision::kSampled;
  return SamplingDecision::kNotSampled;
}

void TailSamplingModel::Release(core::TracesData&& data, int64_t items) {
  stats_.spans_released += static_cast<uint64_t>(items);
  next_(std::move(data), items, [](bool) {});
}

void TailSamplingModel::DropTrace(const core::TraceId& id) {
  const auto it = traces_.find(id);
  if (it == traces_.end()) return;
  held_spans_ -= it->second.held_spans;
  traces_.erase(it);
}

void TailSamplingModel::AcceptTrace(const core::TraceId& id) {
  // DropOldTracesLimiter: a channel of num_traces IDs; when it is full the
  // oldest ID is taken out and its trace deleted (if it is still there).
  while (static_cast<int64_t>(limiter_.size()) >= config_.num_traces) {
    const core::TraceId oldest = limiter_.front();
    limiter_.pop_front();
    const auto it = traces_.find(oldest);
    if (it != traces_.end()) {
      ++stats_.evicted_traces;
      if (it->second.final_decision == SamplingDecision::kUnspecified) {
        stats_.evicted_undecided_spans += static_cast<uint64_t>(it->second.held_spans);
      }
      DropTrace(oldest);
    }
  }
  limiter_.push_back(id);
}

void TailSamplingModel::Consume(core::TracesData&& data) {
  const SimTime now = engine_.now();
  for (core::ResourceSpans& rs : data.resource_spans) {
    // groupSpansByTraceKey, keeping first-seen order and each span's scope.
    std::vector<core::TraceId> order;
    std::map<core::TraceId, core::ResourceSpans> groups;
    for (core::ScopeSpans& scope : rs.scope_spans) {
      for (core::Span& span : scope.spans) {
        auto [it, inserted] = groups.try_emplace(span.trace_id);
        core::ResourceSpans& group = it->second;
        if (inserted) {
          order.push_back(span.trace_id);
          group.resource = rs.resource;
          group.schema_url = rs.schema_url;
        }
        if (group.scope_spans.empty() || group.scope_spans.back().scope != scope.scope ||
            group.scope_spans.back().schema_url != scope.schema_url) {
          core::ScopeSpans copy;
          copy.scope = scope.scope;
          copy.schema_url = scope.schema_url;
          group.scope_spans.push_back(std::move(copy));
        }
        group.scope_spans.back().spans.push_back(std::move(span));
      }
    }
    for (const core::TraceId& id : order) {
      core::ResourceSpans& group = groups.at(id);
      const int64_t n = CountSpans(group);
      if (sampled_cache_.Contains(id)) {
        stats_.early_releases_sampled += static_cast<uint64_t>(n);
        core::TracesData release;
        release.resource_spans.push_back(std::move(group));
        Release(std::move(release), n);
        continue;
      }
      if (non_sampled_cache_.Contains(id)) {
        stats_.early_releases_not_sampled += static_cast<uint64_t>(n);
        continue;
      }
      auto it = traces_.find(id);
      if (it == traces_.end()) {
        TailTrace trace;
        trace.arrival = now;
        trace.span_count = n;
        it = traces_.emplace(id, std::move(trace)).first;
        ++stats_.new_trace_id_received;
        current_batch_.push_back(id);
        AcceptTrace(id);
        it = traces_.find(id);
        if (it == traces_.end()) continue;  // cannot happen: num_traces >= 1
      } else {
        it->second.span_count += n;
      }
      TailTrace& trace = it->second;
      switch (trace.final_decision) {
        case SamplingDecision::kUnspecified:
          trace.batches.resource_spans.push_back(std::move(group));
          trace.held_spans += n;
          held_spans_ += n;
          break;
        case SamplingDecision::kSampled: {
          stats_.late_spans_released += static_cast<uint64_t>(n);
          core::TracesData release;
          release.resource_spans.push_back(std::move(group));
          Release(std::move(release), n);
          break;
        }
        default:
          stats_.late_spans_dropped += static_cast<uint64_t>(n);
          break;
      }
    }
  }
}

void TailSamplingModel::Shutdown(std::function<void()> on_done) {
  running_ = false;
  ++generation_;
  if (!config_.drop_pending_traces_on_shutdown) {
    // After Stop the batcher hands out the ring's batches, oldest first, then
    // the batch being built.
    for (size_t k = 0; k < batches_.size(); ++k) {
      const size_t index = (take_id_ + k) % batches_.size();
      std::vector<core::TraceId> batch = std::move(batches_[index]);
      batches_[index].clear();
      DecideBatch(batch);
    }
    std::vector<core::TraceId> last = std::move(current_batch_);
    current_batch_.clear();
    DecideBatch(last);
  }
  on_done();
}

}  // namespace tflo::workload
