#include "tflo/workload/lambda_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <numeric>
#include <utility>

namespace tflo::workload {
namespace {

constexpr size_t kNoEnvironment = std::numeric_limits<size_t>::max();
// services-sqs-scaling: up to 300 more concurrent batches per minute.
constexpr SimTime kScaleUpStep = 60 * kSecond / kEsmScaleUpPerMinute;

SimTime Draw(Rng& rng, SimTime median, double sigma) {
  if (median <= 0) return 0;
  return std::max<SimTime>(1, RoundToInt64(rng.LogNormal(static_cast<double>(median), sigma)));
}


std::string TimedOutMessage(SimTime timeout) {
  // The runtime's own wording: "Task timed out after 15.00 seconds".
  char buf[64];
  std::snprintf(buf, sizeof(buf), "Task timed out after %.2f seconds",
                static_cast<double>(timeout) / 1e9);
  return buf;
}

}  // namespace

// ---- arithmetic ------------------------------------------------------------------

double LambdaCpuShare(int64_t memory_mb) {
  return std::min(kLambdaMaxVcpus, static_cast<double>(memory_mb) / kLambdaMbPerVcpu);
}

int LambdaVcpus(int64_t memory_mb) {
  return static_cast<int>(std::clamp(std::ceil(LambdaCpuShare(memory_mb)), 1.0, kLambdaMaxVcpus));
}

double CpuSlowdown(int64_t memory_mb) {
  const double share = LambdaCpuShare(memory_mb);
  return share >= 1 ? 1.0 : 1.0 / share;
}

SimTime ScaleCpuBound(SimTime at_one_vcpu, int64_t memory_mb) {
  if (at_one_vcpu <= 0) return 0;
  return std::max<SimTime>(1,
                           RoundToInt64(static_cast<double>(at_one_vcpu) * CpuSlowdown(memory_mb)));
}

int64_t BilledMilliseconds(SimTime duration) {
  if (duration <= 0) return 0;
  return (duration + kMillisecond - 1) / kMillisecond;
}

double PricePerGbSecond(LambdaArchitecture arch) {
  return arch == LambdaArchitecture::kArm64 ? kLambdaArm64PricePerGbSecond
                                            : kLambdaX86PricePerGbSecond;
}

double ComputeCostUsd(int64_t billed_ms, int64_t memory_mb, LambdaArchitecture arch) {
  const double gb = static_cast<double>(memory_mb) / 1024.0;
  const double seconds = static_cast<double>(billed_ms) / 1000.0;
  return gb * seconds * PricePerGbSecond(arch);
}

double InvocationCostUsd(SimTime duration, int64_t memory_mb, LambdaArchitecture arch) {
  return ComputeCostUsd(BilledMilliseconds(duration), memory_mb, arch) + kLambdaPricePerRequest;
}

std::string LambdaLogStreamPrefix(uint64_t unix_nano) {
  using std::chrono::days;
  using std::chrono::nanoseconds;
  const std::chrono::sys_days day = std::chrono::floor<days>(
      std::chrono::sys_time<nanoseconds>(nanoseconds(static_cast<int64_t>(unix_nano))));
  const std::chrono::year_month_day ymd(day);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d/%02u/%02u/[$LATEST]", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// ---- LambdaSpanBuffer ---------------------------------------------------------------

LambdaSpanBuffer::LambdaSpanBuffer(LambdaSpanBufferOptions options, core::Resource resource,
                                   core::InstrumentationScope scope, ExportFn export_fn,
                                   LambdaStats* stats)
    : options_(options),
      resource_(std::move(resource)),
      scope_(std::move(scope)),
      export_fn_(std::move(export_fn)),
      stats_(stats) {}

void LambdaSpanBuffer::Thaw(SimTime t) {
  thawed_ = true;
  ++epoch_;
  cursor_ = std::max(cursor_, t);
  if (!deadline_armed_) {
    // The processor starts with the SDK, in the first INIT: the timer is armed then.
    deadline_ = t + options_.bsp.schedule_delay.count() * kMillisecond;
    deadline_armed_ = true;
  }
  Advance(t);
}

void LambdaSpanBuffer::Advance(SimTime t) {
  if (!thawed_) return;
  const SimTime delay = std::max<SimTime>(1, options_.bsp.schedule_delay.count() * kMillisecond);
  const size_t batch =
      static_cast<size_t>(std::max<int64_t>(1, options_.bsp.max_export_batch_size));
  while (true) {
    const SimTime free_at = std::max(busy_until_, cursor_);
    if (free_at > t) break;  // still exporting at t
    if (queued() == 0) {
      // A periodic timer that fired on an empty queue was re-armed.
      if (deadline_ <= t) deadline_ += ((t - deadline_) / delay + 1) * delay;
      break;
    }
    const SimTime trigger = queued() >= batch ? free_at : std::max(free_at, deadline_);
    if (trigger > t) break;
    StartExport(trigger);
  }
  cursor_ = std::max(cursor_, t);
}

void LambdaSpanBuffer::StartExport(SimTime at) {
  const size_t batch =
      static_cast<size_t>(std::max<int64_t>(1, options_.bsp.max_export_batch_size));
  const size_t n = std::min(queued(), batch);
  core::ScopeSpans scope_spans;
  scope_spans.scope = scope_;
  for (size_t i = head_; i < head_ + n; ++i) {
    if (epochs_[i] != epoch_) ++stats_->spans_delayed_by_freeze;
  }
  if (head_ == 0 && n == spans_.size()) {
    // The whole vector (usually an adopted invocation's): the next
    // invocation brings its own.
    scope_spans.spans = std::move(spans_);
    spans_ = std::vector<core::Span>();
    epochs_.clear();
    ended_ = 0;
  } else {
    scope_spans.spans.reserve(n);
    for (size_t i = 0; i < n; ++i) scope_spans.spans.push_back(std::move(spans_[head_ + i]));
    head_ += n;
    if (head_ == spans_.size()) {
      spans_.clear();
      epochs_.clear();
      head_ = 0;
      ended_ = 0;
    } else if (head_ >= 64 && 2 * head_ >= spans_.size()) {
      const auto consumed = static_cast<std::ptrdiff_t>(head_);
      spans_.erase(spans_.begin(), spans_.begin() + consumed);
      epochs_.erase(epochs_.begin(), epochs_.begin() + consumed);
      ended_ -= head_;
      head_ = 0;
    }
  }
  const SimTime duration =
      options_.export_round_trip + options_.export_per_span * static_cast<SimTime>(n);
  const SimTime export_timeout = options_.bsp.export_timeout.count() * kMillisecond;
  deadline_ = at + options_.bsp.schedule_delay.count() * kMillisecond;
  deadline_armed_ = true;
  if (duration > export_timeout) {
    // The exporter is cancelled at OTEL_BSP_EXPORT_TIMEOUT; the batch is gone.
    stats_->spans_lost_export_timeout += n;
    busy_until_ = at + export_timeout;
    return;
  }
  busy_until_ = at + duration;
  core::ResourceSpans resource_spans;
  resource_spans.resource = resource_;
  resource_spans.scope_spans.push_back(std::move(scope_spans));
  core::TracesData request;
  request.resource_spans.push_back(std::move(resource_spans));
  stats_->spans_exported += n;
  ++stats_->export_requests;
  export_fn_(std::move(request), at + options_.export_round_trip / 2);
}

void LambdaSpanBuffer::OnEnd(core::Span&& span, SimTime t) {
  Advance(t);
  ++stats_->spans_ended;
  if (static_cast<int64_t>(queued()) >= options_.bsp.max_queue_size) {
    ++stats_->spans_dropped_queue_full;
    return;
  }
  spans_.push_back(std::move(span));
  epochs_.push_back(epoch_);
  ++ended_;
  Advance(t);
}

void LambdaSpanBuffer::Adopt(std::vector<core::Span>&& spans) {
  spans_ = std::move(spans);
  epochs_.clear();
  epochs_.reserve(spans_.size());
  head_ = 0;
  ended_ = 0;
}

void LambdaSpanBuffer::EndNextAdopted(SimTime t) {
  // OnEnd's steps, without the move. CanAdopt made the queue big enough for
  // every adopted span: none is dropped.
  Advance(t);
  ++stats_->spans_ended;
  epochs_.push_back(epoch_);
  ++ended_;
  Advance(t);
}

void LambdaSpanBuffer::DropUnended() {
  spans_.erase(spans_.begin() + static_cast<std::ptrdiff_t>(ended_), spans_.end());
  if (head_ == spans_.size()) {
    spans_.clear();
    epochs_.clear();
    head_ = 0;
    ended_ = 0;
  }
}

SimTime LambdaSpanBuffer::ForceFlush(SimTime t, SimTime timeout) {
  Advance(t);
  const SimTime limit = t + std::max<SimTime>(0, timeout);
  SimTime free_at = std::max(busy_until_, t);
  while (queued() != 0) {
    if (free_at >= limit) {
      cursor_ = std::max(cursor_, limit);
      return limit;
    }
    StartExport(free_at);
    free_at = busy_until_;
  }
  const SimTime done = std::min(free_at, limit);
  cursor_ = std::max(cursor_, done);
  return done;
}

void LambdaSpanBuffer::Freeze(SimTime t) {
  Advance(t);
  thawed_ = false;
}

uint64_t LambdaSpanBuffer::Discard() {
  const uint64_t n = queued();
  spans_.clear();
  epochs_.clear();
  head_ = 0;
  ended_ = 0;
  return n;
}

// ---- SqsLambdaModel ---------------------------------------------------------------

struct SqsLambdaModel::Environment {
  Environment(LambdaSpanBufferOptions options, core::Resource resource,
              core::InstrumentationScope scope, LambdaSpanBuffer::ExportFn export_fn,
              LambdaStats* stats)
      : buffer(options, std::move(resource), std::move(scope), std::move(export_fn), stats) {}
  LambdaSpanBuffer buffer;
  bool busy = false;
  SimTime idle_since = 0;     // when it last went idle
  bool reap_pending = false;  // a ReapCheck is scheduled for it
};

Status SqsLambdaModel::Validate(const LambdaFunctionConfig& function,
                                const EventSourceMappingConfig& mapping,
                                const LambdaModelOptions& options) {
  // Configurations built in code skip the parser: the same limits apply.
  if (function.memory_mb < kLambdaMinMemoryMb || function.memory_mb > kLambdaMaxMemoryMb) {
    return InvalidArgumentError("lambda: MemorySize must be in 128..10240 MB, got " +
                                std::to_string(function.memory_mb));
  }
  if (function.timeout.count() < kLambdaMinTimeoutSeconds ||
      function.timeout.count() > kLambdaMaxTimeoutSeconds) {
    return InvalidArgumentError("lambda: Timeout must be in 1..900 s, got " +
                                std::to_string(function.timeout.count()));
  }
  const LambdaBspConfig& bsp = function.bsp;
  if (bsp.schedule_delay.count() <= 0 || bsp.export_timeout.count() <= 0 ||
      bsp.max_queue_size <= 0 || bsp.max_export_batch_size <= 0) {
    return InvalidArgumentError("lambda: OTEL_BSP_* values must be positive");
  }
  if (bsp.max_export_batch_size > bsp.max_queue_size) {
    return InvalidArgumentError(
        "lambda: OTEL_BSP_MAX_EXPORT_BATCH_SIZE must be <= OTEL_BSP_MAX_QUEUE_SIZE");
  }
  if (mapping.batch_size < 1 || mapping.batch_size > kSqsMaxBatchSize) {
    return InvalidArgumentError("lambda: BatchSize must be in 1..10000, got " +
                                std::to_string(mapping.batch_size));
  }
  if (mapping.maximum_batching_window.count() < 0 ||
      mapping.maximum_batching_window.count() > kSqsMaxBatchingWindowSeconds) {
    return InvalidArgumentError("lambda: MaximumBatchingWindowInSeconds must be in 0..300");
  }
  if (mapping.batch_size > 10 && mapping.maximum_batching_window.count() < 1) {
    return InvalidArgumentError(
        "lambda: a BatchSize above 10 requires MaximumBatchingWindowInSeconds >= 1");
  }
  if (mapping.maximum_concurrency && (*mapping.maximum_concurrency < kEsmMinMaximumConcurrency ||
                                      *mapping.maximum_concurrency > kEsmMaxMaximumConcurrency)) {
    return InvalidArgumentError("lambda: ScalingConfig.MaximumConcurrency must be in 2..1000");
  }
  for (const SimTime d :
       {options.init_median_at_one_vcpu, options.invoke_overhead_median, options.idle_reap_after,
        options.force_flush_timeout, options.export_round_trip, options.export_per_span_at_one_vcpu,
        options.visibility_timeout, options.poll_latency_median}) {
    if (d < 0) return InvalidArgumentError("lambda: model durations must be >= 0");
  }
  if (!(options.init_sigma >= 0)) return InvalidArgumentError("lambda: init_sigma must be >= 0");
  for (const double p : {options.forced_cold_start_probability, options.throttle_probability}) {
    if (!(p >= 0 && p <= 1)) return InvalidArgumentError("lambda: probabilities must be in [0, 1]");
  }
  if (options.max_receive_count < 1 || options.max_receive_count > 1000) {
    return InvalidArgumentError("lambda: max_receive_count must be in 1..1000");
  }
  if (options.reserved_concurrency < 0) {
    return InvalidArgumentError("lambda: reserved_concurrency must be >= 0");
  }
  const SimTime timeout = function.timeout.count() * kSecond;
  if (options.visibility_timeout != 0 && options.visibility_timeout < timeout) {
    // services-sqs-configure: a function timeout above the queue's visibility
    // timeout is rejected when the mapping is created or updated.
    return InvalidArgumentError("lambda: the queue's visibility timeout (" +
                                std::to_string(options.visibility_timeout / kSecond) +
                                " s) is below the function Timeout (" +
                                std::to_string(function.timeout.count()) + " s)");
  }
  return OkStatus();
}

Result<std::unique_ptr<SqsLambdaModel>> SqsLambdaModel::Create(
    EventEngine& engine, LambdaFunctionConfig function, EventSourceMappingConfig mapping,
    LambdaModelOptions options, uint64_t start_unix_nano, Rng rng, core::Resource resource,
    core::InstrumentationScope scope, Callbacks callbacks) {
  TFLO_RETURN_IF_ERROR(Validate(function, mapping, options));
  if (!callbacks.handler) return InvalidArgumentError("lambda: a handler is required");
  return std::unique_ptr<SqsLambdaModel>(
      new SqsLambdaModel(engine, std::move(function), std::move(mapping), options, start_unix_nano,
                         rng, std::move(resource), std::move(scope), std::move(callbacks)));
}

SqsLambdaModel::SqsLambdaModel(EventEngine& engine, LambdaFunctionConfig function,
                               EventSourceMappingConfig mapping, LambdaModelOptions options,
                               uint64_t start_unix_nano, Rng rng, core::Resource resource,
                               core::InstrumentationScope scope, Callbacks callbacks)
    : engine_(engine),
      function_(std::move(function)),
      mapping_(std::move(mapping)),
      options_(options),
      start_unix_nano_(start_unix_nano),
      rng_(rng),
      resource_(std::move(resource)),
      scope_(std::move(scope)),
      callbacks_(std::move(callbacks)),
      instance_prefix_(LambdaLogStreamPrefix(start_unix_nano)),
      cpu_slowdown_(CpuSlowdown(function_.memory_mb)),
      timeout_(function_.timeout.count() * kSecond),
      visibility_timeout_(options_.visibility_timeout != 0 ? options_.visibility_timeout
                                                           : 6 * timeout_),
      max_concurrency_(std::min(mapping_.maximum_concurrency.value_or(kEsmMaxMaximumConcurrency),
                                kLambdaAccountConcurrency)),
      concurrency_limit_(std::min(kEsmInitialConcurrency, max_concurrency_)) {}

SqsLambdaModel::~SqsLambdaModel() = default;

void SqsLambdaModel::Send(SqsRecord record) {
  ++in_system_;
  visible_.push_back(Message{std::move(record), 0});
  stats_.max_queue_depth = std::max(stats_.max_queue_depth, static_cast<int64_t>(visible_.size()));
  TryDispatch();
}

void SqsLambdaModel::ScaleConcurrency() {
  const SimTime now = engine_.now();
  // Scale-up needs a backlog: messages visible that no poller could take.
  if (visible_.empty() || concurrency_limit_ >= max_concurrency_) {
    scale_anchor_ = now;
    return;
  }
  const int64_t steps = (now - scale_anchor_) / kScaleUpStep;
  if (steps <= 0) return;
  concurrency_limit_ = std::min(max_concurrency_, concurrency_limit_ + steps);
  scale_anchor_ += steps * kScaleUpStep;
}

void SqsLambdaModel::TryDispatch() {
  if (shut_down_) return;
  const size_t batch_size = static_cast<size_t>(mapping_.batch_size);
  const SimTime window = mapping_.maximum_batching_window.count() * kSecond;
  for (int round = 0; round < 2; ++round) {
    while (!visible_.empty()) {
      if (collecting_active_) {
        // Every new message joins the batch being gathered.
        while (!visible_.empty() && collecting_.size() < batch_size) {
          collecting_.push_back(std::move(visible_.front()));
          visible_.pop_front();
        }
        if (collecting_.size() < batch_size) return;
        collecting_active_ = false;
        ++collect_generation_;
        std::vector<Message> batch;
        batch.swap(collecting_);
        Dispatch(std::move(batch));
        continue;
      }
      if (in_flight_batches_ >= concurrency_limit_) break;
      if (window == 0 || visible_.size() >= batch_size) {
        const size_t n = std::min(batch_size, visible_.size());
        std::vector<Message> batch;
        batch.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(visible_.front()));
          visible_.pop_front();
        }
        Dispatch(std::move(batch));
        continue;
      }
      // Fewer than BatchSize messages: wait up to the batching window for more.
      collecting_active_ = true;
      const uint64_t generation = ++collect_generation_;
      engine_.After(window, [this, generation] { OnBatchingWindowEnd(generation); });
    }
    // A backlog left behind raises the concurrency over time; retry once.
    const int64_t before = concurrency_limit_;
    ScaleConcurrency();
    if (concurrency_limit_ == before) return;
  }
}

void SqsLambdaModel::OnBatchingWindowEnd(uint64_t generation) {
  if (shut_down_ || !collecting_active_ || generation != collect_generation_) return;
  collecting_active_ = false;
  ++collect_generation_;
  std::vector<Message> batch;
  batch.swap(collecting_);
  if (!batch.empty()) Dispatch(std::move(batch));
  TryDispatch();
}

void SqsLambdaModel::Dispatch(std::vector<Message> batch) {
  const SimTime now = engine_.now();
  ++in_flight_batches_;
  ++stats_.batches;
  stats_.max_concurrency = std::max(stats_.max_concurrency, in_flight_batches_);
  for (Message& m : batch) {
    ++m.record.receive_count;
    m.received_at = now;
    ++stats_.records_received;
    if (m.record.receive_count > 1) ++stats_.redeliveries;
  }
  const SimTime latency = Draw(rng_, options_.poll_latency_median, 0.3);
  engine_.At(now + latency,
             [this, batch = std::move(batch)]() mutable { Invoke(std::move(batch)); });
}

size_t SqsLambdaModel::AcquireEnvironment(double forced_cold_start_probability, bool* cold) {
  while (!idle_.empty()) {
    const size_t e = idle_.back();
    idle_.pop_back();
    if (!environments_[e]) continue;
    if (forced_cold_start_probability > 0 && rng_.Bernoulli(forced_cold_start_probability)) {
      // The cold_starts fault: the environment was reaped behind our back.
      Destroy(e, &stats_.spans_lost_reaped);
      ++stats_.environments_reaped;
      break;
    }
    Environment& en = env(e);
    en.busy = true;
    *cold = false;
    return e;
  }
  *cold = true;
  core::Resource resource = resource_;
  resource.attributes.push_back(
      {"faas.instance", instance_prefix_ + core::ToHex(rng_.NewTraceId())});
  LambdaSpanBufferOptions buffer_options;
  buffer_options.bsp = function_.bsp;
  buffer_options.export_round_trip = options_.export_round_trip;
  buffer_options.export_per_span =
      ScaleCpuBound(options_.export_per_span_at_one_vcpu, function_.memory_mb);
  auto environment = std::make_unique<Environment>(
      buffer_options, std::move(resource), scope_,
      [this](core::TracesData&& request, SimTime arrive_at) {
        if (callbacks_.sink) callbacks_.sink(std::move(request), arrive_at);
      },
      &stats_);
  environment->busy = true;
  environments_.push_back(std::move(environment));
  ++stats_.environments_created;
  return environments_.size() - 1;
}

void SqsLambdaModel::Invoke(std::vector<Message> batch) {
  if (shut_down_) return;
  const SimTime t = engine_.now();
  const FaultState faults = fault_probe_ ? fault_probe_(t) : FaultState{};
  const double throttle_probability =
      std::max(options_.throttle_probability, faults.throttle_probability);
  const int64_t reserved =
      options_.reserved_concurrency > 0 ? options_.reserved_concurrency : kLambdaAccountConcurrency;
  const bool throttled =
      executing_ >= reserved || (throttle_probability > 0 && rng_.Bernoulli(throttle_probability));
  if (throttled) {
    // A throttled batch is not deleted: its messages come back after the
    // visibility timeout (services-sqs-errorhandling).
    ++stats_.throttles;
    std::vector<bool> failed(batch.size(), true);
    Complete(std::move(batch), std::move(failed), kNoEnvironment);
    return;
  }
  ++executing_;
  ++stats_.invocations;
  bool cold = false;
  size_t e = AcquireEnvironment(
      std::max(options_.forced_cold_start_probability, faults.cold_start_probability), &cold);
  const SimTime timeout = faults.timeout > 0 ? faults.timeout : timeout_;
  SimTime init = 0;
  if (cold) {
    ++stats_.cold_starts;
    init = ScaleCpuBound(Draw(rng_, options_.init_median_at_one_vcpu, options_.init_sigma),
                         function_.memory_mb);
  }
  const SimTime start = t + init + Draw(rng_, options_.invoke_overhead_median, 0.3);
  LambdaSpanBuffer& buffer = env(e).buffer;
  buffer.Thaw(t);

  std::vector<SqsRecord> records;
  records.reserve(batch.size());
  for (Message& m : batch) records.push_back(std::move(m.record));
  LambdaInvocation invocation;
  invocation.start = start;
  invocation.cold_start = cold;
  invocation.init_duration = init;
  invocation.request_id = rng_.NewUuid();
  invocation.cpu_slowdown = cpu_slowdown_;
  invocation.records = &records;
  HandlerResult result = callbacks_.handler(invocation);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].record = std::move(records[i]);

  // Spans reach the SDK in the order they end. A handler that built them in
  // that order hands its vector over to an empty buffer.
  const auto ends_before = [&](size_t a, size_t b) {
    return result.spans[a].end_time_unix_nano < result.spans[b].end_time_unix_nano;
  };
  std::vector<size_t> order(result.spans.size());
  std::iota(order.begin(), order.end(), size_t{0});
  const bool in_order = std::is_sorted(order.begin(), order.end(), ends_before);
  if (!in_order) std::stable_sort(order.begin(), order.end(), ends_before);
  const bool adopted = in_order && buffer.CanAdopt(result.spans.size());
  std::vector<core::Span> spans = std::move(result.spans);
  auto sim_time = [&](uint64_t unix_nano) {
    return static_cast<SimTime>(unix_nano - start_unix_nano_);
  };
  const SimTime kill_at = start + timeout;
  const uint64_t kill_unix = start_unix_nano_ + static_cast<uint64_t>(kill_at);
  bool timed_out = result.end > kill_at;
  SimTime end = kill_at;
  // Adopted, the spans stay in the buffer's vector: the next to end is the
  // first not ended, and once one is past the kill, so are all after it.
  if (adopted) buffer.Adopt(std::move(spans));
  size_t not_ended = 0;
  for (const size_t i : order) {
    core::Span& span = adopted ? buffer.Unended(not_ended) : spans[i];
    const uint32_t tag = i < result.tags.size() ? result.tags[i] : 0;
    if (!timed_out || span.end_time_unix_nano <= kill_unix) {
      if (callbacks_.observer) callbacks_.observer(span, tag);
      const SimTime ended = sim_time(span.end_time_unix_nano);
      if (adopted) {
        buffer.EndNextAdopted(ended);
      } else {
        buffer.OnEnd(std::move(span), ended);
      }
    } else if (span.start_time_unix_nano < kill_unix) {
      // Open when the runtime was killed: it never ends in the SDK. The ground
      // truth still sees it, cut at the kill and failed.
      span.end_time_unix_nano = kill_unix;
      span.status.code = core::StatusCode::kError;
      span.status.message = TimedOutMessage(timeout);
      if (callbacks_.observer) callbacks_.observer(span, tag);
      ++stats_.spans_open_at_timeout;
      ++not_ended;
    } else {
      ++not_ended;  // would have started after the kill: never existed
    }
  }
  if (adopted) buffer.DropUnended();
  if (!timed_out) {
    end = result.end;
    if (options_.force_flush) {
      const SimTime flush_end = buffer.ForceFlush(
          result.end, std::min(options_.force_flush_timeout, kill_at - result.end));
      stats_.flush_ms += static_cast<double>(flush_end - result.end) / 1e6;
      if (flush_end >= kill_at && !buffer.IdleAt(flush_end)) {
        timed_out = true;  // killed inside force_flush
        end = kill_at;
      } else {
        end = flush_end;
      }
    }
  }
  buffer.Freeze(end);

  std::vector<bool> failed(batch.size(), false);
  if (timed_out) {
    ++stats_.timeouts;
    ++stats_.environments_reset;
    // The runtime is reset after a timeout: whatever its SDK still held is gone.
    Destroy(e, &stats_.spans_lost_timeout);
    e = kNoEnvironment;
    failed.assign(batch.size(), true);
  } else if (result.error) {
    ++stats_.function_errors;
    failed.assign(batch.size(), true);
  } else if (mapping_.report_batch_item_failures) {
    for (const size_t i : result.failed_records) {
      if (i < failed.size()) failed[i] = true;
    }
  }

  // Billing: duration rounded up to 1 ms, INIT included (billed for every
  // on-demand function since 2025-08-01), x GB x price, plus the request.
  const int64_t billed = BilledMilliseconds(end - t);
  stats_.billed_ms += billed;
  stats_.init_ms += static_cast<double>(init) / 1e6;
  stats_.gb_seconds +=
      static_cast<double>(function_.memory_mb) / 1024.0 * (static_cast<double>(billed) / 1000.0);
  stats_.compute_cost_usd += ComputeCostUsd(billed, function_.memory_mb, function_.architecture);
  stats_.request_cost_usd += kLambdaPricePerRequest;

  InvocationReport report;
  report.request_id = std::move(invocation.request_id);
  report.invoked_at = t;
  report.start = start;
  report.end = end;
  report.init_duration = init;
  report.cold_start = cold;
  report.timed_out = timed_out;
  report.error = !timed_out && result.error;
  report.records = batch.size();
  report.timeout = timeout;
  report.billed_ms = billed;
  engine_.At(end, [this, batch = std::move(batch), failed = std::move(failed), e,
                   report = std::move(report)]() mutable {
    --executing_;
    if (callbacks_.invocation_done && !shut_down_) callbacks_.invocation_done(report);
    Complete(std::move(batch), std::move(failed), e);
  });
}

void SqsLambdaModel::Complete(std::vector<Message> batch, std::vector<bool> failed, size_t e) {
  if (shut_down_) return;
  const SimTime now = engine_.now();
  --in_flight_batches_;
  if (e != kNoEnvironment && environments_[e]) {
    Environment& en = env(e);
    en.busy = false;
    en.idle_since = now;
    idle_.push_back(e);
    // One pending check per environment, moved forward when it finds the
    // environment used since: a check per invocation kept ~10^5 stale events
    // (10 minutes of completions) in the engine's queue.
    if (options_.idle_reap_after > 0 && !en.reap_pending) ScheduleReapCheck(e, now);
  }
  // Callbacks run last: one of them may end the simulation.
  std::vector<std::pair<size_t, bool>> done;
  for (size_t i = 0; i < batch.size(); ++i) {
    Message& m = batch[i];
    if (!failed[i]) {
      ++stats_.messages_deleted;
      --in_system_;
      done.emplace_back(i, false);
      continue;
    }
    ++stats_.records_failed;
    if (m.record.receive_count >= options_.max_receive_count) {
      ++stats_.messages_dead_lettered;
      --in_system_;
      done.emplace_back(i, true);
      continue;
    }
    ReturnLater(std::move(m), std::max(now, m.received_at + visibility_timeout_));
  }
  TryDispatch();
  for (const auto& [i, dead] : done) {
    if (callbacks_.message_done) callbacks_.message_done(batch[i].record, dead);
  }
}

void SqsLambdaModel::ReturnLater(Message message, SimTime visible_at) {
  engine_.At(visible_at, [this, message = std::move(message)]() mutable {
    if (shut_down_) return;
    visible_.push_back(std::move(message));
    stats_.max_queue_depth =
        std::max(stats_.max_queue_depth, static_cast<int64_t>(visible_.size()));
    TryDispatch();
  });
}

void SqsLambdaModel::ScheduleReapCheck(size_t e, SimTime idle_since) {
  env(e).reap_pending = true;
  engine_.At(idle_since + options_.idle_reap_after, [this, e] { ReapCheck(e); });
}

void SqsLambdaModel::ReapCheck(size_t e) {
  if (shut_down_ || !environments_[e]) return;
  Environment& en = env(e);
  en.reap_pending = false;
  // Busy: its Complete schedules the next check.
  if (en.busy) return;
  // Used and idle again since the check was scheduled: idle for the full
  // period only at idle_since + idle_reap_after.
  if (en.idle_since + options_.idle_reap_after > engine_.now()) {
    ScheduleReapCheck(e, en.idle_since);
    return;
  }
  Destroy(e, &stats_.spans_lost_reaped);
  ++stats_.environments_reaped;
  idle_.erase(std::remove(idle_.begin(), idle_.end(), e), idle_.end());
}

void SqsLambdaModel::Destroy(size_t e, uint64_t* lost_counter) {
  if (!environments_[e]) return;
  *lost_counter += environments_[e]->buffer.Discard();
  environments_[e].reset();
}

void SqsLambdaModel::Shutdown() {
  if (shut_down_) return;
  for (size_t e = 0; e < environments_.size(); ++e) {
    if (environments_[e]) Destroy(e, &stats_.spans_frozen_at_shutdown);
  }
  idle_.clear();
  shut_down_ = true;
}

}  // namespace tflo::workload
