// The AWS Lambda + SQS part of the pipeline model, in virtual time: messages
// wait in an SQS queue, an event source mapping polls them in batches and
// invokes a function whose execution environments start cold (INIT), stay warm,
// freeze between invocations and are reaped when idle. Inside each environment
// the OpenTelemetry SDK's BatchSpanProcessor runs only while the environment
// is thawed, so spans not exported before the handler returns wait for the next
// invocation, and are lost if the environment is reaped or killed. Every
// invocation is billed.
//
// It reads the knobs of lambda_config.h (MemorySize, Timeout, Architectures,
// OTEL_BSP_*, BatchSize, MaximumBatchingWindowInSeconds,
// ScalingConfig.MaximumConcurrency, FunctionResponseTypes) and follows the
// shared pipeline facts section 9, i.e. the AWS Lambda developer guide
// (configuration-memory, configuration-timeout, lambda-runtime-environment,
// services-sqs-parameters, services-sqs-scaling, services-sqs-errorhandling)
// and aws.amazon.com/lambda/pricing, and section 8 (OpenTelemetry SDK
// specification trace/sdk.md, BatchSpanProcessor).
//
// The business logic is not modelled here: a Handler (the onboarding Lambda in
// onboarding_services.cc, or a test's fake) computes what one invocation does
// from its start time; the model then applies the timeout, feeds the ended
// spans to the environment's span processor, flushes, bills and settles the
// batch with the queue. Not thread-safe; lives on one EventEngine and must
// outlive its pending events.
#ifndef TFLO_WORKLOAD_LAMBDA_MODEL_H_
#define TFLO_WORKLOAD_LAMBDA_MODEL_H_

#include <any>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tflo/core/model.h"
#include "tflo/core/status.h"
#include "tflo/core/trace_context.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/lambda_config.h"
#include "tflo/workload/rng.h"

namespace tflo::workload {

// ---- CPU and billing arithmetic (pipeline facts section 9) --------------------

// Prices in us-east-1, first tier (aws.amazon.com/lambda/pricing).
inline constexpr double kLambdaX86PricePerGbSecond = 0.0000166667;
inline constexpr double kLambdaArm64PricePerGbSecond = 0.0000133334;
inline constexpr double kLambdaPricePerRequest = 0.20 / 1'000'000;  // $0.20 per 1M requests
// CPU is proportional to memory: 1,769 MB is one vCPU; 10,240 MB gets 6 vCPUs.
inline constexpr double kLambdaMbPerVcpu = 1769;
inline constexpr double kLambdaMaxVcpus = 6;
// Concurrency of an SQS event source mapping (services-sqs-scaling): five
// concurrent batches at first, up to 300 more per minute while messages remain,
// at most 1,000 per mapping (and the default account quota of 1,000).
inline constexpr int64_t kEsmInitialConcurrency = 5;
inline constexpr int64_t kEsmScaleUpPerMinute = 300;
inline constexpr int64_t kLambdaAccountConcurrency = 1000;

// The CPU share of a function with `memory_mb`, in vCPU-seconds per second:
// min(6, memory_mb / 1769) (5.79 at 10,240 MB).
double LambdaCpuShare(int64_t memory_mb);
// vCPUs the function sees: the share rounded up, at most 6 (1 up to 1,769 MB,
// 2 from 1,770 MB, ..., 6 at 10,240 MB).
int LambdaVcpus(int64_t memory_mb);
// How much longer single-threaded CPU-bound work takes than on one full vCPU:
// 1 / min(1, share). 512 MB -> 3.455; 1769 MB and above -> 1.
double CpuSlowdown(int64_t memory_mb);
// `at_one_vcpu` scaled by CpuSlowdown and rounded to the nanosecond (>= 1).
SimTime ScaleCpuBound(SimTime at_one_vcpu, int64_t memory_mb);
// Billed milliseconds: the duration rounded up to the next millisecond.
int64_t BilledMilliseconds(SimTime duration);
double PricePerGbSecond(LambdaArchitecture arch);
// Compute cost of `billed_ms` at `memory_mb` (GB = memory_mb / 1024), in USD.
double ComputeCostUsd(int64_t billed_ms, int64_t memory_mb, LambdaArchitecture arch);
// One invocation: compute cost of BilledMilliseconds(duration) plus the request price.
double InvocationCostUsd(SimTime duration, int64_t memory_mb, LambdaArchitecture arch);

// ---- counters ---------------------------------------------------------------------

// Everything the model counts: the ground truth's "lambda" section and,
// later, metrics. Spans are counted once, by their fate: spans_ended =
// spans_exported + spans_dropped_queue_full + spans_lost_export_timeout +
// spans_lost_timeout + spans_lost_reaped + spans_frozen_at_shutdown once the
// model is shut down (spans_open_at_timeout never reached the SDK).
struct LambdaStats {
  uint64_t invocations = 0;  // started (not throttled)
  uint64_t cold_starts = 0;
  uint64_t timeouts = 0;         // killed at Timeout ("Task timed out")
  uint64_t function_errors = 0;  // the handler raised (timeouts excluded)
  uint64_t throttles = 0;        // invocations refused (reserved concurrency or fault)
  uint64_t environments_created = 0;
  uint64_t environments_reaped = 0;     // idle too long, or a forced cold start
  uint64_t environments_reset = 0;      // destroyed by a timeout
  uint64_t batches = 0;                 // batches the mapping delivered (invocations + throttles)
  uint64_t records_received = 0;        // message deliveries (redeliveries included)
  uint64_t records_failed = 0;          // deliveries that went back to the queue or to the DLQ
  uint64_t messages_deleted = 0;        // processed successfully
  uint64_t messages_dead_lettered = 0;  // maxReceiveCount reached
  uint64_t redeliveries = 0;            // deliveries with ApproximateReceiveCount > 1
  int64_t max_concurrency = 0;          // most batches in flight at once
  int64_t max_queue_depth = 0;          // most visible messages at once

  // Spans, by fate, inside the function's SDK.
  uint64_t spans_ended = 0;     // handed to the span processor
  uint64_t spans_exported = 0;  // sent to the collector
  uint64_t export_requests = 0;
  uint64_t spans_dropped_queue_full = 0;   // OTEL_BSP_MAX_QUEUE_SIZE reached
  uint64_t spans_lost_export_timeout = 0;  // export took longer than OTEL_BSP_EXPORT_TIMEOUT
  uint64_t spans_lost_timeout = 0;         // queued when the invocation was killed
  uint64_t spans_open_at_timeout = 0;      // never ended: open when the invocation was killed
  uint64_t spans_lost_reaped = 0;          // still queued (frozen) when the environment was reaped
  uint64_t spans_frozen_at_shutdown = 0;   // still queued when the simulation stopped
  uint64_t spans_delayed_by_freeze = 0;    // exported only after a later thaw

  // Billing.
  int64_t billed_ms = 0;  // sum of billed durations (INIT included on cold starts)
  double init_ms = 0;     // sum of INIT durations
  double flush_ms = 0;    // time spent in force_flush
  double gb_seconds = 0;
  double compute_cost_usd = 0;
  double request_cost_usd = 0;
  double cost_usd() const { return compute_cost_usd + request_cost_usd; }
};

// ---- the span processor inside one execution environment -------------------

struct LambdaSpanBufferOptions {
  LambdaBspConfig bsp;
  // One export takes round_trip + per_span x spans (serialization in the
  // function's CPU share, plus the gRPC call to the collector); the request
  // reaches the collector round_trip / 2 after the export starts.
  SimTime export_round_trip = 15 * kMillisecond;
  SimTime export_per_span = 30 * kMicrosecond;
};

// The SDK's BatchSpanProcessor (trace/sdk.md) in an environment that runs only
// between Thaw and Freeze. Exports never overlap; one starts when the queue
// holds max_export_batch_size spans, when the schedule-delay timer fires (it is
// armed when the SDK starts and schedule_delay after every export, and re-arms
// itself every schedule_delay while nothing is queued; a deadline that passed
// while frozen fires at the thaw), or in ForceFlush. An export longer than
// export_timeout is cancelled and its spans lost. An export whose request has
// left keeps going across a freeze (the request reaches the collector; only
// the worker waits for its answer until the thaw). Calls run in
// non-decreasing virtual time and need not match engine.now(): an invocation
// is computed when it starts. Not thread-safe.
class LambdaSpanBuffer {
 public:
  using ExportFn = std::function<void(core::TracesData&& request, SimTime arrive_at)>;

  // `stats` (owned by the caller) receives the span counters.
  LambdaSpanBuffer(LambdaSpanBufferOptions options, core::Resource resource,
                   core::InstrumentationScope scope, ExportFn export_fn, LambdaStats* stats);

  void Thaw(SimTime t);
  // A span ended at `t` (Thaw <= t, non-decreasing). Dropped when the queue is full.
  void OnEnd(core::Span&& span, SimTime t);
  // A faster way to the same result for one invocation's spans, `spans` in
  // the order they will end: the buffer takes the vector over (only when
  // CanAdopt(spans.size())); EndNextAdopted(t) then ends the next of them,
  // exactly as OnEnd would, and DropUnended() discards the ones that never
  // ended (the runtime was killed first). No span is moved until an export.
  bool CanAdopt(size_t n) const {
    return spans_.empty() && static_cast<int64_t>(n) <= options_.bsp.max_queue_size;
  }
  void Adopt(std::vector<core::Span>&& spans);
  // The k-th adopted span not ended yet (k = 0: the next to end).
  core::Span& Unended(size_t k) { return spans_[ended_ + k]; }
  void EndNextAdopted(SimTime t);
  void DropUnended();
  // Exports everything queued at `t`, waiting for an export in progress first;
  // returns when it returns: when the last export answered, or at t + timeout
  // with the rest still queued.
  SimTime ForceFlush(SimTime t, SimTime timeout);
  // Runs the worker up to `t`, then stops it.
  void Freeze(SimTime t);
  // The environment is gone: the queue is discarded; returns how many spans.
  uint64_t Discard();

  size_t queued() const { return ended_ - head_; }
  // Nothing queued and no export in progress at `t`.
  bool IdleAt(SimTime t) const { return queued() == 0 && busy_until_ <= t; }
  bool thawed() const { return thawed_; }

 private:
  void Advance(SimTime t);
  void StartExport(SimTime at);

  LambdaSpanBufferOptions options_;
  core::Resource resource_;
  core::InstrumentationScope scope_;
  ExportFn export_fn_;
  LambdaStats* stats_;
  // FIFO of the spans spans_[head_, ended_), with the thaw count when each ended
  // in epochs_: vectors rather than a deque (a deque of spans allocates a node
  // every span or two); the consumed prefix is dropped when the queue empties
  // or makes up most of the vectors. An export of the whole queue takes the
  // vector itself (a span move costs ~190 instructions: 3 strings and the
  // attribute, event and link containers).
  // After Adopt, spans_[ended_, end) are adopted spans that have not ended
  // yet (not queued); otherwise ended_ == spans_.size().
  std::vector<core::Span> spans_;
  std::vector<uint64_t> epochs_;  // parallel to spans_[0, ended_)
  size_t head_ = 0;
  size_t ended_ = 0;
  bool thawed_ = false;
  uint64_t epoch_ = 0;
  SimTime cursor_ = 0;      // the worker has been simulated up to here
  SimTime busy_until_ = 0;  // the current export answers then
  SimTime deadline_ = 0;    // the schedule-delay timer
  bool deadline_armed_ = false;
};

// ---- SQS + event source mapping + function -----------------------------------------

struct LambdaModelOptions {
  // Cold start: INIT (runtime start, imports, SDK setup) is CPU-bound; its
  // median at one vCPU is scaled by CpuSlowdown (350 ms -> ~1.2 s at 512 MB,
  // the demos' "cold start ~1.2 s").
  SimTime init_median_at_one_vcpu = 350 * kMillisecond;
  double init_sigma = 0.25;
  // From the invoke request to the handler on a warm environment.
  SimTime invoke_overhead_median = 1 * kMillisecond;
  // An idle environment is reaped after this long (0 = never).
  SimTime idle_reap_after = 600 * kSecond;
  // The handler calls force_flush before it returns (the demos'
  // provider.force_flush(timeout_millis=5000)); false = it returns with spans queued.
  bool force_flush = true;
  SimTime force_flush_timeout = 5000 * kMillisecond;
  // Lambda -> collector export cost; the per-span part is CPU-bound (scaled).
  SimTime export_round_trip = 15 * kMillisecond;
  SimTime export_per_span_at_one_vcpu = 30 * kMicrosecond;
  // The queue's visibility timeout; 0 = six times the function Timeout (the
  // AWS recommendation). Must not be below Timeout (AWS rejects the mapping).
  SimTime visibility_timeout = 0;
  // Redrive policy: after this many receives a failing message goes to the
  // dead-letter queue (1..1000; a queue without one would retry a message that
  // always fails until its retention period, longer than any simulation).
  int max_receive_count = 5;
  // ReceiveMessage round trip and dispatch to the function.
  SimTime poll_latency_median = 20 * kMillisecond;
  // Reserved concurrency of the function (0 = the account quota, 1,000).
  int64_t reserved_concurrency = 0;
  // Faults (the scenario's FaultSet sets them, possibly over time through the setters).
  double forced_cold_start_probability = 0;  // an idle environment is reaped instead of reused
  double throttle_probability = 0;           // an invocation is throttled
};

// One SQS message as the function receives it.
struct SqsRecord {
  std::string message_id;
  core::SqsMessageAttributes attributes;  // traceparent / tracestate / baggage
  std::any body;                          // the producer's payload, for the handler
  int receive_count = 0;                  // ApproximateReceiveCount (1 on the first delivery)
  SimTime sent_at = 0;
};

// What the handler is given.
struct LambdaInvocation {
  SimTime start = 0;  // the handler starts (after INIT on a cold start)
  bool cold_start = false;
  SimTime init_duration = 0;
  std::string request_id;   // faas.invocation_id
  double cpu_slowdown = 1;  // CpuSlowdown(MemorySize), for CPU-bound steps
  const std::vector<SqsRecord>* records = nullptr;
};

// A span the handler would end; `tag` is the handler's own (the onboarding
// services pass their ground-truth operation id), handed back to the observer.
// What the handler does if nothing kills it, computed from its start.
struct HandlerResult {
  // Every span it ends, any order, and each one's tag (passed to the
  // observer). In the order they end (as handlers usually build them), the
  // function's SDK takes the vector over as its queue without moving a span.
  std::vector<core::Span> spans;
  std::vector<uint32_t> tags;  // parallel to spans (a missing tag is 0)
  // Appends a default-constructed span with `tag`, to build in place.
  core::Span& AddSpan(uint32_t tag) {
    tags.push_back(tag);
    return spans.emplace_back();
  }
  SimTime end = 0;                 // it returns (before force_flush)
  bool error = false;              // it raised: the whole batch goes back
  // Indexes into the records reported as batchItemFailures (honoured only with
  // ReportBatchItemFailures; otherwise a normal return deletes the whole batch).
  std::vector<size_t> failed_records;
};

// How one invocation ended, as the platform reports it (CloudWatch Duration,
// Init Duration, Billed Duration; a "Task timed out" kill).
struct InvocationReport {
  std::string request_id;  // LambdaInvocation::request_id
  SimTime invoked_at = 0;  // the invoke (INIT starts here on a cold start)
  SimTime start = 0;       // the handler starts
  SimTime end = 0;         // returned (after force_flush), or killed at the Timeout
  SimTime init_duration = 0;
  bool cold_start = false;
  bool timed_out = false;
  bool error = false;  // the handler raised (timeouts excluded)
  size_t records = 0;
  SimTime timeout = 0;  // the Timeout in force (a lambda_timeout fault included)
  int64_t billed_ms = 0;
  // Duration as CloudWatch reports it: invoke to end, INIT excluded.
  SimTime duration() const { return end - invoked_at - init_duration; }
};

class SqsLambdaModel {
 public:
  using Handler = std::function<HandlerResult(const LambdaInvocation&)>;
  // Every span that really ended (or was cut at a timeout), whatever became of it.
  using SpanObserver = std::function<void(const core::Span& span, uint32_t tag)>;
  // The function's SDK export requests reach the collector at `arrive_at`.
  using TracesSink = std::function<void(core::TracesData&& request, SimTime arrive_at)>;
  // A message left the system: deleted after success, or dead-lettered.
  using MessageDone = std::function<void(const SqsRecord& record, bool dead_lettered)>;
  // An invocation ended (not a throttled batch), called at its end, before its
  // batch is settled (message_done).
  using InvocationDone = std::function<void(const InvocationReport& report)>;

  struct Callbacks {
    Handler handler;
    SpanObserver observer;
    TracesSink sink;
    MessageDone message_done;
    InvocationDone invocation_done;  // optional
  };

  // kInvalidArgument for impossible options (negative durations, a visibility
  // timeout below the function Timeout, probabilities outside [0, 1]).
  // `resource` is the function's resource without faas.instance (added per
  // environment); `start_unix_nano` maps virtual time to span timestamps.
  // The checks Create makes, without building anything.
  static Status Validate(const LambdaFunctionConfig& function,
                         const EventSourceMappingConfig& mapping,
                         const LambdaModelOptions& options);
  static Result<std::unique_ptr<SqsLambdaModel>> Create(
      EventEngine& engine, LambdaFunctionConfig function, EventSourceMappingConfig mapping,
      LambdaModelOptions options, uint64_t start_unix_nano, Rng rng, core::Resource resource,
      core::InstrumentationScope scope, Callbacks callbacks);
  ~SqsLambdaModel();
  SqsLambdaModel(const SqsLambdaModel&) = delete;
  SqsLambdaModel& operator=(const SqsLambdaModel&) = delete;

  // SendMessage: the message is visible to the pollers at engine.now().
  void Send(SqsRecord record);
  // The simulation is over: environments are discarded, their queued spans
  // counted as frozen at shutdown; later events are ignored.
  void Shutdown();

  void set_forced_cold_start_probability(double p) { options_.forced_cold_start_probability = p; }
  void set_throttle_probability(double p) { options_.throttle_probability = p; }

  // Time-windowed faults (the scenario's cold_starts, lambda_timeout and
  // throttling faults), asked once per invocation at its dispatch time.
  // Probabilities combine with the options' by taking the larger.
  struct FaultState {
    double cold_start_probability = 0;
    double throttle_probability = 0;
    SimTime timeout = 0;  // > 0: replaces the function Timeout
  };
  using FaultProbe = std::function<FaultState(SimTime now)>;
  void set_fault_probe(FaultProbe probe) { fault_probe_ = std::move(probe); }

  const LambdaStats& stats() const { return stats_; }
  const LambdaFunctionConfig& function() const { return function_; }
  const EventSourceMappingConfig& mapping() const { return mapping_; }
  SimTime visibility_timeout() const { return visibility_timeout_; }
  // Messages sent and not yet deleted or dead-lettered.
  int64_t messages_in_system() const { return in_system_; }
  int64_t concurrency_limit() const { return concurrency_limit_; }
  size_t warm_environments() const { return idle_.size(); }

 private:
  struct Environment;
  struct Message {
    SqsRecord record;
    SimTime received_at = 0;
  };

  SqsLambdaModel(EventEngine& engine, LambdaFunctionConfig function,
                 EventSourceMappingConfig mapping, LambdaModelOptions options,
                 uint64_t start_unix_nano, Rng rng, core::Resource resource,
                 core::InstrumentationScope scope, Callbacks callbacks);

  void TryDispatch();
  void ScaleConcurrency();
  void Dispatch(std::vector<Message> batch);
  void OnBatchingWindowEnd(uint64_t generation);
  void Invoke(std::vector<Message> batch);
  void Complete(std::vector<Message> batch, std::vector<bool> failed, size_t env);
  void ReturnLater(Message message, SimTime visible_at);
  size_t AcquireEnvironment(double forced_cold_start_probability, bool* cold);
  // Reaps environment `env` once it has been idle for idle_reap_after.
  void ScheduleReapCheck(size_t env, SimTime idle_since);
  void ReapCheck(size_t env);
  void Destroy(size_t env, uint64_t* lost_counter);
  Environment& env(size_t i) { return *environments_[i]; }

  EventEngine& engine_;
  LambdaFunctionConfig function_;
  EventSourceMappingConfig mapping_;
  LambdaModelOptions options_;
  uint64_t start_unix_nano_;
  Rng rng_;
  core::Resource resource_;
  core::InstrumentationScope scope_;
  Callbacks callbacks_;
  FaultProbe fault_probe_;
  std::string instance_prefix_;
  double cpu_slowdown_;
  SimTime timeout_;
  SimTime visibility_timeout_;
  int64_t max_concurrency_;

  std::deque<Message> visible_;
  std::vector<Message> collecting_;  // a batch waiting for its batching window
  bool collecting_active_ = false;
  uint64_t collect_generation_ = 0;
  int64_t in_flight_batches_ = 0;  // polled and not yet settled
  int64_t executing_ = 0;          // invocations running (reserved concurrency)
  int64_t concurrency_limit_ = 0;
  SimTime scale_anchor_ = 0;
  int64_t in_system_ = 0;
  bool shut_down_ = false;

  std::vector<std::unique_ptr<Environment>> environments_;
  std::vector<size_t> idle_;  // most recently used last
  LambdaStats stats_;
};

// "2026/01/01/[$LATEST]": the log-stream prefix Lambda uses (faas.instance is
// this plus a per-environment id), for the UTC day of `unix_nano`.
std::string LambdaLogStreamPrefix(uint64_t unix_nano);

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_LAMBDA_MODEL_H_
