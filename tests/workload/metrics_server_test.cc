#include "tflo/workload/metrics_server.h"

#include <httplib.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include "tflo/core/prometheus_text.h"

namespace tflo::workload {
namespace {

// A producer's state, guarded the way the server's documentation asks for.
class Counter {
 public:
  void Add(int64_t n) {
    std::lock_guard lock(mu_);
    value_ += n;
  }
  core::MetricsData Snapshot() const {
    std::lock_guard lock(mu_);
    core::Metric m{"onboarding_requests_total", "Onboarding requests.", "", core::Sum{}};
    core::NumberDataPoint p;
    p.attributes = {{"customer.type", "premium"}};
    p.value = value_;
    std::get<core::Sum>(m.data).data_points = {p};
    core::ResourceMetrics rm;
    rm.resource.attributes = {{"service.name", "onboarding-api"}};
    rm.scope_metrics = {core::ScopeMetrics{{}, {m}, ""}};
    core::MetricsData data;
    data.resource_metrics = {rm};
    return data;
  }

 private:
  mutable std::mutex mu_;
  int64_t value_ = 0;
};

std::unique_ptr<MetricsServer> StartServer(const Counter& counter, int port = 0) {
  MetricsServerOptions options;
  options.port = port;
  auto server = MetricsServer::Start(options, [&counter] { return counter.Snapshot(); });
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

TEST(MetricsServerTest, ServesTheCurrentMetricsAsPrometheusText) {
  Counter counter;
  counter.Add(7);
  auto server = StartServer(counter);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  httplib::Client client("127.0.0.1", server->port());

  auto first = client.Get("/metrics");
  counter.Add(5);
  auto second = client.Get("/metrics");

  ASSERT_TRUE(first) << httplib::to_string(first.error());
  ASSERT_TRUE(second) << httplib::to_string(second.error());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  Counter seven;
  seven.Add(7);
  EXPECT_EQ(first->body, core::RenderPrometheusText(seven.Snapshot()));
  EXPECT_NE(first->body.find(
                "onboarding_requests_total{customer_type=\"premium\",job=\"onboarding-api\"} 7\n"),
            std::string::npos)
      << first->body;
  EXPECT_NE(second->body.find(
                "onboarding_requests_total{customer_type=\"premium\",job=\"onboarding-api\"} 12\n"),
            std::string::npos)
      << second->body;
  EXPECT_EQ(server->scrapes(), 2U);
}

TEST(MetricsServerTest, OtherPathsAnswer404) {
  Counter counter;
  auto server = StartServer(counter);
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());

  auto root = client.Get("/");
  auto other = client.Get("/metrics/extra");

  ASSERT_TRUE(root);
  ASSERT_TRUE(other);
  EXPECT_EQ(root->status, 404);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(server->scrapes(), 0U);
}

TEST(MetricsServerTest, StopJoinsAndClosesThePort) {
  Counter counter;
  auto server = StartServer(counter);
  ASSERT_NE(server, nullptr);
  const int port = server->port();

  server->Stop();
  server->Stop();  // idempotent
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  auto after = client.Get("/metrics");

  EXPECT_FALSE(after);
}

TEST(MetricsServerTest, BusyPortIsUnavailable) {
  Counter counter;
  auto first = StartServer(counter);
  ASSERT_NE(first, nullptr);
  MetricsServerOptions options;
  options.port = first->port();

  auto second = MetricsServer::Start(options, [&counter] { return counter.Snapshot(); });

  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << second.status().message();
}

TEST(MetricsServerTest, RejectsMissingSourceAndBadPort) {
  MetricsServerOptions bad_port;
  bad_port.port = 70000;

  EXPECT_EQ(MetricsServer::Start({}, nullptr).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsServer::Start(bad_port, [] { return core::MetricsData{}; }).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MetricsServerTest, FailingSourceAnswers500) {
  MetricsServerOptions options;
  auto server = MetricsServer::Start(
      options, []() -> core::MetricsData { throw std::runtime_error("snapshot failed"); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client client("127.0.0.1", (*server)->port());

  auto res = client.Get("/metrics");

  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
}

}  // namespace
}  // namespace tflo::workload
