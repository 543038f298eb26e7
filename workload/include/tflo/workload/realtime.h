// Real-time mode of the workload simulator (`tflo workload run --realtime`).
//
// The same simulation as RunSimulation (services, background traffic, faults,
// the collector model, the output files and the ground truth) with its event
// engine paced to the wall clock (paced_event_loop.h) instead of run flat out:
// virtual time 0 is the start of the run and start_unix_nano the wall clock
// then, so spans carry real timestamps. Meanwhile an HTTP server (cpp-httplib)
// serves the simulated APIs on `host:port`, so a user's request produces a
// trace like the background traffic does:
//   POST /onboard                  onboarding-api (JSON body: customer_type
//                                  standard|premium|enterprise, optional
//                                  customer_id, email, name): 202 / 400 / 5xx
//   GET  /health                   onboarding-api's health check
//   GET  /customers/{id}           onboarding-api's look-up: 200 / 404
//   POST /work/claim               coordination-api (JSON body: team,
//                                  work_type, priority low..critical, title)
//   POST /work/{id}/progress       coordination-api (JSON body: percent 0..100)
//   POST /work/{id}/complete       coordination-api
//   GET  /metrics                  Prometheus text 0.0.4: the collector model's
//                                  otelcol_* metrics, the spanmetrics series and
//                                  the business metrics, refreshed at each
//                                  metrics scrape of the simulation
// An incoming W3C `traceparent` is honoured (the SERVER span continues that
// trace with the caller's span as its remote parent) and `baggage` entries are
// copied onto the span. Each answer carries the request's trace in
// `traceresponse` (W3C Trace Context Level 2) and `X-Trace-Id`. The handler
// thread posts the request to the simulation's thread and waits until the
// simulated SERVER span has ended in real time. Endpoints of a service the
// scenario does not run answer 503; a malformed body or an unknown value 400,
// both with a JSON {"error": ...}.
//
// The run ends when the window (SimulationOptions::window) has elapsed or a
// stop is requested: the server stops taking requests (later ones get 503),
// the background arrivals end, and the pipeline drains as fast as it can
// (virtual time after the end of the run is not paced); then the files are
// closed and the ground truth written, as in virtual time.
#ifndef TFLO_WORKLOAD_REALTIME_H_
#define TFLO_WORKLOAD_REALTIME_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "tflo/core/status.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

struct RealtimeOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: an ephemeral port, reported to on_ready
  // Called once, on the calling thread, when the server listens and the
  // simulation is about to start, with the bound port.
  std::function<void(int port)> on_ready;
  // Once *stop is true the run ends early (polled every 100 ms, so a signal
  // handler may set it). nullptr: run for the whole window.
  const std::atomic<bool>* stop = nullptr;
  // When positive, replaces SimulationOptions::metrics_interval: how often the
  // simulation scrapes its metrics (into metrics<ext> and /metrics).
  std::chrono::nanoseconds metrics_refresh{0};
  // How long a request waits for its simulated answer before a 504.
  std::chrono::milliseconds request_timeout{10000};
};

// Runs `options` in real time (its start_unix_nano is replaced by the wall
// clock at the start) and returns the summary, as RunSimulation does.
// kUnavailable when host:port cannot be bound (the message names it);
// kInvalidArgument for a port outside 0..65535 and whatever RunSimulation
// refuses. Blocks the calling thread for the run.
Result<SimulationSummary> RunRealtime(SimulationOptions options, const RealtimeOptions& realtime);

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_REALTIME_H_
