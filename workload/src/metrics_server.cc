#include "tflo/workload/metrics_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace tflo::workload {

class MetricsServer::Impl {
 public:
  Impl(MetricsServerOptions options, Source source)
      : options_(std::move(options)), source_(std::move(source)) {}
  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Start() {
    // httplib's default sets SO_REUSEPORT, which lets a second server share a
    // port that is in use; SO_REUSEADDR alone still allows a quick restart on
    // a port in TIME_WAIT but makes a busy port an error.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server_.Get("/metrics",
                [this](const httplib::Request& /*req*/, httplib::Response& res) { Serve(&res); });
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
    } else {
      port_ = server_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
    }
    if (port_ <= 0) return UnavailableError("metrics server: cannot listen on " + where);
    thread_ = std::thread([this] {
      if (!server_.listen_after_bind()) spdlog::error("metrics server: listen loop failed");
    });
    // stop() is a no-op until the listen loop runs; wait for it so that a
    // Stop() right after Start() cannot leave the thread listening forever.
    for (int i = 0; i < 10000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_.is_running()) {
      Stop();
      return UnavailableError("metrics server: " + where + " did not start serving");
    }
    spdlog::info("metrics server: serving /metrics on http://{}:{}", options_.host, port_);
    return OkStatus();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  uint64_t scrapes() const { return scrapes_.load(); }

 private:
  void Serve(httplib::Response* res) {
    // One scrape at a time: the source is then never called concurrently with
    // itself (httplib serves each connection on its own pool thread).
    std::lock_guard lock(scrape_mu_);
    try {
      const core::MetricsData data = source_();
      core::PrometheusRenderStats stats;
      const std::string body = core::RenderPrometheusText(data, options_.text, &stats);
      if (stats.skipped_delta_points + stats.skipped_type_conflicts +
              stats.skipped_duplicate_series >
          0) {
        spdlog::debug(
            "metrics server: skipped {} delta points, {} type conflicts, {} duplicate "
            "series",
            stats.skipped_delta_points, stats.skipped_type_conflicts,
            stats.skipped_duplicate_series);
      }
      res->set_content(body, std::string(core::kPrometheusTextContentType));
      scrapes_.fetch_add(1);
    } catch (const std::exception& e) {
      // The source is user code; an exception must not reach httplib's thread.
      spdlog::error("metrics server: metrics source failed: {}", e.what());
      res->status = 500;
      res->set_content("metrics source failed\n", "text/plain; charset=utf-8");
    }
  }

  MetricsServerOptions options_;
  Source source_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex scrape_mu_;
  std::atomic<uint64_t> scrapes_{0};
  int port_ = -1;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(MetricsServerOptions options,
                                                            Source source) {
  if (!source) return InvalidArgumentError("metrics server: no metrics source");
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgumentError("metrics server: port " + std::to_string(options.port) +
                                " is outside 0..65535");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(source));
  TFLO_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() = default;
int MetricsServer::port() const { return impl_->port(); }
void MetricsServer::Stop() { impl_->Stop(); }
uint64_t MetricsServer::scrapes() const { return impl_->scrapes(); }

}  // namespace tflo::workload
