#include "tflo/core/prometheus_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace tflo::core {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;  // sorted by name

enum class FamilyType { kCounter, kGauge, kHistogram };

std::string_view TypeName(FamilyType type) {
  switch (type) {
    case FamilyType::kCounter:
      return "counter";
    case FamilyType::kGauge:
      return "gauge";
    case FamilyType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

struct Family {
  FamilyType type = FamilyType::kGauge;
  std::string help;
  std::string samples;               // rendered sample lines
  std::set<std::string> label_sets;  // rendered label sets already present
};

bool IsNameChar(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (allow_colon && c == ':');
}

std::string Sanitize(std::string_view name, bool allow_colon) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) out.push_back('_');
  for (char c : name) out.push_back(IsNameChar(c, allow_colon) ? c : '_');
  return out;
}

std::string EscapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Attributes -> sanitized labels; keys that collide after sanitizing are
// merged, values joined with ';' in the order of their original keys (the
// OpenTelemetry compatibility specification's rule).
Labels ToLabels(const Attributes& attributes) {
  std::map<std::string, std::map<std::string, std::string>> merged;
  for (const auto& kv : attributes) {
    auto& by_key = merged[SanitizePrometheusLabelName(kv.key)];
    by_key.emplace(kv.key, kv.value.ToString());  // first value of a repeated key wins
  }
  Labels out;
  out.reserve(merged.size());
  for (auto& [name, by_key] : merged) {
    std::string value;
    for (auto& [key, v] : by_key) {
      if (!value.empty()) value.push_back(';');
      value += v;
    }
    out.emplace_back(name, std::move(value));
  }
  return out;
}

void SetLabel(Labels* labels, const std::string& name, std::string value) {
  for (auto& [n, v] : *labels) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  labels->emplace_back(name, std::move(value));
  std::sort(labels->begin(), labels->end());
}

// `{a="x",b="y"` without the closing brace, so `le` can be appended; empty
// when there are no labels.
std::string OpenLabelSet(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += out.empty() ? "{" : ",";
    out += name;
    out += "=\"";
    out += EscapePrometheusLabelValue(value);
    out += '"';
  }
  return out;
}

std::string CloseLabelSet(const std::string& open) { return open.empty() ? open : open + "}"; }

std::string WithLabel(const std::string& open, std::string_view name, std::string_view value) {
  std::string out = open.empty() ? "{" : open + ",";
  out += name;
  out += "=\"";
  out += EscapePrometheusLabelValue(value);
  out += "\"}";
  return out;
}

void AddSample(Family* family, std::string_view name, const std::string& labels,
               const std::string& value, PrometheusRenderStats* stats) {
  family->samples += name;
  family->samples += labels;
  family->samples += ' ';
  family->samples += value;
  family->samples += '\n';
  ++stats->samples;
}

std::string FormatNumber(const NumberDataPoint& point) {
  if (const auto* i = std::get_if<int64_t>(&point.value)) return std::to_string(*i);
  return FormatPrometheusValue(std::get<double>(point.value));
}

struct ResourceLabels {
  Labels job_instance;  // job and/or instance, for every series
  Labels target_info;   // job, instance and the other resource attributes
};

ResourceLabels ResourceToLabels(const Resource& resource) {
  ResourceLabels out;
  const AnyValue* name = FindAttribute(resource.attributes, "service.name");
  const AnyValue* ns = FindAttribute(resource.attributes, "service.namespace");
  const AnyValue* instance = FindAttribute(resource.attributes, "service.instance.id");
  if (name != nullptr) {
    std::string job = name->ToString();
    if (ns != nullptr && !ns->ToString().empty()) job = ns->ToString() + "/" + job;
    out.job_instance.emplace_back("job", std::move(job));
  }
  if (instance != nullptr) out.job_instance.emplace_back("instance", instance->ToString());
  Attributes rest;
  for (const auto& kv : resource.attributes) {
    if (kv.key == "service.name" || kv.key == "service.namespace" ||
        kv.key == "service.instance.id") {
      continue;
    }
    rest.push_back(kv);
  }
  out.target_info = ToLabels(rest);
  for (const auto& [n, v] : out.job_instance) SetLabel(&out.target_info, n, v);
  return out;
}

class Renderer {
 public:
  Renderer(const PrometheusTextOptions& options, PrometheusRenderStats* stats)
      : options_(options), stats_(stats) {}

  void AddResource(const ResourceMetrics& rm) {
    const ResourceLabels resource = ResourceToLabels(rm.resource);
    if (options_.target_info && !rm.resource.attributes.empty()) {
      Family* family = GetFamily("target_info", FamilyType::kGauge, "Target metadata");
      if (family != nullptr) AddSeries(family, "target_info", resource.target_info, "1");
    }
    for (const auto& sm : rm.scope_metrics) {
      for (const auto& metric : sm.metrics) AddMetric(metric, resource.job_instance);
    }
  }

  std::string Finish() {
    std::string out;
    for (const auto& [name, family] : families_) {
      if (family.samples.empty()) continue;
      out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
      out += "# TYPE " + name + " " + std::string(TypeName(family.type)) + "\n";
      out += family.samples;
      ++stats_->families;
    }
    return out;
  }

 private:
  // The family `name`, created with `type` on first use; null when the name
  // already belongs to another type.
  Family* GetFamily(const std::string& name, FamilyType type, std::string_view help) {
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
      it->second.type = type;
      it->second.help = help.empty() ? name : std::string(help);
    } else if (it->second.type != type) {
      ++stats_->skipped_type_conflicts;
      return nullptr;
    }
    return &it->second;
  }

  Labels PointLabels(const Attributes& attributes, const Labels& resource) const {
    Labels labels = ToLabels(attributes);
    if (options_.resource_job_instance) {
      for (const auto& [n, v] : resource) SetLabel(&labels, n, v);
    }
    return labels;
  }

  // Adds one single-sample series unless its label set is already there.
  void AddSeries(Family* family, const std::string& name, const Labels& labels,
                 const std::string& value) {
    const std::string rendered = CloseLabelSet(OpenLabelSet(labels));
    if (!family->label_sets.insert(rendered).second) {
      ++stats_->skipped_duplicate_series;
      return;
    }
    AddSample(family, name, rendered, value, stats_);
  }

  void AddMetric(const Metric& metric, const Labels& resource) {
    const std::string name = SanitizePrometheusMetricName(metric.name);
    if (const auto* gauge = std::get_if<Gauge>(&metric.data)) {
      if (gauge->data_points.empty()) return;
      Family* family = GetFamily(name, FamilyType::kGauge, metric.description);
      if (family == nullptr) return;
      for (const auto& p : gauge->data_points) {
        AddSeries(family, name, PointLabels(p.attributes, resource), FormatNumber(p));
      }
    } else if (const auto* sum = std::get_if<Sum>(&metric.data)) {
      if (sum->data_points.empty()) return;
      if (sum->aggregation_temporality == AggregationTemporality::kDelta) {
        stats_->skipped_delta_points += sum->data_points.size();
        return;
      }
      const FamilyType type = sum->is_monotonic ? FamilyType::kCounter : FamilyType::kGauge;
      Family* family = GetFamily(name, type, metric.description);
      if (family == nullptr) return;
      for (const auto& p : sum->data_points) {
        AddSeries(family, name, PointLabels(p.attributes, resource), FormatNumber(p));
      }
    } else if (const auto* histogram = std::get_if<Histogram>(&metric.data)) {
      if (histogram->data_points.empty()) return;
      if (histogram->aggregation_temporality == AggregationTemporality::kDelta) {
        stats_->skipped_delta_points += histogram->data_points.size();
        return;
      }
      Family* family = GetFamily(name, FamilyType::kHistogram, metric.description);
      if (family == nullptr) return;
      for (const auto& p : histogram->data_points) AddHistogramPoint(family, name, p, resource);
    }
  }

  void AddHistogramPoint(Family* family, const std::string& name, const HistogramDataPoint& p,
                         const Labels& resource) {
    const std::string open = OpenLabelSet(PointLabels(p.attributes, resource));
    const std::string closed = CloseLabelSet(open);
    if (!family->label_sets.insert(closed).second) {
      ++stats_->skipped_duplicate_series;
      return;
    }
    const std::string bucket = name + "_bucket";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < p.explicit_bounds.size(); ++i) {
      if (i < p.bucket_counts.size()) cumulative += p.bucket_counts[i];
      AddSample(family, bucket, WithLabel(open, "le", FormatPrometheusValue(p.explicit_bounds[i])),
                std::to_string(cumulative), stats_);
    }
    uint64_t total = p.count;
    if (!p.bucket_counts.empty()) {
      total = 0;
      for (uint64_t c : p.bucket_counts) total += c;
    }
    AddSample(family, bucket, WithLabel(open, "le", "+Inf"), std::to_string(total), stats_);
    if (p.sum) AddSample(family, name + "_sum", closed, FormatPrometheusValue(*p.sum), stats_);
    AddSample(family, name + "_count", closed, std::to_string(total), stats_);
  }

  const PrometheusTextOptions& options_;
  PrometheusRenderStats* stats_;
  std::map<std::string, Family> families_;  // name order = output order
};

}  // namespace

std::string SanitizePrometheusMetricName(std::string_view name) { return Sanitize(name, true); }

std::string SanitizePrometheusLabelName(std::string_view name) { return Sanitize(name, false); }

std::string EscapePrometheusLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatPrometheusValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return "NaN";  // cannot happen: 32 bytes fit any double
  return std::string(buffer, end);
}

std::string RenderPrometheusText(const MetricsData& data, const PrometheusTextOptions& options,
                                 PrometheusRenderStats* stats) {
  PrometheusRenderStats local;
  if (stats == nullptr) stats = &local;
  *stats = PrometheusRenderStats{};
  Renderer renderer(options, stats);
  for (const auto& rm : data.resource_metrics) renderer.AddResource(rm);
  return renderer.Finish();
}

}  // namespace tflo::core
