#include "workload_command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "assets.h"
#include "output_dir.h"
#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "tflo/core/collector_config.h"
#include "tflo/core/duration.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/lambda_config.h"
#include "tflo/workload/otlp_export_sink.h"
#include "tflo/workload/realtime.h"
#include "tflo/workload/runner.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kMarkerFile[] = ".tflo-workload";
constexpr char kUntunedAsset[] = "collector-untuned.yaml";

// Files an earlier run leaves; only these are removed on a re-run.
std::vector<std::string> WorkloadArtefacts() {
  std::vector<std::string> names = {"ground_truth.json"};
  for (const core::OtlpFileFormat format :
       {core::OtlpFileFormat::kJsonLines, core::OtlpFileFormat::kBinary}) {
    const std::string ext(core::OtlpFileExtension(format));
    for (const char* signal : {"traces", "metrics", "logs"}) names.push_back(signal + ext);
  }
  // A killed run's unfinished files (workload/simulation.h).
  const size_t finished = names.size();
  for (size_t i = 0; i < finished; ++i) names.push_back(names[i] + workload::kPartialSuffix);
  return names;
}

// --listen HOST:PORT ([v6]:PORT too); port 0 = an ephemeral one.
struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 8000;
};

Result<ListenAddress> ParseListen(const WorkloadRunOptions& o) {
  ListenAddress address;
  if (!o.listen) return address;
  if (!o.realtime) return InvalidArgumentError("--listen: only with --realtime");
  const std::string& text = *o.listen;
  const size_t colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string::npos;
  if (host.empty() || !digits || std::stoi(port) > 65535) {
    return InvalidArgumentError("--listen: \"" + text +
                                "\" is not HOST:PORT with a port in 0..65535 (e.g. "
                                "127.0.0.1:8000)");
  }
  address.host = std::move(host);
  address.port = std::stoi(port);
  return address;
}

// SIGINT / SIGTERM during a real-time run: the run stops cleanly (the
// pipeline drains, the files and the ground truth are written). The handlers
// reset themselves (SA_RESETHAND), so a second signal ends the process.
std::atomic<bool> g_realtime_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void OnStopSignal(int /*signal*/) { g_realtime_stop.store(true); }

class StopSignals {
 public:
  StopSignals() {
    g_realtime_stop.store(false);
    struct sigaction action {};
    action.sa_handler = OnStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

Result<workload::SimulationSummary> RunInRealtime(const workload::SimulationOptions& sim,
                                                  const ListenAddress& listen, std::ostream& out) {
  const StopSignals signals;
  workload::RealtimeOptions realtime;
  realtime.host = listen.host;
  realtime.port = listen.port;
  realtime.stop = &g_realtime_stop;
  const bool v6 = listen.host.find(':') != std::string::npos;
  realtime.on_ready = [&](int port) {
    // Scripts and tests read the port from this line.
    out << fmt::format(
               "listening on http://{}:{} (POST /onboard, GET /health, GET /customers/{{id}}, "
               "POST /work/claim, GET /metrics); Ctrl-C stops",
               v6 ? "[" + listen.host + "]" : listen.host, port)
        << std::endl;
  };
  return workload::RunRealtime(sim, realtime);
}

// OTLP export defaults of the CLI, chosen so that a dead endpoint costs
// seconds, not minutes: 3 attempts of at most 2 s each (OTEL_EXPORTER_OTLP_TIMEOUT
// replaces the 2 s), 250 ms then 500 ms backoff; after a request is dropped
// with no success since, requests are skipped (counted as dropped) for 5 s
// before the endpoint is tried again; at the end, at most 10 s to flush.
constexpr std::chrono::milliseconds kExportTimeout{2000};
constexpr int kExportMaxAttempts = 3;
constexpr std::chrono::milliseconds kExportInitialBackoff{250};
constexpr std::chrono::milliseconds kExportMaxBackoff{1000};
constexpr std::chrono::milliseconds kExportFlushTimeout{10000};
constexpr std::chrono::milliseconds kExportFailureCooldown{5000};

// Where the export endpoint came from, for messages.
struct ExportPlan {
  std::unique_ptr<workload::OtlpExportSink> sink;  // nullptr = no export
  std::string source;                              // "--otlp-endpoint" or the variable
};

bool IsSet(const core::EnvLookup& env, const char* name) {
  const std::optional<std::string> value = env(name);
  return value && value->find_first_not_of(" \t") != std::string::npos;
}

// Export is on with the flag, or with an endpoint variable (the SDK rule: an
// exporter configured by the environment). A plain run connects nowhere.
Result<ExportPlan> PlanExport(const WorkloadRunOptions& o, const core::EnvLookup& env) {
  ExportPlan plan;
  for (const char* name :
       {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"}) {
    if (plan.source.empty() && IsSet(env, name)) plan.source = name;
  }
  if (o.otlp_endpoint) plan.source = "--otlp-endpoint";
  if (plan.source.empty()) return plan;

  workload::OtlpExportSinkOptions sink;
  sink.exporter = core::OtlpGrpcExporterOptionsFromEnv(env);
  sink.env = env;
  sink.flush_timeout = kExportFlushTimeout;
  sink.failure_cooldown = kExportFailureCooldown;
  core::OtlpGrpcExporterOptions& exporter = sink.exporter;
  if (!IsSet(env, "OTEL_EXPORTER_OTLP_TIMEOUT")) exporter.timeout = kExportTimeout;
  exporter.max_attempts = kExportMaxAttempts;
  exporter.initial_backoff = kExportInitialBackoff;
  exporter.max_backoff = kExportMaxBackoff;
  if (o.otlp_endpoint) {
    // The flag sends every signal there, whatever the variables say.
    exporter.endpoint = *o.otlp_endpoint;
    exporter.traces_endpoint.clear();
    exporter.metrics_endpoint.clear();
    exporter.logs_endpoint.clear();
  }
  const std::pair<const std::string*, const char*> endpoints[] = {
      {&exporter.endpoint, o.otlp_endpoint ? "--otlp-endpoint" : "OTEL_EXPORTER_OTLP_ENDPOINT"},
      {&exporter.traces_endpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
      {&exporter.metrics_endpoint, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
      {&exporter.logs_endpoint, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"}};
  for (const auto& [endpoint, name] : endpoints) {
    if (endpoint->empty()) continue;
    auto target = core::ParseOtlpGrpcEndpoint(*endpoint);
    if (!target.ok()) return target.status().WithPrefix(name);
  }
  auto created = workload::OtlpExportSink::Create(std::move(sink));
  if (!created.ok()) return created.status().WithPrefix(plan.source);
  plan.sink = std::move(*created);
  return plan;
}

// Whole seconds, so that the window [start, start + duration) ends at or just
// before `now`.
uint64_t StartToEndNow(std::chrono::system_clock::time_point now,
                       std::chrono::nanoseconds duration) {
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t start_ns = now_s * 1'000'000'000LL - duration.count();
  return static_cast<uint64_t>(start_ns - start_ns % 1'000'000'000LL);
}

std::string Rfc3339(uint64_t unix_nano) {
  const std::time_t seconds = static_cast<std::time_t>(unix_nano / 1'000'000'000ULL);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(seconds));
}

// "; exported to HOST:PORT: ..." for the summary line.
std::string ExportSummary(const workload::OtlpExportSink& sink, bool placed_at_now,
                          uint64_t start_unix_nano) {
  using core::Signal;
  const workload::OtlpExportSinkStats total = sink.total_stats();
  return fmt::format(
      "; exported to {}: {} spans, {} logs, {} metric points, {} dropped, {} retries{}",
      sink.target(Signal::kTraces), sink.stats(Signal::kTraces).exported,
      sink.stats(Signal::kLogs).exported, sink.stats(Signal::kMetrics).exported, total.dropped,
      total.retries,
      placed_at_now ? " (window placed to end now, start " + Rfc3339(start_unix_nano) + ")" : "");
}

Result<core::CollectorConfig> DefaultCollector() {
  const std::string_view asset = FindAsset(kUntunedAsset);
  if (asset.empty())
    return InternalError("the shipped collector config is missing from this build");
  return core::ParseCollectorConfig(asset, kUntunedAsset);
}

}  // namespace

Status RunWorkload(const WorkloadRunOptions& options, std::ostream& out) {
  TFLO_ASSIGN_OR_RETURN(const ListenAddress listen, ParseListen(options));
  if (options.scenario.empty())
    return InvalidArgumentError("--scenario: a name or file is required");
  if (options.out_dir.empty())
    return InvalidArgumentError("--out: an output directory is required");
  if (options.duration && options.duration->count() <= 0) {
    return InvalidArgumentError("--duration: must be positive");
  }

  TFLO_ASSIGN_OR_RETURN(workload::Scenario scenario, workload::LoadScenario(options.scenario));
  if (options.duration) scenario.duration = *options.duration;
  if (options.seed) scenario.seed = *options.seed;
  if (options.collector_config) scenario.collector_config = *options.collector_config;
  if (options.lambda_config) scenario.onboarding.lambda_function_config = *options.lambda_config;
  if (options.event_source_mapping) {
    scenario.onboarding.event_source_mapping = *options.event_source_mapping;
  }

  TFLO_ASSIGN_OR_RETURN(ExportPlan export_plan,
                        PlanExport(options, options.env ? options.env : core::ProcessEnv()));
  // Exported data must land in the recent past, where Tempo, Prometheus and
  // Loki accept it; an explicit start_time wins (and keeps the run repeatable).
  // (Real-time mode starts at the wall clock anyway.)
  const bool placed_at_now = export_plan.sink && !scenario.start_unix_nano && !options.realtime;
  if (placed_at_now) {
    scenario.start_unix_nano = StartToEndNow(std::chrono::system_clock::now(), scenario.duration);
  }

  TFLO_ASSIGN_OR_RETURN(core::CollectorConfig default_collector, DefaultCollector());
  const workload::FaultSet faults(scenario.faults);
  auto sim = workload::SimulationOptionsFromScenario(scenario, &faults, default_collector);
  if (!sim.ok()) return sim.status();
  sim->out_dir = options.out_dir;
  sim->format = options.format;
  sim->sdk_export = export_plan.sink.get();

  TFLO_RETURN_IF_ERROR(
      PrepareOwnedOutputDir(options.out_dir, {kMarkerFile, "tflo workload run", WorkloadArtefacts()}));
  const auto wall_start = std::chrono::steady_clock::now();
  TFLO_ASSIGN_OR_RETURN(
      workload::SimulationSummary summary,
      options.realtime ? RunInRealtime(*sim, listen, out) : workload::RunSimulation(*sim));
  // Drops are counted and reported; Finish's own status only says the flush
  // ran out of time, which the counters already show.
  if (export_plan.sink) export_plan.sink->Finish().IgnoreError();
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  const uint64_t lost = summary.spans_generated > summary.spans_sent
                            ? summary.spans_generated - summary.spans_sent
                            : 0;
  out << fmt::format(
      "{}: {} spans generated, {} delivered, {} logs, {} metric points, {} dropped ({} by a full "
      "sending queue), {:.1f} s simulated in {:.2f} s wall -> {}{}\n",
      scenario.name, summary.spans_generated, summary.spans_sent, summary.log_records,
      summary.metric_points, lost, summary.spans_dropped, summary.simulated_seconds, wall_seconds,
      options.out_dir.string(),
      export_plan.sink ? ExportSummary(*export_plan.sink, placed_at_now, sim->start_unix_nano)
                       : "");
  if (export_plan.sink) {
    const workload::OtlpExportSinkStats total = export_plan.sink->total_stats();
    if (total.items > 0 && total.exported == 0) {
      return UnavailableError(fmt::format(
          "{} {}: nothing was exported ({} items dropped); the files are written",
          export_plan.source, export_plan.sink->target(core::Signal::kTraces), total.dropped));
    }
  }
  return OkStatus();
}

void RegisterWorkloadCommand(CLI::App& app, int& exit_code) {
  CLI::App* workload = app.add_subcommand(
      "workload", "The workload simulator: services, traffic, faults and the pipeline model.");
  workload->require_subcommand(1);

  auto options = std::make_shared<WorkloadRunOptions>();
  auto duration = std::make_shared<std::string>();
  auto seed = std::make_shared<uint64_t>(0);
  auto format = std::make_shared<std::string>("json");
  auto endpoint = std::make_shared<std::string>();
  auto listen = std::make_shared<std::string>();
  CLI::App* run = workload->add_subcommand(
      "run",
      "Run a scenario in virtual time (or in real time with --realtime) and write "
      "DIR/traces, DIR/metrics (OTLP files) and DIR/ground_truth.json.");
  run->add_option("--scenario", options->scenario,
                  "Shipped scenario name (onboarding, coordination, ecommerce-blackfriday, mixed) "
                  "or a scenario YAML file")
      ->required();
  CLI::Option* duration_opt = run->add_option(
      "--duration", *duration, "Virtual time to run, e.g. 30s, 1h (default: the scenario's)");
  CLI::Option* seed_opt = run->add_option(
      "--seed", *seed, "Random seed (default: the scenario's); same seed, same bytes");
  run->add_option("--out", options->out_dir,
                  "Output directory (a previous workload output is replaced)")
      ->capture_default_str();
  run->add_option(
      "--collector-config", options->collector_config,
      "Collector YAML for the pipeline model (default: the scenario's, else the shipped "
      "untuned config)");
  run->add_option("--lambda-config", options->lambda_config,
                  "Lambda function configuration JSON, as `aws lambda "
                  "get-function-configuration` prints it (default: the scenario's, else built-in)");
  run->add_option("--event-source-mapping", options->event_source_mapping,
                  "SQS event source mapping JSON of the Lambda, as `aws lambda "
                  "get-event-source-mapping` prints it (default: the scenario's, else built-in)");
  run->add_option("--otlp-format", *format, "Format of the OTLP files: json (JSON lines) or binary")
      ->capture_default_str();
  CLI::Option* endpoint_opt = run->add_option(
      "--otlp-endpoint", *endpoint,
      "Also send the services' spans, logs and business metrics over OTLP/gRPC to HOST:PORT "
      "(plaintext), http://HOST:PORT or https://HOST:PORT (TLS; roots from "
      "OTEL_EXPORTER_OTLP_CERTIFICATE, else the system's) (default: OTEL_EXPORTER_OTLP_ENDPOINT "
      "when set, else no export)");
  run->add_flag("--realtime", options->realtime,
                "Run paced to the wall clock for --duration and serve the simulated HTTP APIs "
                "(POST /onboard, GET /health, GET /customers/{id}, POST /work/...) and GET "
                "/metrics; Ctrl-C stops cleanly");
  CLI::Option* listen_opt = run->add_option(
      "--listen", *listen,
      "Real-time listen address HOST:PORT (default 127.0.0.1:8000; port 0 = any free port)");

  run->callback([=, &exit_code]() {
    auto fail = [&exit_code](const Status& status) {
      std::cerr << "tflo workload run: " << status.message() << "\n";
      const StatusCode code = status.code();
      exit_code = (code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ||
                   code == StatusCode::kUnimplemented)
                      ? 2
                      : 1;
    };
    auto parsed = core::ParseOtlpFileFormat(*format);
    if (!parsed.ok()) return fail(parsed.status().WithPrefix("--otlp-format"));
    options->format = *parsed;
    if (duration_opt->count() > 0) {
      auto d = core::ParseGoDuration(*duration);
      if (!d.ok()) return fail(d.status().WithPrefix("--duration"));
      options->duration = *d;
    }
    if (seed_opt->count() > 0) options->seed = *seed;
    if (endpoint_opt->count() > 0) options->otlp_endpoint = *endpoint;
    if (listen_opt->count() > 0) options->listen = *listen;
    const Status status = RunWorkload(*options, std::cout);
    if (!status.ok()) return fail(status);
    exit_code = 0;
  });
}

}  // namespace tflo::cli
