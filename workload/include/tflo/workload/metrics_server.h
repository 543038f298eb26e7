// MetricsServer: the workload's Prometheus scrape endpoint in real-time mode.
//
// Serves `GET /metrics` on 127.0.0.1 (by default) with the Prometheus text
// format 0.0.4 (core/prometheus_text.h): the business metrics, the collector
// model's own metrics and the span-metrics series, whatever the source
// callback returns, so a real Prometheus can scrape the simulated world. Any
// other path answers 404. Built on cpp-httplib; one background thread accepts,
// httplib's pool serves.
//
// Threading: the source callback runs on a server thread, once per scrape, and
// never concurrently with itself (the server serialises scrapes), so it only
// has to synchronise with whoever produces the data — typically by copying a
// MetricsData snapshot under the producer's mutex and returning the copy.
// Start/Stop/port are meant for the owning thread.
#ifndef TFLO_WORKLOAD_METRICS_SERVER_H_
#define TFLO_WORKLOAD_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "tflo/core/model.h"
#include "tflo/core/prometheus_text.h"
#include "tflo/core/status.h"

namespace tflo::workload {

struct MetricsServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port, see MetricsServer::port()
  core::PrometheusTextOptions text;
};

class MetricsServer {
 public:
  using Source = std::function<core::MetricsData()>;

  // Binds and starts serving before it returns. kUnavailable if the address
  // cannot be bound (the message names host:port); kInvalidArgument for a
  // null source or a port outside 0..65535.
  static Result<std::unique_ptr<MetricsServer>> Start(MetricsServerOptions options, Source source);

  // Stops (see Stop()).
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int port() const;
  // Stops accepting, lets the current response finish and joins the server
  // thread. Idempotent.
  void Stop();
  // Scrapes served so far.
  uint64_t scrapes() const;

  class Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_METRICS_SERVER_H_
