// Model of the collector's `probabilistic_sampler` processor for traces
// (contrib processor/probabilisticsamplerprocessor: sampler_mode.go,
// fnvhasher.go, tracesprocessor.go; OTEP 235 arithmetic from contrib
// pkg/sampling; shared pipeline facts section 4).
//
// Every span is decided alone, but only from its TraceID (and tracestate), so
// all spans of one trace get the same decision:
//  - hash_seed (the default when `mode` is unset): h = FNV-1a-32(hash_seed as
//    4 little-endian bytes || the 16 TraceID bytes), b = h & 0x3FFF; keep iff
//    b < uint32(float32(pct) x float32(163.84)). A kept span's tracestate gets
//    `ot=rv:<56-bit randomness>;th:<threshold>` as the contrib code writes it.
//    A span already carrying an OTel `rv` or `th` is an error for this mode.
//  - proportional / equalizing: randomness R = the low 56 bits of the TraceID
//    (or `rv` from the `ot` tracestate entry); rejection threshold
//    T = 2^56 - round(p x 2^56), rounded to `sampling_precision` hex digits;
//    keep iff R >= T; the kept span's tracestate gets `ot=th:<T>`.
//    Proportional multiplies an incoming `th` probability by the configured one;
//    equalizing keeps the larger threshold. An incoming `th` that R does not
//    satisfy is inconsistent (an error).
//  - Errors (no usable randomness, inconsistent or unparsable tracestate):
//    fail_closed drops the span, otherwise it is kept.
//  - A `sampling.priority` span attribute overrides everything: 0 drops,
//    > 0 keeps (policy "sampling_priority").
// Spans dropped are removed with their emptied scopes and resources; a request
// left empty is not passed on (processorhelper's ErrSkipProcessingData).
// Counter otelcol_processor_probabilistic_sampler_count_traces_sampled counts
// spans by `policy` (trace_id_hash, trace_id_w3c, sampling_randomness,
// missing_randomness, sampling_priority) and `sampled`.
// Pure computation, no clock; not thread-safe.
#ifndef TFLO_WORKLOAD_PROBABILISTIC_SAMPLER_MODEL_H_
#define TFLO_WORKLOAD_PROBABILISTIC_SAMPLER_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"

namespace tflo::workload {

// FNV-1a over `size` bytes, continuing from `hash` (the offset basis by default).
inline constexpr uint32_t kFnv32OffsetBasis = 2166136261U;
inline constexpr uint64_t kFnv64OffsetBasis = 14695981039346656037ULL;
uint32_t Fnv1a32(const uint8_t* data, size_t size, uint32_t hash = kFnv32OffsetBasis);
uint64_t Fnv1a64(const uint8_t* data, size_t size, uint64_t hash = kFnv64OffsetBasis);

// hash_seed mode: FNV-1a-32(seed little-endian || trace id).
uint32_t HashSeedHash(uint32_t seed, const core::TraceId& trace_id);
// uint32(float32(pct) x float32(163.84)) for pct clamped to [0, 100]: the
// number of the 16384 buckets that are kept.
uint32_t HashSeedScaledRate(double sampling_percentage);

// OTEP 235 (contrib pkg/sampling). 2^56: thresholds and randomness are 56-bit.
inline constexpr uint64_t kMaxAdjustedCount = uint64_t{1} << 56;
inline constexpr uint64_t kNeverSampleThreshold = kMaxAdjustedCount;
// R from a TraceID: its last 7 bytes, big-endian.
uint64_t TraceIdRandomness(const core::TraceId& trace_id);
// ProbabilityToThresholdWithPrecision: nullopt when `probability` is outside
// [2^-56, 1] (ErrProbabilityRange). `precision` 0 = full; an underflowing
// precision yields 0 (always sample), as the contrib code returns it.
std::optional<uint64_t> ProbabilityToThreshold(double probability, int precision);
double ThresholdProbability(uint64_t threshold);
// "th" encoding: 14 hex digits without trailing zeros; "0" for 0.
std::string ThresholdToTValue(uint64_t threshold);
std::optional<uint64_t> TValueToThreshold(std::string_view tvalue);

struct ProbabilisticSamplerStats {
  // (policy, sampled) -> spans.
  std::map<std::pair<std::string, bool>, uint64_t> spans_by_policy;
  uint64_t incoming_spans = 0;
  uint64_t outgoing_spans = 0;
};

class ProbabilisticSamplerModel {
 public:
  explicit ProbabilisticSamplerModel(core::ProbabilisticSamplerConfig config);

  // Decides one span; rewrites its trace_state when it is kept.
  bool SampleSpan(core::Span& span);
  // Removes the spans not kept (and emptied scopes / resources) from `data`;
  // returns the spans left.
  int64_t Sample(core::TracesData& data);

  const core::ProbabilisticSamplerConfig& config() const { return config_; }
  const std::string& mode() const { return mode_; }
  const ProbabilisticSamplerStats& stats() const { return stats_; }

 private:
  bool SampleHashSeed(core::Span& span, std::string& policy);
  bool SampleConsistent(core::Span& span, std::string& policy);

  core::ProbabilisticSamplerConfig config_;
  std::string mode_;
  bool never_ = false;           // percentage 0 (or rounded to 0 buckets)
  double ratio_ = 0;             // proportional / equalizing
  uint64_t hash_threshold_ = 0;  // hash_seed: (16384 - kept buckets) << 42
  uint64_t equalizing_threshold_ = 0;
  ProbabilisticSamplerStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_PROBABILISTIC_SAMPLER_MODEL_H_
