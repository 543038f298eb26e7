#include "tflo/workload/simulation.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "business_services_host.h"
#include "ground_truth.h"
#include "onboarding_services.h"
#include "simulation_hooks.h"
#include <nlohmann/json.hpp>

#include "tflo/workload/collector_model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/rng.h"

namespace tflo::workload {
namespace {

using Json = nlohmann::ordered_json;

// The internal sampling period of the exporter queue (ground truth only; the
// otelcol_exporter_queue_size gauge reports the size at each scrape).
constexpr SimTime kQueueSamplePeriod = kSecond;
// A guard against options that would run for hours or exhaust memory.
constexpr double kMaxExpectedRequests = 5e7;

Status ValidateOnboarding(const SimulationOptions& o) {
  const OnboardingScenario& s = o.onboarding;
  // With a traffic pattern the rate varies; its maximum bounds the request count.
  const double max_rate = s.traffic ? MaxRate(*s.traffic) : s.requests_per_second;
  if (s.traffic) {
    if (!(max_rate >= 0) || !std::isfinite(max_rate)) {
      return InvalidArgumentError("onboarding.traffic: rates must be finite and >= 0");
    }
  } else if (!(s.requests_per_second > 0) || !std::isfinite(s.requests_per_second)) {
    return InvalidArgumentError("onboarding.requests_per_second must be a positive number");
  }
  if (!(s.error_rate >= 0 && s.error_rate <= 1)) {
    return InvalidArgumentError("onboarding.error_rate must be in [0, 1]");
  }
  if (!(s.validation_error_rate >= 0 && s.validation_error_rate <= 1)) {
    return InvalidArgumentError("onboarding.validation_error_rate must be in [0, 1]");
  }
  if (max_rate * static_cast<double>(o.window.count()) / 1e9 > kMaxExpectedRequests) {
    return InvalidArgumentError("request rate x window exceeds 5e7 requests");
  }
  return OnboardingServices::Validate(s);
}

Status ValidateOptions(const SimulationOptions& o) {
  if (o.window.count() <= 0) return InvalidArgumentError("window must be positive");
  if (o.metrics_interval.count() <= 0)
    return InvalidArgumentError("metrics_interval must be positive");
  if (o.onboarding.enabled) {
    TFLO_RETURN_IF_ERROR(ValidateOnboarding(o));
  } else if (!BusinessServicesHost::Needed(o)) {
    return InvalidArgumentError("no service is enabled");
  }
  for (const TrafficPattern* traffic : {&o.coordination.traffic, &o.ecommerce.traffic}) {
    const double max_rate = MaxRate(*traffic);
    if (!(max_rate >= 0) || !std::isfinite(max_rate) ||
        max_rate * static_cast<double>(o.window.count()) / 1e9 > kMaxExpectedRequests) {
      return InvalidArgumentError("coordination/ecommerce traffic: rates must be finite, >= 0, "
                                  "and rate x window at most 5e7");
    }
  }
  if (o.backend.request_latency.count() < 0 || o.backend.per_span_latency.count() < 0) {
    return InvalidArgumentError("backend latencies must be >= 0");
  }
  if (o.out_dir.empty()) return InvalidArgumentError("out_dir must be set");
  return ValidateForModel(o.collector);
}

double Ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

Json InjectedJson(const SimulationOptions& o) {
  const core::PipelineConfig& pipeline = *o.collector.TracesPipeline();
  const core::BatchProcessorConfig* batch = o.collector.BatchFor(pipeline);
  const core::ExporterConfig& exporter = *o.collector.ExporterFor(pipeline);

  Json collector;
  collector["send_batch_size"] = batch != nullptr ? Json(batch->send_batch_size) : Json(nullptr);
  collector["timeout_ms"] = batch != nullptr ? Json(Ms(batch->timeout)) : Json(nullptr);
  collector["send_batch_max_size"] =
      batch != nullptr ? Json(batch->send_batch_max_size) : Json(nullptr);
  collector["queue_size"] = exporter.sending_queue.queue_size;
  collector["num_consumers"] = exporter.sending_queue.num_consumers;
  collector["batch_processor"] = batch != nullptr ? Json(batch->id) : Json(nullptr);
  collector["exporter"] = exporter.id;
  collector["queue_enabled"] = exporter.sending_queue.enabled;
  collector["sizer"] = exporter.sending_queue.sizer;
  collector["block_on_overflow"] = exporter.sending_queue.block_on_overflow;

  Json injected;
  injected["requests_per_second"] = o.onboarding.requests_per_second;
  injected["error_rate"] = o.onboarding.error_rate;
  injected["validation_error_rate"] = o.onboarding.validation_error_rate;
  injected["backend"] =
      Json{{"request_latency_ms", Ms(o.backend.request_latency)},
           {"per_span_latency_us", static_cast<double>(o.backend.per_span_latency.count()) / 1e3}};
  injected["collector"] = std::move(collector);
  return injected;
}

std::filesystem::path PartialPath(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + kPartialSuffix);
}

// Moves `path`.partial to `path`.
Status CommitPartial(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::rename(PartialPath(path), path, ec);
  if (ec) {
    return UnavailableError(PartialPath(path).string() + ": cannot rename to " +
                            path.filename().string() + ": " + ec.message());
  }
  return OkStatus();
}

// Makes the renames in `dir` durable (best effort: not every file system
// lets a directory be opened and synced).
void SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// errno's text (std::strerror is not thread-safe; simulations may run on
// several threads).
std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Writes `doc` to `path`.partial, fsyncs it and renames it to `path`.
Status WriteJsonFile(const std::filesystem::path& path, const Json& doc) {
  const std::filesystem::path partial = PartialPath(path);
  const std::string text = doc.dump(2) + "\n";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return UnavailableError(partial.string() + ": cannot open for writing: " + ErrnoText(errno));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = ErrnoText(n < 0 ? errno : EIO);
      ::close(fd);
      ::unlink(partial.c_str());
      return UnavailableError(partial.string() + ": write failed: " + why);
    }
    done += static_cast<size_t>(n);
  }
  int error = ::fsync(fd) == 0 ? 0 : errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(partial.c_str());
    return UnavailableError(partial.string() + ": write failed: " + ErrnoText(error));
  }
  return CommitPartial(path);
}

// What the onboarding services' thread hands to the collector's (see
// Simulation): an SDK export request, a log export, the services' business
// metrics at a scrape tick, or the services going idle; each at a virtual time.
struct Handover {
  enum class Kind { kTraces, kLogs, kMetrics, kIdle };
  Kind kind = Kind::kIdle;
  SimTime at = 0;
  core::TracesData traces;
  core::LogsData logs;
  core::MetricsData metrics;
};

constexpr SimTime kNever = std::numeric_limits<SimTime>::max();

// The one-way link between the two threads: batches of Handovers in send
// order, and the sender's watermark, the virtual time before which it will
// send nothing more (its next event's time; kNever once it has finished).
// The sender blocks while kMaxPending hand-overs wait (memory stays bounded
// when it runs ahead).
class HandoverChannel {
 public:
  // Small: the collector's thread then frees the hand-overs soon after they
  // were made, while their memory is still in a cache. The peak RSS of an
  // hour of `mixed` was 231 MB at 4096 and is 160 MB at 64 (109 MB on one
  // thread); 64 was also ~6 % faster than 4096 over 20 simulated minutes.
  static constexpr size_t kMaxPending = 64;

  // Appends `batch` (emptied) and raises the watermark to `watermark`; moves
  // the spent requests handed back (Take) into `*spent`, for the caller to
  // free outside the lock.
  void Publish(std::vector<Handover>& batch, SimTime watermark,
               std::vector<core::TracesData>* spent) {
    {
      std::unique_lock lock(mu_);
      if (pending_.size() >= kMaxPending) {
        sender_waiting_ = true;
        space_.wait(lock, [&] { return pending_.size() < kMaxPending; });
        sender_waiting_ = false;
      }
      spent->swap(returned_);
      if (pending_.empty()) {
        pending_.swap(batch);
      } else {
        std::move(batch.begin(), batch.end(), std::back_inserter(pending_));
      }
      batch.clear();
      watermark_ = watermark;
      if (!receiver_waiting_) return;  // it looks again before it waits
    }
    ready_.notify_one();
  }

  // Moves every pending hand-over into `out` and returns the watermark; with
  // `wait`, first waits until there is something new (a hand-over, or a
  // watermark other than `seen`), freeing handed-back requests the sender has
  // not collected yet while there is nothing else to do. Takes the requests in
  // `*spent` to hand them back to the sender's thread, unless the sender has
  // finished (then they stay, for the caller to free).
  SimTime Take(std::vector<Handover>& out, bool wait, SimTime seen,
               std::vector<core::TracesData>* spent) {
    SimTime watermark = 0;
    {
      std::unique_lock lock(mu_);
      if (watermark_ != kNever) {
        if (returned_.empty()) {
          returned_.swap(*spent);
        } else {
          std::move(spent->begin(), spent->end(), std::back_inserter(returned_));
          spent->clear();
        }
      }
      if (wait) {
        while (pending_.empty() && watermark_ == seen) {
          if (returned_.empty()) {
            receiver_waiting_ = true;
            ready_.wait(lock);
            receiver_waiting_ = false;
            continue;
          }
          // Nothing to do but wait: free a spent request here instead of
          // leaving it to the sender's thread, the busier one when this
          // thread has to wait for it.
          core::TracesData idle = std::move(returned_.back());
          returned_.pop_back();
          lock.unlock();
          idle = core::TracesData();
          lock.lock();
        }
      }
      out.swap(pending_);
      watermark = watermark_;
      if (!sender_waiting_) return watermark;
    }
    space_.notify_one();
    return watermark;
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_;  // the receiver waits for hand-overs
  std::condition_variable space_;  // the sender waits for room
  std::vector<Handover> pending_;
  // Requests the collector's thread is done with, on their way back to the
  // onboarding thread, which made their spans: freed there, a block goes back
  // to the thread cache that will hand it out again, instead of crossing
  // between the cores' caches and the allocator's arenas once more. When the
  // collector's thread would otherwise sleep (Take with nothing new), it frees
  // them itself, one at a time: the work then goes to whichever thread has
  // time for it.
  std::vector<core::TracesData> returned_;
  SimTime watermark_ = std::numeric_limits<SimTime>::min();
  // Who sleeps on a condition variable: the other side only signals (a
  // futex call) when someone does.
  bool receiver_waiting_ = false;
  bool sender_waiting_ = false;
};

// Owns one run: the engines, the services, the collector model, the outputs.
//
// In virtual time the onboarding services (the busiest group) run on their
// own engine and thread; the collector model, the coordination and
// e-commerce services, the writers and the metric scrapes run on the calling
// thread. Nothing flows back from the collector to the services (an SDK's
// export reaches the collector `arrive_at` >= the time it was sent, and no
// answer returns), so the collector's thread only has to stay behind the
// services' watermark: it runs an event at time t only once the services'
// thread has no event before t left, by which time every hand-over due at or
// before t has been imported (EventEngine::AtImported orders them ahead of
// the collector's own events of the same instant). The output depends on the
// seed only, never on how the two threads were scheduled. In real time
// (hooks.run_engine) everything runs on one engine, as the hooks expect.
class Simulation {
 public:
  Simulation(const SimulationOptions& options, const SimulationHooks& hooks)
      : options_(options), hooks_(hooks) {}

  Result<SimulationSummary> Run();

 private:
  Status OpenOutputs();
  void Deliver(core::TracesData&& data);
  // An SDK's export request reaches the collector at `arrive_at`.
  void Receive(core::TracesData&& request, SimTime arrive_at);
  // The onboarding services' exports (their thread when split_).
  void ReceiveFromOnboarding(core::TracesData&& request, SimTime arrive_at);
  void LogsFromOnboarding(core::LogsData&& request);
  void OnOnboardingIdle();
  void WriteLogs(core::LogsData&& data);
  void ScrapeMetrics();
  // The onboarding services' business metrics at `now` (collector's thread).
  core::MetricsData OnboardingMetrics(SimTime now);
  // A service group is idle after the window (its SDKs flushed).
  void OnGroupIdle();
  void MaybeShutdownCollector();
  // split_: the onboarding thread's loop, and the collector thread's.
  void RunOnboardingThread();
  void RunCollectorThread();
  void Import(Handover&& handover);
  // Takes the pending hand-overs (waiting for news with `wait`) and imports them.
  void ImportPending(bool wait);
  Status WriteGroundTruth();

  const SimulationOptions& options_;
  const SimulationHooks& hooks_;  // real-time mode (simulation_hooks.h); empty otherwise
  EventEngine engine_;  // the collector's (and in real time everything's)
  // split_: the onboarding services run on their own engine and thread.
  bool split_ = false;
  std::unique_ptr<EventEngine> onboarding_engine_;
  HandoverChannel channel_;
  std::vector<Handover> outbox_;       // onboarding thread: not yet published
  std::vector<Handover> inbox_;        // collector thread: taken, not yet imported
  // split_: requests the exporter is done with, collected on the collector's
  // thread and handed back through the channel to be freed on the onboarding
  // thread (returned_spent_).
  std::vector<core::TracesData> spent_;
  std::vector<core::TracesData> returned_spent_;
  SimTime onboarding_watermark_ = std::numeric_limits<SimTime>::min();  // collector thread
  bool onboarding_idle_ = false;       // onboarding thread
  // Onboarding business metrics taken at the onboarding thread's scrape ticks.
  std::deque<std::pair<SimTime, core::MetricsData>> onboarding_metrics_;
  GroundTruth truth_;             // the collector thread's: host services, deliveries
  GroundTruth onboarding_truth_;  // the onboarding services'
  // Shared by both threads computing onboarding_truth_'s quantiles at the end.
  std::atomic<size_t> onboarding_quantiles_next_{0};
  std::unique_ptr<core::OtlpFileWriter> traces_writer_;
  std::unique_ptr<core::OtlpFileWriter> metrics_writer_;
  std::unique_ptr<core::OtlpFileWriter> logs_writer_;  // with hosted services only
  std::vector<std::filesystem::path> outputs_;         // the OTLP files' final paths
  std::unique_ptr<CollectorModel> collector_;
  std::unique_ptr<OnboardingServices> services_;      // nullptr when onboarding is disabled
  std::unique_ptr<BusinessServicesHost> host_;        // nullptr without coordination/ecommerce
  int busy_service_groups_ = 0;                       // groups not yet idle after the window
  Status write_status_;

  int64_t pending_deliveries_ = 0;  // SDK requests on their way to the collector
  bool sdks_done_ = false;
  bool collector_shutting_down_ = false;
  bool finished_ = false;
  SimTime finished_at_ = 0;
  SimTime last_scrape_ = -1;
  uint64_t metric_points_ = 0;
  uint64_t log_records_ = 0;
  int64_t max_queue_sampled_ = 0;
};

Status Simulation::OpenOutputs() {
  std::error_code ec;
  std::filesystem::create_directories(options_.out_dir, ec);
  if (ec) {
    return UnavailableError(options_.out_dir.string() +
                            ": cannot create directory: " + ec.message());
  }
  const std::string ext(core::OtlpFileExtension(options_.format));
  outputs_.push_back(options_.out_dir / ("traces" + ext));
  TFLO_ASSIGN_OR_RETURN(traces_writer_,
                        core::CreateOtlpFileWriter(PartialPath(options_.out_dir / ("traces" + ext)),
                                                   core::Signal::kTraces, options_.format));
  outputs_.push_back(options_.out_dir / ("metrics" + ext));
  TFLO_ASSIGN_OR_RETURN(
      metrics_writer_, core::CreateOtlpFileWriter(PartialPath(options_.out_dir / ("metrics" + ext)),
                                                  core::Signal::kMetrics, options_.format));
  if (hooks_.on_metrics) {
    metrics_writer_ =
        std::make_unique<TeeMetricsWriter>(std::move(metrics_writer_), hooks_.on_metrics);
  }
  // The full onboarding system logs too; its first slice (`tflo demo`) does not.
  const bool onboarding_logs = options_.onboarding.enabled && options_.onboarding.full_system;
  if (BusinessServicesHost::Needed(options_) || onboarding_logs) {
    outputs_.push_back(options_.out_dir / ("logs" + ext));
    TFLO_ASSIGN_OR_RETURN(logs_writer_,
                          core::CreateOtlpFileWriter(PartialPath(options_.out_dir / ("logs" + ext)),
                                                     core::Signal::kLogs, options_.format));
  }
  return OkStatus();
}

void Simulation::Deliver(core::TracesData&& data) {
  truth_.RecordDelivered(data);
  if (write_status_.ok()) write_status_ = traces_writer_->Write(data);
}

void Simulation::Receive(core::TracesData&& request, SimTime arrive_at) {
  // The sink plays a real collector: it gets the request as the SDK sends it.
  if (options_.sdk_export != nullptr) options_.sdk_export->ExportTraces(request);
  ++pending_deliveries_;
  engine_.At(arrive_at, [this, request = std::move(request)]() mutable {
    collector_->ReceiveTraces(std::move(request));
    --pending_deliveries_;
    MaybeShutdownCollector();
  });
}

void Simulation::ReceiveFromOnboarding(core::TracesData&& request, SimTime arrive_at) {
  if (!split_) return Receive(std::move(request), arrive_at);
  if (options_.sdk_export != nullptr) options_.sdk_export->ExportTraces(request);
  Handover h;
  h.kind = Handover::Kind::kTraces;
  // A time in the past arrives now, as EventEngine::At would have it.
  h.at = std::max(arrive_at, onboarding_engine_->now());
  h.traces = std::move(request);
  outbox_.push_back(std::move(h));
}

void Simulation::LogsFromOnboarding(core::LogsData&& request) {
  if (!split_) return WriteLogs(std::move(request));
  Handover h;
  h.kind = Handover::Kind::kLogs;
  h.at = onboarding_engine_->now();
  h.logs = std::move(request);
  outbox_.push_back(std::move(h));
}

void Simulation::OnOnboardingIdle() {
  onboarding_idle_ = true;
  services_->ShutdownSdks();
  if (!split_) return OnGroupIdle();
  Handover h;
  h.kind = Handover::Kind::kIdle;
  h.at = onboarding_engine_->now();
  outbox_.push_back(std::move(h));
}

void Simulation::Import(Handover&& h) {
  switch (h.kind) {
    case Handover::Kind::kTraces:
      ++pending_deliveries_;
      engine_.AtImported(h.at, [this, request = std::move(h.traces)]() mutable {
        collector_->ReceiveTraces(std::move(request));
        --pending_deliveries_;
        MaybeShutdownCollector();
      });
      break;
    case Handover::Kind::kLogs:
      engine_.AtImported(h.at, [this, logs = std::move(h.logs)]() mutable {
        WriteLogs(std::move(logs));
      });
      break;
    case Handover::Kind::kMetrics:
      onboarding_metrics_.emplace_back(h.at, std::move(h.metrics));
      break;
    case Handover::Kind::kIdle:
      engine_.AtImported(h.at, [this] { OnGroupIdle(); });
      break;
  }
}

void Simulation::ImportPending(bool wait) {
  onboarding_watermark_ = channel_.Take(inbox_, wait, onboarding_watermark_, &spent_);
  spent_.clear();  // what the channel did not take (the onboarding thread has finished)
  for (Handover& h : inbox_) Import(std::move(h));
  inbox_.clear();
}

void Simulation::RunOnboardingThread() {
  // Events per hand-over batch: large enough that the lock and the wake-up
  // are rare, small enough that the collector's thread is seldom left idle
  // (256 and 1024 measured alike; 256 keeps the hand-overs fresher).
  constexpr int kEventsPerBatch = 256;
  EventEngine& engine = *onboarding_engine_;
  while (true) {
    for (int i = 0; i < kEventsPerBatch && engine.Step(); ++i) {
    }
    const std::optional<SimTime> next = engine.next_time();
    channel_.Publish(outbox_, next ? *next : kNever, &returned_spent_);
    returned_spent_.clear();  // freed on the thread that allocated them
    if (!next) {
      // Done: the quantiles of the onboarding operations are computed here,
      // while the collector's thread drains, not after it (and with its help
      // once it has drained).
      onboarding_truth_.ComputeQuantilesAhead(&onboarding_quantiles_next_);
      return;
    }
  }
}

void Simulation::RunCollectorThread() {
  while (true) {
    ImportPending(/*wait=*/false);
    bool ran = false;
    while (engine_.StepBefore(onboarding_watermark_)) ran = true;
    if (onboarding_watermark_ == kNever && engine_.empty()) return;
    if (!ran) ImportPending(/*wait=*/true);
  }
}

void Simulation::WriteLogs(core::LogsData&& data) {
  log_records_ += data.LogRecordCount();
  if (write_status_.ok()) write_status_ = logs_writer_->Write(data);
  if (options_.sdk_export != nullptr) options_.sdk_export->ExportLogs(data);
}

void Simulation::ScrapeMetrics() {
  SimTime now = engine_.now();
  // Two scrapes never share a timestamp (the final one may fall on a periodic one).
  if (now <= last_scrape_) now = last_scrape_ + 1;
  last_scrape_ = now;
  const core::MetricsData data = collector_->Scrape(
      options_.start_unix_nano, options_.start_unix_nano + static_cast<uint64_t>(now));
  metric_points_ += data.DataPointCount();
  if (write_status_.ok()) write_status_ = metrics_writer_->Write(data);
  // The services' business metrics: one record after the collector's, same timestamp.
  core::MetricsData business;
  if (host_) {
    business = host_->CollectMetrics(options_.start_unix_nano,
                                     options_.start_unix_nano + static_cast<uint64_t>(now));
  }
  if (services_) {
    core::MetricsData onboarding = OnboardingMetrics(now);
    for (core::ResourceMetrics& rm : onboarding.resource_metrics) {
      business.resource_metrics.push_back(std::move(rm));
    }
  }
  if (!business.resource_metrics.empty()) {
    metric_points_ += business.DataPointCount();
    if (write_status_.ok()) write_status_ = metrics_writer_->Write(business);
    // Business metrics only: a real collector reports its own otelcol_* metrics.
    if (options_.sdk_export != nullptr) options_.sdk_export->ExportMetrics(business);
  }
}

core::MetricsData Simulation::OnboardingMetrics(SimTime now) {
  const uint64_t now_unix_nano = options_.start_unix_nano + static_cast<uint64_t>(now);
  if (split_) {
    // The onboarding thread scraped at its own ticks until it went idle.
    while (!onboarding_metrics_.empty() && onboarding_metrics_.front().first < now) {
      onboarding_metrics_.pop_front();
    }
    if (!onboarding_metrics_.empty() && onboarding_metrics_.front().first == now) {
      core::MetricsData data = std::move(onboarding_metrics_.front().second);
      onboarding_metrics_.pop_front();
      return data;
    }
    // Past its last tick (the final scrape, or after it went idle): once its
    // thread has finished the services are this thread's to read.
    while (onboarding_watermark_ != kNever) ImportPending(/*wait=*/true);
  }
  return services_->CollectMetrics(options_.start_unix_nano, now_unix_nano);
}

void Simulation::OnGroupIdle() {
  // Each group has flushed its SDKs through the sink (pending_deliveries_).
  if (--busy_service_groups_ > 0) return;
  sdks_done_ = true;
  MaybeShutdownCollector();
}

void Simulation::MaybeShutdownCollector() {
  if (!sdks_done_ || pending_deliveries_ != 0 || collector_shutting_down_) return;
  collector_shutting_down_ = true;
  collector_->Shutdown([this] {
    finished_ = true;
    finished_at_ = engine_.now();
    ScrapeMetrics();
  });
}

Result<SimulationSummary> Simulation::Run() {
  TFLO_RETURN_IF_ERROR(ValidateOptions(options_));
  // A run that fails takes its unfinished files with it; one that was killed
  // leaves them under their .partial names (simulation.h).
  struct RemoveUnfinished {
    const std::vector<std::filesystem::path>& outputs;
    bool committed = false;
    ~RemoveUnfinished() {
      if (committed) return;
      std::error_code ignored;
      for (const std::filesystem::path& path : outputs) {
        std::filesystem::remove(PartialPath(path), ignored);
      }
    }
  } unfinished{outputs_};
  TFLO_RETURN_IF_ERROR(OpenOutputs());

  // The collector's service.instance.id: a UUID-shaped id derived from the seed.
  uint64_t instance_state = options_.seed ^ 0x636F6C6C6563746FULL;
  Rng instance_rng(SplitMix64(instance_state));
  const std::string hex = core::ToHex(instance_rng.NewTraceId());
  core::Resource collector_resource;
  collector_resource.attributes = {
      {"service.name", "otelcol-contrib"},
      {"service.instance.id", hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
                                  "-" + hex.substr(16, 4) + "-" + hex.substr(20)}};
  TFLO_ASSIGN_OR_RETURN(collector_,
                        CollectorModel::Create(
                            engine_, options_.collector, options_.backend,
                            [this](core::TracesData&& data, int64_t) { Deliver(std::move(data)); },
                            std::move(collector_resource)));
  split_ = options_.onboarding.enabled && !hooks_.run_engine && !hooks_.on_services;
  if (split_) {
    onboarding_engine_ = std::make_unique<EventEngine>();
    collector_->set_discard([this](core::TracesData&& data) { spent_.push_back(std::move(data)); });
  }
  if (options_.onboarding.enabled) {
    LogsSink onboarding_logs;
    if (logs_writer_) {
      onboarding_logs = [this](core::LogsData&& request, SimTime) {
        LogsFromOnboarding(std::move(request));
      };
    }
    services_ = std::make_unique<OnboardingServices>(
        split_ ? *onboarding_engine_ : engine_, options_, onboarding_truth_,
        [this](core::TracesData&& request, SimTime arrive_at) {
          ReceiveFromOnboarding(std::move(request), arrive_at);
        },
        std::move(onboarding_logs));
    TFLO_RETURN_IF_ERROR(services_->status());
    ++busy_service_groups_;
  }
  if (BusinessServicesHost::Needed(options_)) {
    host_ = std::make_unique<BusinessServicesHost>(
        engine_, truth_, options_,
        [this](core::TracesData&& request, SimTime arrive_at) {
          Receive(std::move(request), arrive_at);
        },
        // Logs bypass the collector model (it models the traces pipelines):
        // they are written as the SDK exports them.
        [this](core::LogsData&& request, SimTime) { WriteLogs(std::move(request)); });
    ++busy_service_groups_;
  }

  collector_->Start();
  if (services_) services_->Start([this] { OnOnboardingIdle(); });
  if (host_) {
    host_->Start([this] {
      host_->Shutdown();
      OnGroupIdle();
    });
  }

  const SimTime interval = options_.metrics_interval.count();
  // split_: the onboarding thread takes its business metrics at the same
  // ticks, until it is idle (then the collector's thread reads them itself).
  std::function<void()> onboarding_scrape_tick = [&] {
    if (onboarding_idle_) return;
    Handover h;
    h.kind = Handover::Kind::kMetrics;
    h.at = onboarding_engine_->now();
    h.metrics = services_->CollectMetrics(options_.start_unix_nano,
                                          options_.start_unix_nano + static_cast<uint64_t>(h.at));
    outbox_.push_back(std::move(h));
    onboarding_engine_->After(interval, onboarding_scrape_tick);
  };
  if (split_) onboarding_engine_->At(interval, onboarding_scrape_tick);
  std::function<void()> scrape_tick = [&] {
    if (finished_) return;
    ScrapeMetrics();
    engine_.After(interval, scrape_tick);
  };
  engine_.At(interval, scrape_tick);
  std::function<void()> sample_tick = [&] {
    if (finished_) return;
    max_queue_sampled_ = std::max(max_queue_sampled_, collector_->exporter().queue_size());
    engine_.After(kQueueSamplePeriod, sample_tick);
  };
  engine_.At(0, sample_tick);

  if (hooks_.on_services) hooks_.on_services(services_.get(), host_.get());
  if (hooks_.run_engine) {
    hooks_.run_engine(engine_);
  } else if (split_) {
    std::thread onboarding([this] { RunOnboardingThread(); });
    RunCollectorThread();
    // The onboarding thread has published its last events (the watermark
    // kNever, under the channel's lock), so its ground truth is final: while
    // it computes that truth's quantiles, this thread computes its own, then
    // shares the rest of the onboarding operations'. (At the end of an hour
    // of `mixed` the onboarding thread's alone took ~0.2 s, all of it the
    // run's serial tail.)
    truth_.ComputeQuantilesAhead();
    onboarding_truth_.ComputeQuantilesAhead(&onboarding_quantiles_next_);
    onboarding.join();
  } else {
    engine_.Run();
  }
  truth_.Merge(std::move(onboarding_truth_));

  if (!finished_) return InternalError("simulation stopped before the pipeline drained");
  TFLO_RETURN_IF_ERROR(write_status_);
  TFLO_RETURN_IF_ERROR(traces_writer_->Close());
  TFLO_RETURN_IF_ERROR(metrics_writer_->Close());
  if (logs_writer_) {
    TFLO_RETURN_IF_ERROR(logs_writer_->Close());
  }
  for (const std::filesystem::path& path : outputs_) TFLO_RETURN_IF_ERROR(CommitPartial(path));
  unfinished.committed = true;
  // Last: its presence says the files beside it are whole.
  TFLO_RETURN_IF_ERROR(WriteGroundTruth());
  SyncDirectory(options_.out_dir);

  const ExporterStats& exporter = collector_->exporter().stats();
  SimulationSummary summary;
  summary.requests = (services_ ? services_->requests() : 0) + (host_ ? host_->arrivals() : 0);
  summary.spans_generated = truth_.spans_generated();
  summary.spans_accepted = collector_->accepted_spans();
  summary.spans_sent = exporter.sent_spans;
  summary.spans_dropped = exporter.enqueue_failed_spans;
  summary.export_requests = exporter.export_requests;
  summary.metric_points = metric_points_;
  summary.log_records = log_records_;
  summary.simulated_seconds = static_cast<double>(finished_at_) / 1e9;
  return summary;
}

Status Simulation::WriteGroundTruth() {
  const ExporterStats& exporter = collector_->exporter().stats();
  Json doc;
  doc["seed"] = options_.seed;
  doc["window_seconds"] = static_cast<double>(options_.window.count()) / 1e9;
  doc["start_unix_nano"] = options_.start_unix_nano;
  doc["injected"] = InjectedJson(options_);

  Json operations = Json::array();
  for (const GroundTruth::OperationSummary& op : truth_.Summarize()) {
    Json j;
    j["service"] = op.service;
    j["operation"] = op.operation;
    j["count"] = op.count;
    j["errors"] = op.errors;
    j["error_rate"] = op.error_rate;
    j["p50_ms"] = op.p50_ms;
    j["p95_ms"] = op.p95_ms;
    j["p99_ms"] = op.p99_ms;
    j["delivered_count"] = op.delivered_count;
    operations.push_back(std::move(j));
  }
  doc["operations"] = std::move(operations);

  Json pipeline;
  pipeline["spans_generated"] = truth_.spans_generated();
  pipeline["accepted"] = collector_->accepted_spans();
  pipeline["sent"] = exporter.sent_spans;
  pipeline["dropped"] = exporter.enqueue_failed_spans;
  pipeline["export_requests"] = exporter.export_requests;
  pipeline["max_queue_size"] = exporter.max_queue_size;
  pipeline["refused"] = collector_->refused_spans();
  pipeline["max_queue_size_sampled_1s"] = max_queue_sampled_;
  pipeline["sdk_dropped"] = services_ ? services_->sdk_dropped_spans() : 0;
  pipeline["drained_at_seconds"] = static_cast<double>(finished_at_) / 1e9;
  doc["pipeline"] = std::move(pipeline);

  doc["propagation"] = Json{{"messages_sent", truth_.messages_sent()},
                            {"consumer_spans_with_parent", truth_.consumer_spans_with_parent()}};
  if (services_) services_->AddTruth(doc);
  if (host_) host_->AddTruth(doc);
  if (logs_writer_) doc["logs"] = Json{{"records_written", log_records_}};
  return WriteJsonFile(options_.out_dir / "ground_truth.json", doc);
}

}  // namespace

Result<SimulationSummary> RunSimulation(const SimulationOptions& options) {
  const SimulationHooks no_hooks;
  Simulation simulation(options, no_hooks);
  return simulation.Run();
}

Result<SimulationSummary> RunSimulationWithHooks(const SimulationOptions& options,
                                                 const SimulationHooks& hooks) {
  Simulation simulation(options, hooks);
  return simulation.Run();
}

}  // namespace tflo::workload
