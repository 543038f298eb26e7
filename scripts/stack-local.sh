#!/usr/bin/env bash
# The no-Docker path of the tflo stack (`make stack-local`): Debian's real
# Prometheus on 127.0.0.1 with the stack's rule files
# (stack/prometheus/prometheus-local.yml), scraping the workload in real time:
#   tflo workload run --scenario mixed --realtime --listen 127.0.0.1:8000 \
#     --collector-config stack/otel-collector/config.yaml
# whose /metrics serves the business metrics plus what its model of the
# collector produces under the real collector's names (otelcol_*,
# traces_span_metrics_*), so the dashboards' queries answer as in the stack.
# Everything stays on 127.0.0.1; data and logs go to a local state directory
# (.stack-local/; the workload's OTLP files there grow ~25 MB per minute, hence
# the 1h default). Ctrl-C stops both; if either stops on its own (the workload
# at the end of --duration), the other is stopped too.
#
# Usage: scripts/stack-local.sh [--tflo PATH] [--state DIR] [--scenario NAME|FILE]
#                               [--duration 1h] [--prometheus-port 9090]
#                               [--workload-port 8000]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tflo=$root/build/cli/tflo
state=$root/.stack-local
scenario=mixed
duration=1h
prometheus_port=${PROMETHEUS_PORT:-9090}
workload_port=${WORKLOAD_PORT:-8000}
prometheus=${PROMETHEUS:-$(command -v prometheus || echo /usr/bin/prometheus)}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "stack-local: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tflo) tflo=${2:?}; shift 2 ;;
    --state) state=${2:?}; shift 2 ;;
    --scenario) scenario=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --prometheus-port) prometheus_port=${2:?}; shift 2 ;;
    --workload-port) workload_port=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -x "$tflo" ] || die "no tflo binary at $tflo: run 'make build' first"
[ -x "$prometheus" ] || die "no prometheus binary: install Debian's prometheus (bash scripts/install-deps.sh)"
mkdir -p "$state/prometheus"

# The shipped config targets 127.0.0.1:9090 / :8000; other ports get a copy
# in the state directory (rule files then by absolute path).
config=$root/stack/prometheus/prometheus-local.yml
if [ "$prometheus_port" != 9090 ] || [ "$workload_port" != 8000 ]; then
  config=$state/prometheus-local.yml
  sed -e "s#127\.0\.0\.1:9090#127.0.0.1:$prometheus_port#" \
      -e "s#127\.0\.0\.1:8000#127.0.0.1:$workload_port#" \
      -e "s#- rules/#- $root/stack/prometheus/rules/#" \
      "$root/stack/prometheus/prometheus-local.yml" > "$config"
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
on_signal() {
  echo "stack-local: stopping Prometheus and the workload" >&2
  stop_all
  exit 130
}
trap on_signal INT TERM
trap stop_all EXIT

"$prometheus" \
  --config.file="$config" \
  --storage.tsdb.path="$state/prometheus" \
  --storage.tsdb.retention.time=2d \
  --web.listen-address="127.0.0.1:$prometheus_port" \
  --web.enable-remote-write-receiver \
  --web.enable-lifecycle \
  --enable-feature=exemplar-storage \
  > "$state/prometheus.log" 2>&1 &
pids+=($!)

"$tflo" workload run --scenario "$scenario" --realtime \
  --listen "127.0.0.1:$workload_port" \
  --collector-config "$root/stack/otel-collector/config.yaml" \
  --duration "$duration" --otlp-format binary --out "$state/workload" \
  > "$state/workload.log" 2>&1 &
pids+=($!)

cat <<EOF
stack-local: running (Ctrl-C stops both)
  Prometheus       http://127.0.0.1:$prometheus_port   (rules: stack/prometheus/rules, data: $state/prometheus)
  workload         http://127.0.0.1:$workload_port/metrics   (scenario $scenario for $duration)
  logs             $state/prometheus.log, $state/workload.log
EOF

status=0
wait -n "${pids[@]}" || status=$?
echo "stack-local: a process ended (exit $status); stopping the other" >&2
for log in prometheus workload; do
  echo "--- last lines of $state/$log.log" >&2
  tail -n 5 "$state/$log.log" >&2 || true
done
exit "$status"
