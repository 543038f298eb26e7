#include "business_services_host.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace tflo::workload {
namespace {

// Streams of Rng::ForStream for the hosted services' arrivals ("ARRV" + n),
// apart from the services' own streams, so that enabling one service does not
// change another's draws.
constexpr uint64_t kArrivalStreamBase = 0x4152525600000000ULL;

}  // namespace

BusinessServicesHost::BusinessServicesHost(EventEngine& engine, GroundTruth& truth,
                                           const SimulationOptions& options, TracesSink traces,
                                           LogsSink logs)
    : engine_(engine), options_(options) {
  ServiceEnvironment env(engine, truth, metrics_);
  env.seed = options.seed;
  env.start_unix_nano = options.start_unix_nano;
  env.traces = std::move(traces);
  env.logs = std::move(logs);
  env.faults = options.onboarding.faults;
  if (options.coordination.enabled) {
    coordination_ = std::make_unique<CoordinationService>(env, options.coordination);
    auto stream = std::make_unique<Stream>();
    stream->rng = std::make_unique<Rng>(Rng::ForStream(options.seed, kArrivalStreamBase + 1));
    stream->process = std::make_unique<ArrivalProcess>(options.coordination.traffic,
                                                       options.start_unix_nano, *stream->rng);
    stream->on_arrival = [this] { coordination_->OnArrival(); };
    stream->stop = [this](std::function<void()> idle) {
      coordination_->StopArrivals(std::move(idle));
    };
    streams_.push_back(std::move(stream));
  }
  if (options.ecommerce.enabled) {
    ecommerce_ = std::make_unique<EcommerceServices>(env, options.ecommerce);
    auto stream = std::make_unique<Stream>();
    stream->rng = std::make_unique<Rng>(Rng::ForStream(options.seed, kArrivalStreamBase + 2));
    stream->process = std::make_unique<ArrivalProcess>(options.ecommerce.traffic,
                                                       options.start_unix_nano, *stream->rng);
    stream->on_arrival = [this] { ecommerce_->OnJourney(); };
    stream->stop = [this](std::function<void()> idle) {
      ecommerce_->StopArrivals(std::move(idle));
    };
    streams_.push_back(std::move(stream));
  }
}

BusinessServicesHost::~BusinessServicesHost() = default;

void BusinessServicesHost::Start(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  if (coordination_) coordination_->Start();
  if (ecommerce_) ecommerce_->Start();
  open_streams_ = static_cast<int>(streams_.size());
  for (auto& stream : streams_) ScheduleNext(*stream, engine_.now());
}

void BusinessServicesHost::ScheduleNext(Stream& stream, SimTime after) {
  const SimTime window = options_.window.count();
  if (const std::optional<SimTime> t = stream.process->Next(after, window)) {
    engine_.At(*t, [this, &stream] {
      ++arrivals_;
      stream.on_arrival();
      ScheduleNext(stream, engine_.now());
    });
    return;
  }
  // The clients stop when the window closes, not at their last arrival.
  engine_.At(std::max(window, engine_.now()),
             [this, &stream] { stream.stop([this] { StreamIdle(); }); });
}

void BusinessServicesHost::StreamIdle() {
  if (--open_streams_ == 0 && on_idle_) on_idle_();
}

void BusinessServicesHost::Shutdown() {
  if (coordination_) coordination_->Shutdown();
  if (ecommerce_) ecommerce_->Shutdown();
}

core::MetricsData BusinessServicesHost::CollectMetrics(uint64_t start_unix_nano,
                                                       uint64_t now_unix_nano) const {
  return metrics_.Collect(start_unix_nano, now_unix_nano);
}

void BusinessServicesHost::AddTruth(nlohmann::ordered_json& doc) const {
  using Json = nlohmann::ordered_json;
  if (coordination_) {
    doc["coordination"] =
        Json{{"claimed", coordination_->claimed()},
             {"completed", coordination_->completed()},
             {"failed_operations", coordination_->failed_operations()},
             {"abandoned", coordination_->abandoned()},
             {"open_items", coordination_->open_items()},
             {"requests_with_baggage", coordination_->requests_with_baggage()},
             {"requests_without_baggage", coordination_->requests_without_baggage()}};
  }
  if (ecommerce_) {
    doc["ecommerce"] = Json{{"journeys", ecommerce_->journeys()},
                            {"journeys_failed", ecommerce_->journeys_failed()},
                            {"checkouts", ecommerce_->checkouts()},
                            {"checkouts_failed", ecommerce_->checkouts_failed()},
                            {"slow_queries", ecommerce_->slow_queries()},
                            {"pool_exhausted_requests", ecommerce_->pool_exhausted_requests()},
                            {"http_calls", ecommerce_->http_calls()},
                            {"broken_propagation_calls", ecommerce_->broken_propagation_calls()}};
  }
}

}  // namespace tflo::workload
