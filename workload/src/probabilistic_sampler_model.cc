#include "tflo/workload/probabilistic_sampler_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace tflo::workload {
namespace {

constexpr uint32_t kFnv32Prime = 16777619U;
constexpr uint64_t kFnv64Prime = 1099511628211ULL;
constexpr uint32_t kNumHashBuckets = 0x4000;  // 14 bits
constexpr uint32_t kHashBucketMask = kNumHashBuckets - 1;
constexpr int kNumHexDigits = 14;

std::string Hex14(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kNumHexDigits, '0');
  for (int i = kNumHexDigits - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

std::optional<uint64_t> ParseHex(std::string_view text) {
  uint64_t value = 0;
  for (const char c : text) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;  // the OTel encoding is lower-case hex only
    }
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The W3C tracestate split into its `ot` entry (pkg/sampling
// oteltracestate.go: `rv` and `th` sub-keys plus any others) and the rest.
struct TraceState {
  bool valid = true;
  std::vector<std::string> other_members;
  bool has_ot = false;
  std::optional<uint64_t> rv;
  std::optional<uint64_t> th;
  std::vector<std::string> ot_extra;  // "k:v" sub-keys kept as they were

  static TraceState Parse(std::string_view raw) {
    TraceState state;
    while (!raw.empty()) {
      const size_t comma = raw.find(',');
      const std::string_view member = Trim(raw.substr(0, comma));
      raw = comma == std::string_view::npos ? std::string_view() : raw.substr(comma + 1);
      if (member.empty()) continue;
      const size_t eq = member.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        state.valid = false;
        continue;
      }
      if (member.substr(0, eq) != "ot") {
        state.other_members.emplace_back(member);
        continue;
      }
      state.has_ot = true;
      std::string_view value = member.substr(eq + 1);
      while (!value.empty()) {
        const size_t semi = value.find(';');
        const std::string_view field = value.substr(0, semi);
        value = semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1);
        const size_t colon = field.find(':');
        if (colon == std::string_view::npos) {
          state.valid = false;
          continue;
        }
        const std::string_view key = field.substr(0, colon);
        const std::string_view v = field.substr(colon + 1);
        if (key == "rv") {
          state.rv = v.size() == kNumHexDigits ? ParseHex(v) : std::nullopt;
          if (!state.rv) state.valid = false;
        } else if (key == "th") {
          state.th = TValueToThreshold(v);
          if (!state.th) state.valid = false;
        } else {
          state.ot_extra.emplace_back(field);
        }
      }
    }
    return state;
  }

  // W3CTraceState.Serialize: the `ot` entry first (rv, th, then other
  // sub-keys), then the other members in their order.
  std::string Serialize() const {
    std::string ot;
    auto add = [&ot](const std::string& field) {
      if (!ot.empty()) ot += ';';
      ot += field;
    };
    if (rv) add("rv:" + Hex14(*rv));
    if (th) add("th:" + ThresholdToTValue(*th));
    for (const std::string& extra : ot_extra) add(extra);
    std::string out;
    if (!ot.empty()) out = "ot=" + ot;
    for (const std::string& member : other_members) {
      if (!out.empty()) out += ',';
      out += member;
    }
    return out;
  }

  // updateThreshold: a threshold may only rise (lower probability); a lower
  // one is refused (ErrInconsistentSampling, only logged by the processor).
  void UpdateThreshold(uint64_t threshold) {
    if (th && threshold < *th) return;
    th = threshold;
  }
};

enum class Priority { kDefer, kDoSample, kDoNotSample };

// tracesprocessor.go parseSpanSamplingPriority.
Priority SpanPriority(const core::Span& span) {
  const core::AnyValue* value = core::FindAttribute(span.attributes, "sampling.priority");
  if (value == nullptr) return Priority::kDefer;
  double v = 0;
  if (const int64_t* i = value->AsInt()) {
    v = static_cast<double>(*i);
  } else if (const double* d = value->AsDouble()) {
    v = *d;
  } else if (const std::string* s = value->AsString()) {
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || end != s->data() + s->size()) return Priority::kDefer;
  } else {
    return Priority::kDefer;
  }
  if (v == 0) return Priority::kDoNotSample;
  if (v > 0) return Priority::kDoSample;
  return Priority::kDefer;
}

}  // namespace

uint32_t Fnv1a32(const uint8_t* data, size_t size, uint32_t hash) {
  for (size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= kFnv32Prime;
  }
  return hash;
}

uint64_t Fnv1a64(const uint8_t* data, size_t size, uint64_t hash) {
  for (size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= kFnv64Prime;
  }
  return hash;
}

uint32_t HashSeedHash(uint32_t seed, const core::TraceId& trace_id) {
  // fnvhasher.go: i32tob writes the seed little-endian.
  const uint8_t seed_bytes[4] = {static_cast<uint8_t>(seed), static_cast<uint8_t>(seed >> 8),
                                 static_cast<uint8_t>(seed >> 16),
                                 static_cast<uint8_t>(seed >> 24)};
  const uint32_t hash = Fnv1a32(seed_bytes, sizeof(seed_bytes));
  return Fnv1a32(trace_id.data(), trace_id.size(), hash);
}

uint32_t HashSeedScaledRate(double sampling_percentage) {
  // sampler_mode.go makeSampler: pct is float32 and the untyped constant
  // 163.84 becomes float32, so the product is float32, truncated to uint32.
  const float pct = static_cast<float>(std::clamp(sampling_percentage, 0.0, 100.0));
  const float scaled = pct * static_cast<float>(kNumHashBuckets / 100.0);
  return static_cast<uint32_t>(scaled);
}

uint64_t TraceIdRandomness(const core::TraceId& trace_id) {
  uint64_t r = 0;
  for (size_t i = 9; i < 16; ++i) r = (r << 8) | trace_id[i];
  return r;
}

std::optional<uint64_t> ProbabilityToThreshold(double probability, int precision) {
  if (!(probability >= 0x1p-56 && probability <= 1)) return std::nullopt;
  const auto scaled = static_cast<uint64_t>(std::round(probability * 0x1p56));
  if (precision == 0) return kMaxAdjustedCount - scaled;
  if (probability == 1) return 0;
  // Leading zeros of the rejection probability add obligatory digits.
  int digits = precision;
  for (double reject = 1 - probability; reject * 16 < 1;) {
    reject *= 16;
    ++digits;
  }
  if (digits > kNumHexDigits) return 0;  // ErrPrecisionUnderflow: returned with 0
  uint64_t rscaled = kMaxAdjustedCount - scaled;
  const int shift = 4 * (kNumHexDigits - digits);
  if (shift > 0) {
    const uint64_t half = uint64_t{1} << (shift - 1);
    rscaled += half;
    rscaled >>= shift;
    rscaled <<= shift;
  }
  return rscaled;
}

double ThresholdProbability(uint64_t threshold) {
  return static_cast<double>(kMaxAdjustedCount - threshold) /
         static_cast<double>(kMaxAdjustedCount);
}

std::string ThresholdToTValue(uint64_t threshold) {
  if (threshold == 0) return "0";
  std::string hex = Hex14(threshold);
  while (!hex.empty() && hex.back() == '0') hex.pop_back();
  return hex;
}

std::optional<uint64_t> TValueToThreshold(std::string_view tvalue) {
  if (tvalue.empty() || tvalue.size() > kNumHexDigits) return std::nullopt;
  const std::optional<uint64_t> value = ParseHex(tvalue);
  if (!value) return std::nullopt;
  return *value << (4 * (kNumHexDigits - static_cast<int>(tvalue.size())));
}

ProbabilisticSamplerModel::ProbabilisticSamplerModel(core::ProbabilisticSamplerConfig config)
    : config_(std::move(config)), mode_(config_.EffectiveMode()) {
  // makeSampler: > 100 % is 100 %; 0 % never samples; tiny ratios round up.
  const double pct = std::min(config_.sampling_percentage, 100.0);
  // The ratio is computed from the float32 percentage, as in the collector.
  ratio_ = static_cast<double>(static_cast<float>(pct)) / 100.0;
  if (pct <= 0) {
    never_ = true;
  } else if (ratio_ < 0x1p-56) {
    ratio_ = 0x1p-56;
  }
  if (mode_ == "hash_seed") {
    const uint32_t kept = HashSeedScaledRate(pct);
    if (kept == 0) never_ = true;
    hash_threshold_ = static_cast<uint64_t>(kNumHashBuckets - std::min(kept, kNumHashBuckets))
                      << 42;
  } else if (mode_ == "equalizing" && !never_) {
    equalizing_threshold_ = ProbabilityToThreshold(ratio_, config_.sampling_precision).value_or(0);
  }
}

bool ProbabilisticSamplerModel::SampleHashSeed(core::Span& span, std::string& policy) {
  // hashingSampler.randomnessFromSpan / randomnessFromBytes.
  const uint32_t hashed32 = HashSeedHash(config_.hash_seed, span.trace_id);
  const uint64_t hashed = hashed32 & kHashBucketMask;
  const uint64_t rprime14 = kNumHashBuckets - 1 - hashed;
  const uint64_t unused18 = hashed32 >> 14;
  const uint64_t mixed28 = unused18 ^ (unused18 << 10);
  const uint64_t rnd56 = (rprime14 << 42) | (mixed28 << 14) | hashed;
  policy = "trace_id_hash";

  TraceState state = TraceState::Parse(span.trace_state);
  bool error = !state.valid;
  const bool has_carrier = state.valid;
  if (!error) {
    // The user should not combine this mode with OTel consistent sampling.
    if (state.rv || state.th) {
      error = true;
    } else {
      state.rv = rnd56;
    }
  }
  uint64_t threshold = 0;
  if (error) {
    threshold = config_.fail_closed ? kNeverSampleThreshold : 0;
  } else {
    threshold = hash_threshold_;
  }
  switch (SpanPriority(span)) {
    case Priority::kDoSample:
      threshold = 0;
      policy = "sampling_priority";
      break;
    case Priority::kDoNotSample:
      threshold = kNeverSampleThreshold;
      policy = "sampling_priority";
      break;
    case Priority::kDefer:
      break;
  }
  const bool sampled = rnd56 >= threshold;
  if (sampled && has_carrier) {
    state.UpdateThreshold(threshold);
    span.trace_state = state.Serialize();
  }
  return sampled;
}

bool ProbabilisticSamplerModel::SampleConsistent(core::Span& span, std::string& policy) {
  // consistentTracestateCommon.randomnessFromSpan, consistencyCheck, decide.
  TraceState state = TraceState::Parse(span.trace_state);
  bool error = !state.valid;
  const bool has_carrier = state.valid;
  std::optional<uint64_t> randomness;
  policy = "missing_randomness";
  if (state.valid) {
    if (state.rv) {
      randomness = state.rv;
      policy = "sampling_randomness";
    } else if (core::IsValid(span.trace_id)) {
      randomness = TraceIdRandomness(span.trace_id);
      policy = "trace_id_w3c";
    }
    if (!randomness) {
      error = true;  // ErrMissingRandomness
    } else if (state.th && *randomness < *state.th) {
      state.th.reset();  // ErrInconsistentArrivingTValue: cleared, then an error
      error = true;
    }
  }
  // AllProbabilitiesRandomness: passes every threshold but "never".
  const uint64_t r = randomness.value_or(kMaxAdjustedCount - 1);

  uint64_t threshold = 0;
  if (error) {
    threshold = config_.fail_closed ? kNeverSampleThreshold : 0;
  } else if (never_) {
    threshold = kNeverSampleThreshold;
  } else if (mode_ == "equalizing") {
    threshold = equalizing_threshold_;
    if (state.th && equalizing_threshold_ < *state.th) threshold = *state.th;
  } else {
    const double incoming = state.th ? ThresholdProbability(*state.th) : 1.0;
    threshold = ProbabilityToThreshold(incoming * ratio_, config_.sampling_precision)
                    .value_or(kNeverSampleThreshold);
  }
  switch (SpanPriority(span)) {
    case Priority::kDoSample:
      threshold = 0;
      policy = "sampling_priority";
      break;
    case Priority::kDoNotSample:
      threshold = kNeverSampleThreshold;
      policy = "sampling_priority";
      break;
    case Priority::kDefer:
      break;
  }
  const bool sampled = r >= threshold;
  if (sampled && has_carrier) {
    state.UpdateThreshold(threshold);
    span.trace_state = state.Serialize();
  }
  return sampled;
}

bool ProbabilisticSamplerModel::SampleSpan(core::Span& span) {
  std::string policy;
  bool sampled = false;
  if (mode_ == "hash_seed") {
    if (never_) {
      // neverSampler: its randomness comes from the W3C TraceID.
      policy = core::IsValid(span.trace_id) ? "trace_id_w3c" : "missing_randomness";
      sampled = SpanPriority(span) == Priority::kDoSample;
      if (SpanPriority(span) != Priority::kDefer) policy = "sampling_priority";
    } else {
      sampled = SampleHashSeed(span, policy);
    }
  } else {
    sampled = SampleConsistent(span, policy);
  }
  ++stats_.spans_by_policy[{policy, sampled}];
  return sampled;
}

int64_t ProbabilisticSamplerModel::Sample(core::TracesData& data) {
  int64_t kept = 0;
  for (core::ResourceSpans& rs : data.resource_spans) {
    for (core::ScopeSpans& scope : rs.scope_spans) {
      stats_.incoming_spans += scope.spans.size();
      // Decide first (SampleSpan rewrites trace_state), then compact.
      std::vector<core::Span> survivors;
      survivors.reserve(scope.spans.size());
      for (core::Span& span : scope.spans) {
        if (SampleSpan(span)) survivors.push_back(std::move(span));
      }
      scope.spans = std::move(survivors);
      kept += static_cast<int64_t>(scope.spans.size());
    }
    std::erase_if(rs.scope_spans, [](const core::ScopeSpans& s) { return s.spans.empty(); });
  }
  std::erase_if(data.resource_spans,
                [](const core::ResourceSpans& rs) { return rs.scope_spans.empty(); });
  stats_.outgoing_spans += static_cast<uint64_t>(kept);
  return kept;
}

}  // namespace tflo::workload
