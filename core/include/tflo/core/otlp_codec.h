// Conversions between the tflo telemetry model (model.h) and the OTLP protobuf
// messages generated from core/proto (wire-compatible with opentelemetry-proto:
// same packages, message names and field numbers).
//
// Used by the OTLP file reader/writer and by the OTLP/gRPC exporter and
// receiver. ToProto never fails; FromProto fails only on ids of the wrong
// length. Summary and exponential-histogram metrics are skipped on decode
// (the model does not carry them). Pure functions, thread-safe.
#ifndef TFLO_CORE_OTLP_CODEC_H_
#define TFLO_CORE_OTLP_CODEC_H_

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tflo/core/model.h"
#include "tflo/core/status.h"

namespace tflo::core {

namespace otlp_trace = ::opentelemetry::proto::collector::trace::v1;
namespace otlp_metrics = ::opentelemetry::proto::collector::metrics::v1;
namespace otlp_logs = ::opentelemetry::proto::collector::logs::v1;

void ToProto(const TracesData& in, otlp_trace::ExportTraceServiceRequest* out);
void ToProto(const MetricsData& in, otlp_metrics::ExportMetricsServiceRequest* out);
void ToProto(const LogsData& in, otlp_logs::ExportLogsServiceRequest* out);

Result<TracesData> FromProto(const otlp_trace::ExportTraceServiceRequest& in);
Result<MetricsData> FromProto(const otlp_metrics::ExportMetricsServiceRequest& in);
Result<LogsData> FromProto(const otlp_logs::ExportLogsServiceRequest& in);

}  // namespace tflo::core

#endif  // TFLO_CORE_OTLP_CODEC_H_
