// Static checks of the stack's own files: the collector config is one tflo's
// parser and workload model accept (the actuators rewrite it, the no-Docker
// path simulates it) and has the shape the dashboards rely on; the compose
// file publishes on loopback only, pins its images and mounts what the reload
// and provisioning need. `docker-compose config -q` and promtool run as their
// own ctest entries (tests/stack/CMakeLists.txt).
#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "test_util.h"
#include "tflo/core/collector_config.h"
#include "tflo/workload/collector_model.h"

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = TFLO_SOURCE_DIR;
const fs::path kCollectorConfig = kRoot / "stack/otel-collector/config.yaml";

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(StackCollectorConfigTest, ParseCollectorConfigAcceptsIt) {
  const auto config = tflo::core::LoadCollectorConfig(kCollectorConfig);

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(config->TracesPipeline(), nullptr);
}

TEST(StackCollectorConfigTest, TheWorkloadModelAcceptsIt) {
  const auto config = tflo::core::LoadCollectorConfig(kCollectorConfig);
  ASSERT_TRUE(config.ok()) << config.status().message();

  const tflo::Status status = tflo::workload::ValidateForModel(*config);

  EXPECT_TRUE(status.ok()) << status.message();
}

// RED metrics must count every span: the span_metrics connector hangs off a
// traces pipeline without a sampler, while the Tempo pipeline samples.
TEST(StackCollectorConfigTest, SpanMetricsSeeEverySpanAndTempoGetsTheSampledOnes) {
  const auto config = tflo::core::LoadCollectorConfig(kCollectorConfig);
  ASSERT_TRUE(config.ok()) << config.status().message();

  const tflo::core::PipelineConfig* primary = config->TracesPipeline();
  ASSERT_NE(primary, nullptr);
  EXPECT_EQ(primary->processors,
            (std::vector<std::string>{"memory_limiter", "tail_sampling", "batch"}));
  ASSERT_NE(config->ExporterFor(*primary), nullptr);
  EXPECT_EQ(config->ExporterFor(*primary)->id, "otlp_grpc/tempo");
  const tflo::core::SpanMetricsConnectorConfig* spanmetrics = nullptr;
  for (const tflo::core::PipelineConfig& pipeline : config->pipelines) {
    if (pipeline.id.rfind("traces", 0) != 0) continue;
    EXPECT_EQ(pipeline.processors.front(), "memory_limiter") << pipeline.id;
    if (const auto* connector = config->SpanMetricsFor(pipeline)) {
      spanmetrics = connector;
      EXPECT_FALSE(Contains(pipeline.processors, "tail_sampling")) << pipeline.id;
      EXPECT_EQ(pipeline.receivers, primary->receivers) << pipeline.id;
    }
  }
  ASSERT_NE(spanmetrics, nullptr) << "no traces pipeline feeds a span_metrics connector";
  EXPECT_EQ(config->service_graph_connectors.size(), 1U);
}

// The names and labels every dashboard and rule queries:
// traces_span_metrics_calls_total, traces_span_metrics_duration_milliseconds_*,
// http_request_method, http_response_status_code.
TEST(StackCollectorConfigTest, SpanMetricsProduceTheContractNames) {
  const auto config = tflo::core::LoadCollectorConfig(kCollectorConfig);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->span_metrics_connectors.size(), 1U);

  const tflo::core::SpanMetricsConnectorConfig& c = config->span_metrics_connectors.begin()->second;

  EXPECT_EQ(c.metric_namespace, "traces.span.metrics");
  EXPECT_EQ(c.histogram_unit, "ms");
  EXPECT_FALSE(c.histogram_disable);
  EXPECT_FALSE(c.delta_temporality) << "Prometheus needs cumulative counters";
  std::vector<std::string> dimensions;
  for (const auto& d : c.dimensions) dimensions.push_back(d.name);
  EXPECT_EQ(dimensions,
            (std::vector<std::string>{"http.request.method", "http.response.status_code"}));
  EXPECT_TRUE(c.exclude_dimensions.empty());
}

TEST(StackCollectorConfigTest, TailSamplingKeepsErrorsSlowAndPriorityWork) {
  const auto config = tflo::core::LoadCollectorConfig(kCollectorConfig);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->tail_samplers.count("tail_sampling"), 1U);

  const tflo::core::TailSamplingConfig& tail = config->tail_samplers.at("tail_sampling");

  std::set<std::string> types;
  for (const auto& policy : tail.policies) {
    types.insert(policy.type);
    if (policy.type == "status_code") {
      EXPECT_EQ(policy.status_codes, (std::vector<std::string>{"ERROR"}));
    } else if (policy.type == "string_attribute") {
      // The attribute the coordination workload sets on its work-item spans.
      EXPECT_EQ(policy.key, "work.priority");
      EXPECT_EQ(std::set<std::string>(policy.values.begin(), policy.values.end()),
                (std::set<std::string>{"critical", "high"}));
    } else if (policy.type == "probabilistic") {
      EXPECT_GT(policy.sampling_percentage, 0);
      EXPECT_LT(policy.sampling_percentage, 100);
    } else if (policy.type == "latency") {
      EXPECT_GT(policy.threshold_ms, 0);
    }
  }
  EXPECT_EQ(types,
            (std::set<std::string>{"latency", "probabilistic", "status_code", "string_attribute"}));
}

class ComposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    compose_ = YAML::LoadFile((kRoot / "stack/docker-compose.yml").string());
  }
  YAML::Node compose_;
};

TEST_F(ComposeTest, RunsTheWholeStack) {
  std::set<std::string> services;
  for (const auto& entry : compose_["services"]) services.insert(entry.first.as<std::string>());

  EXPECT_EQ(services, (std::set<std::string>{"grafana", "loki", "otel-collector", "prometheus",
                                             "tempo", "workload"}));
}

TEST_F(ComposeTest, PublishesPortsOnLoopbackByDefault) {
  for (const auto& entry : compose_["services"]) {
    for (const YAML::Node& port : entry.second["ports"]) {
      EXPECT_EQ(port.as<std::string>().rfind("${TFLO_BIND_ADDRESS:-127.0.0.1}:", 0), 0U)
          << entry.first.as<std::string>() << ": " << port.as<std::string>();
    }
  }
}

TEST_F(ComposeTest, EveryServiceHasAHealthcheckAndARestartPolicy) {
  for (const auto& entry : compose_["services"]) {
    const std::string name = entry.first.as<std::string>();
    const YAML::Node test = entry.second["healthcheck"]["test"];
    ASSERT_TRUE(test.IsSequence()) << name;
    EXPECT_EQ(test[0].as<std::string>(), "CMD") << name;
    EXPECT_EQ(entry.second["restart"].as<std::string>(), "unless-stopped") << name;
  }
}

// Pinned versions, never a floating tag; Prometheus stays on 2.5x so the
// config remains valid for the promtool 2.42 the tests run.
TEST_F(ComposeTest, PinsEveryUpstreamImage) {
  const std::regex pinned(R"([a-z0-9./-]+:v?[0-9]+\.[0-9]+\.[0-9]+)");
  std::vector<std::string> images;
  for (const auto& entry : compose_["services"]) {
    if (entry.second["build"]) {
      for (const auto& arg : entry.second["build"]["args"]) {
        images.push_back(arg.second.as<std::string>());
      }
    } else {
      images.push_back(entry.second["image"].as<std::string>());
    }
  }

  ASSERT_EQ(images.size(), 5U);  // collector, tempo, loki (as build args), prometheus, grafana
  for (const std::string& image : images) {
    EXPECT_TRUE(std::regex_match(image, pinned)) << image;
  }
  EXPECT_TRUE(std::regex_match(compose_["services"]["prometheus"]["image"].as<std::string>(),
                               std::regex(R"(prom/prometheus:v2\.5[0-9]\.[0-9]+)")));
}

TEST_F(ComposeTest, StatefulServicesKeepDataInNamedVolumes) {
  std::set<std::string> named;
  for (const auto& volume : compose_["volumes"]) named.insert(volume.first.as<std::string>());

  for (const char* service : {"prometheus", "tempo", "loki", "grafana", "workload"}) {
    bool has_named = false;
    for (const YAML::Node& volume : compose_["services"][service]["volumes"]) {
      const std::string spec = volume.as<std::string>();
      has_named |= named.contains(spec.substr(0, spec.find(':')));
    }
    EXPECT_TRUE(has_named) << service;
  }
}

// The actuators replace config.yaml atomically (write + rename); a bind mount
// of the single file would keep showing the old inode to the collector, so
// the folder is mounted and the collector reads the file inside it.
TEST_F(ComposeTest, CollectorSeesTheConfigFileTheActuatorsRewrite) {
  const YAML::Node collector = compose_["services"]["otel-collector"];
  bool folder_mounted = false;
  for (const YAML::Node& volume : collector["volumes"]) {
    folder_mounted |= volume.as<std::string>() == "./otel-collector:/etc/otelcol-contrib:ro";
  }

  EXPECT_TRUE(folder_mounted);
  EXPECT_EQ(collector["command"][0].as<std::string>(), "--config=/etc/otelcol-contrib/config.yaml");
}

TEST_F(ComposeTest, WorkloadRunsInRealTimeAgainstTheCollector) {
  std::vector<std::string> command;
  for (const YAML::Node& arg : compose_["services"]["workload"]["command"]) {
    command.push_back(arg.as<std::string>());
  }

  EXPECT_TRUE(Contains(command, "--realtime"));
  const auto endpoint = std::find(command.begin(), command.end(), "--otlp-endpoint");
  ASSERT_NE(endpoint, command.end());
  ASSERT_NE(endpoint + 1, command.end());
  EXPECT_EQ(*(endpoint + 1), "otel-collector:4317");
  // The model inside the workload reads the file the real collector runs.
  const auto config = std::find(command.begin(), command.end(), "--collector-config");
  ASSERT_NE(config, command.end());
  ASSERT_NE(config + 1, command.end());
  bool mounted = false;
  for (const YAML::Node& volume : compose_["services"]["workload"]["volumes"]) {
    const std::string spec = volume.as<std::string>();
    const size_t colon = spec.find(':');
    const std::string target = spec.substr(colon + 1, spec.rfind(':') - colon - 1);
    mounted |= spec.rfind("./otel-collector:", 0) == 0 && *(config + 1) == target + "/config.yaml";
  }
  EXPECT_TRUE(mounted) << *(config + 1) << " is not the mounted stack/otel-collector/config.yaml";
  EXPECT_EQ(compose_["services"]["workload"]["build"]["dockerfile"].as<std::string>(),
            "Dockerfile");
  EXPECT_TRUE(fs::exists(kRoot / "Dockerfile"));
}

// The image builds `tflo` the way scripts/install-deps.sh lets a machine
// build it: every -dev package the build links (not the test and benchmark
// ones) is installed in the Dockerfile's build stage too.
TEST(DockerfileTest, BuildStageInstallsTheLibrariesInstallDepsInstalls) {
  const std::string deps = tflo::testing::ReadFile(kRoot / "scripts/install-deps.sh");
  const std::string dockerfile = tflo::testing::ReadFile(kRoot / "Dockerfile");
  const size_t open = deps.find("packages=(");
  ASSERT_NE(open, std::string::npos);
  const size_t close = deps.find(')', open);
  ASSERT_NE(close, std::string::npos);
  const std::string list = deps.substr(open, close - open);
  const std::set<std::string> test_only = {"libgtest-dev", "libgmock-dev", "libbenchmark-dev"};
  const std::regex dev_package(R"(\b([a-z0-9.+-]+-dev)\b)");
  int checked = 0;
  for (auto it = std::sregex_iterator(list.begin(), list.end(), dev_package);
       it != std::sregex_iterator(); ++it) {
    const std::string package = (*it)[1];
    if (test_only.count(package) != 0) continue;
    ++checked;
    EXPECT_TRUE(std::regex_search(dockerfile, std::regex("[ \\t]" + package + "[ \\n]")))
        << package << " is in scripts/install-deps.sh but not in the Dockerfile";
  }
  EXPECT_GE(checked, 10);
}

}  // namespace
