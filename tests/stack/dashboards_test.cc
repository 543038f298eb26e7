// Static checks of dashboards/*.json against the Grafana provisioning of the
// stack: every dashboard parses, has a stable unique uid, refers only to the
// provisioned datasource uids, and every panel has queries. Whether those
// queries run is checked against a real Prometheus in
// tests/integration/stack_prometheus_test.cc.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tflo::testing::ReadFile;

const fs::path kRoot = TFLO_SOURCE_DIR;

struct Dashboard {
  fs::path path;
  json doc;
};

std::vector<Dashboard> LoadDashboards() {
  std::vector<Dashboard> out;
  for (const fs::directory_entry& entry : fs::directory_iterator(kRoot / "dashboards")) {
    if (entry.path().extension() != ".json") continue;
    out.push_back({entry.path(), json::parse(ReadFile(entry.path()))});
  }
  std::sort(out.begin(), out.end(),
            [](const Dashboard& a, const Dashboard& b) { return a.path < b.path; });
  return out;
}

std::set<std::string> ProvisionedDatasourceUids() {
  const YAML::Node doc =
      YAML::LoadFile((kRoot / "stack/grafana/provisioning/datasources/datasources.yaml").string());
  std::set<std::string> uids;
  for (const YAML::Node& ds : doc["datasources"]) uids.insert(ds["uid"].as<std::string>());
  return uids;
}

// Every panel, rows' nested panels included.
std::vector<json> Panels(const json& dashboard) {
  std::vector<json> out;
  for (const json& panel : dashboard.at("panels")) {
    out.push_back(panel);
    if (panel.contains("panels")) {
      for (const json& nested : panel.at("panels")) out.push_back(nested);
    }
  }
  return out;
}

// Calls `visit` with every "datasource" value anywhere in `node`.
void ForEachDatasource(const json& node, const std::function<void(const json&)>& visit) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "datasource") visit(value);
      ForEachDatasource(value, visit);
    }
  } else if (node.is_array()) {
    for (const json& item : node) ForEachDatasource(item, visit);
  }
}

TEST(DashboardsTest, EveryFileParsesWithAStableUniqueUid) {
  const std::vector<Dashboard> dashboards = LoadDashboards();

  ASSERT_GE(dashboards.size(), 6U);
  std::set<std::string> uids;
  for (const Dashboard& d : dashboards) {
    SCOPED_TRACE(d.path.filename().string());
    const std::string stem = d.path.stem().string();
    // <area>-<purpose>.json, and the uid is derived from the name, so links
    // (/d/<uid>) and alert annotations survive re-provisioning.
    EXPECT_TRUE(std::regex_match(stem, std::regex("[a-z0-9]+-[a-z0-9-]+"))) << stem;
    ASSERT_TRUE(d.doc.contains("uid"));
    const std::string uid = d.doc.at("uid").get<std::string>();
    EXPECT_EQ(uid, "tflo-" + stem);
    EXPECT_LE(uid.size(), 40U) << "Grafana limits uids to 40 characters";
    EXPECT_TRUE(uids.insert(uid).second) << "duplicate uid " << uid;
    EXPECT_FALSE(d.doc.value("title", "").empty());
    EXPECT_FALSE(d.doc.contains("id") && !d.doc.at("id").is_null())
        << "a provisioned dashboard must not carry a database id";
  }
}

TEST(DashboardsTest, TheIssueDashboardsExist) {
  std::set<std::string> uids;
  for (const Dashboard& d : LoadDashboards()) uids.insert(d.doc.at("uid").get<std::string>());

  for (const char* uid :
       {"tflo-service-red", "tflo-collector-pipeline", "tflo-onboarding-kpis",
        "tflo-lambda-overview", "tflo-coordination-work-items", "tflo-ecommerce-checkout"}) {
    EXPECT_TRUE(uids.contains(uid)) << uid;
  }
}

TEST(DashboardsTest, UseOnlyProvisionedDatasourceUids) {
  const std::set<std::string> provisioned = ProvisionedDatasourceUids();
  ASSERT_EQ(provisioned, (std::set<std::string>{"loki", "prometheus", "tempo"}));

  for (const Dashboard& d : LoadDashboards()) {
    SCOPED_TRACE(d.path.filename().string());
    int references = 0;
    ForEachDatasource(d.doc, [&](const json& ds) {
      ++references;
      // A datasource given by name (a string) or a ${DS_...} input would break
      // as soon as the names change; only uid objects are allowed.
      ASSERT_TRUE(ds.is_object()) << ds.dump();
      ASSERT_TRUE(ds.contains("uid")) << ds.dump();
      const std::string uid = ds.at("uid").get<std::string>();
      EXPECT_TRUE(provisioned.contains(uid)) << "unknown datasource uid " << uid;
      EXPECT_EQ(ds.value("type", ""), uid) << "type and uid disagree: " << ds.dump();
    });
    EXPECT_GT(references, 0);
  }
}

TEST(DashboardsTest, EveryPanelHasQueries) {
  for (const Dashboard& d : LoadDashboards()) {
    std::set<int> ids;
    for (const json& panel : Panels(d.doc)) {
      SCOPED_TRACE(d.path.filename().string() + ": " + panel.value("title", "?"));
      EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
      const json& pos = panel.at("gridPos");
      EXPECT_GE(pos.at("w").get<int>(), 1);
      EXPECT_LE(pos.at("x").get<int>() + pos.at("w").get<int>(), 24);
      if (panel.at("type") == "row") continue;
      EXPECT_FALSE(panel.value("title", "").empty());
      ASSERT_TRUE(panel.contains("targets"));
      ASSERT_FALSE(panel.at("targets").empty());
      std::set<std::string> ref_ids;
      for (const json& target : panel.at("targets")) {
        EXPECT_TRUE(ref_ids.insert(target.value("refId", "")).second) << "duplicate refId";
        EXPECT_FALSE(target.value("expr", "").empty()) << target.dump();
        EXPECT_TRUE(target.contains("datasource")) << target.dump();
      }
    }
  }
}

// The collector's own metrics on its default endpoint have no _total suffix
// (shared pipeline facts section 0); a dashboard or rule written with one
// would show nothing in the stack and on the no-Docker path alike.
TEST(DashboardsTest, CollectorMetricNamesCarryNoTotalSuffix) {
  const std::regex with_total("otelcol_[a-z_]+_total");
  std::vector<fs::path> files;
  for (const Dashboard& d : LoadDashboards()) files.push_back(d.path);
  for (const fs::directory_entry& entry :
       fs::directory_iterator(kRoot / "stack/prometheus/rules")) {
    files.push_back(entry.path());
  }

  for (const fs::path& file : files) {
    std::smatch match;
    const std::string text = ReadFile(file);
    EXPECT_FALSE(std::regex_search(text, match, with_total))
        << file.filename() << ": " << match.str();
  }
}

TEST(GrafanaProvisioningTest, DatasourcesCarryTheCrossSignalLinks) {
  const YAML::Node doc =
      YAML::LoadFile((kRoot / "stack/grafana/provisioning/datasources/datasources.yaml").string());
  std::map<std::string, YAML::Node> by_uid;
  for (const YAML::Node& ds : doc["datasources"]) by_uid[ds["uid"].as<std::string>()] = ds;

  ASSERT_EQ(by_uid.size(), 3U);
  const YAML::Node tempo = by_uid.at("tempo")["jsonData"];
  EXPECT_EQ(tempo["tracesToLogsV2"]["datasourceUid"].as<std::string>(), "loki");
  EXPECT_EQ(tempo["tracesToMetrics"]["datasourceUid"].as<std::string>(), "prometheus");
  EXPECT_EQ(tempo["serviceMap"]["datasourceUid"].as<std::string>(), "prometheus");
  EXPECT_GE(tempo["tracesToMetrics"]["queries"].size(), 1U);
  bool exemplar_to_tempo = false;
  for (const YAML::Node& dest :
       by_uid.at("prometheus")["jsonData"]["exemplarTraceIdDestinations"]) {
    exemplar_to_tempo |= dest["datasourceUid"].as<std::string>() == "tempo" &&
                         dest["name"].as<std::string>() == "trace_id";
  }
  EXPECT_TRUE(exemplar_to_tempo);
  bool logs_to_trace = false;
  for (const YAML::Node& field : by_uid.at("loki")["jsonData"]["derivedFields"]) {
    logs_to_trace |= field["datasourceUid"].as<std::string>() == "tempo" &&
                     field["matcherRegex"].as<std::string>() == "trace_id";
  }
  EXPECT_TRUE(logs_to_trace);
  EXPECT_TRUE(by_uid.at("prometheus")["isDefault"].as<bool>());
}

// The dashboard provider reads the folder docker compose mounts dashboards/
// into, and the home dashboard Grafana opens is one of them.
TEST(GrafanaProvisioningTest, DashboardProviderReadsTheComposeMount) {
  const YAML::Node provider =
      YAML::LoadFile((kRoot / "stack/grafana/provisioning/dashboards/dashboards.yaml").string());
  const YAML::Node compose = YAML::LoadFile((kRoot / "stack/docker-compose.yml").string());
  const std::string path = provider["providers"][0]["options"]["path"].as<std::string>();

  bool mounted = false;
  for (const YAML::Node& volume : compose["services"]["grafana"]["volumes"]) {
    mounted |= volume.as<std::string>() == "../dashboards:" + path + ":ro";
  }
  EXPECT_TRUE(mounted) << "no ../dashboards:" << path << ":ro volume on grafana";
  const std::string home =
      compose["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
          .as<std::string>();
  ASSERT_EQ(home.rfind(path + "/", 0), 0U) << home;
  EXPECT_TRUE(fs::exists(kRoot / "dashboards" / home.substr(path.size() + 1))) << home;
}

}  // namespace
