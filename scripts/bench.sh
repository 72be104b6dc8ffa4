#!/usr/bin/env bash
# Measures the exporter side by side in one run, on this machine:
#  1. Go benchmarks: a live poll of 1000 instances and rendering its
#     /metrics; a fleet backfill of 1000 instances x 20 metrics x 7 days from
#     awssim; tsdbwriter against a bare tsdb.BlockWriter loop on the same
#     samples; the coverage scan.
#  2. The real CLI (`backfill --all`) against `simulate` in another process,
#     under /usr/bin/time: wall time and peak resident memory of the exporter
#     alone.
#  3. The same CLI backfill into each sink, side by side: blocks in a local
#     folder, remote write into the pinned Prometheus and into
#     VictoriaMetrics (built in isolation), and blocks uploaded over S3 to
#     gofakes3 (internal/testtools/s3server): samples/s over the sweep and
#     peak resident memory of the exporter alone; and the sinks' own Go
#     benchmarks.
# Usage: scripts/bench.sh [benchtime]   (default 3x). Results go to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-3x}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

echo "## go version: $(go version)"
echo "## machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo
echo "## Go benchmarks (-benchtime=$benchtime)"
go test -run '^$' -benchmem -benchtime="$benchtime" \
	-bench 'BenchmarkPoll$|BenchmarkScrape$' ./collector/
go test -run '^$' -benchmem -benchtime=1x -bench 'BenchmarkFleetBackfill|BenchmarkOneInstanceWeek' ./backfill/
go test -run '^$' -benchmem -benchtime="$benchtime" \
	-bench 'BenchmarkWriteBlocks|BenchmarkBareBlockWriter|BenchmarkScanCoverage' ./tsdbwriter/
go test -run '^$' -benchmem -benchtime="$benchtime" -bench . ./sink/remotewrite/ ./sink/bucket/ ./sink/e2e/

echo
echo "## CLI: backfill --all of 1000 simulated instances, 7 days, exporter process alone"
go build -o "$tmp/rds-backfill-exporter" ./cmd/exporter
command -v /usr/bin/time >/dev/null || { echo "install GNU time (apt-get install time) for peak memory"; exit 1; }
addr=127.0.0.1:$((20000 + RANDOM % 20000))
"$tmp/rds-backfill-exporter" --log.level=warn simulate --listen "$addr" --instances 1000 >/dev/null &
sleep 1
printf 'metrics:\n  statistics: [Average]\n' >"$tmp/average.yml"
for cfg in "$tmp/average.yml" ""; do
	rm -rf "$tmp/out"
	label="20 metrics x Average (3.36M samples)"
	[ -z "$cfg" ] && label="20 metrics x Average, Maximum (6.72M samples)"
	echo "### $label"
	AWS_ENDPOINT_URL="http://$addr" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
		/usr/bin/time -f '    wall %e s, peak RSS %M KiB' \
		"$tmp/rds-backfill-exporter" --log.level=warn backfill --all --days 7 \
		--output-dir "$tmp/out" --config.file="$cfg" 2>&1 | sed 's/^/    /'
	echo "    blocks on disk: $(du -sh "$tmp/out" | cut -f1)"
done

echo
echo "## Sinks: backfill --all of the same 1000 instances x 20 metrics x Average, 7 days (what awssim publishes of it), exporter process alone"
# The rate limit at its maximum, so that the sink, not the token bucket,
# shows in the rate; samples/s is samples over the sweep's duration (fetch
# and write), as the CLI reports them.
printf 'metrics:\n  statistics: [Average]\nrate_limit: {requests_per_second: 50, burst: 50}\n' >"$tmp/sinks.yml"
port() { echo $((20000 + RANDOM % 20000)); }
wait_http() {
	for _ in $(seq 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
	echo "no answer from $1"; return 1
}
run_sink() { # label, flags of the sink...
	local label=$1; shift
	rm -rf "$tmp/out"
	echo "### $label"
	AWS_ENDPOINT_URL="http://$addr" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
		/usr/bin/time -f '    wall %e s, peak RSS %M KiB' \
		"$tmp/rds-backfill-exporter" --log.level=warn backfill --all --days 7 \
		--output-dir "$tmp/out" --config.file="$tmp/sinks.yml" "$@" >"$tmp/sink.log" 2>&1
	sed 's/^/    /' "$tmp/sink.log"
	awk '/^backfilled/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^samples/) n = $i; s = $NF; sub(/s$/, "", s);
		printf "    %.2fM samples/s over the sweep\n", n / s / 1e6 }' "$tmp/sink.log"
}

run_sink "blocks in a local folder (--backfill.output-dir)"

prom=$(go tool -n prometheus)
pport=$(port)
mkdir -p "$tmp/prom"
printf 'storage:\n  tsdb:\n    out_of_order_time_window: 8d\n' >"$tmp/prom/prometheus.yml"
"$prom" --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/prom/data" \
	--web.listen-address="127.0.0.1:$pport" --web.enable-remote-write-receiver >"$tmp/prom/log" 2>&1 &
wait_http "http://127.0.0.1:$pport/-/ready"
run_sink "remote write into Prometheus v0.316.0" \
	--backfill.remote-write.url="http://127.0.0.1:$pport/api/v1/write" --backfill.coverage-query-url="http://127.0.0.1:$pport"

(cd /tmp && GOBIN="$tmp/bin" GOFLAGS= GOWORK=off go install github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@v1.151.0)
vport=$(port)
"$tmp/bin/victoria-metrics" -storageDataPath="$tmp/vm" -httpListenAddr="127.0.0.1:$vport" -retentionPeriod=1y -loggerLevel=WARN >"$tmp/vm.log" 2>&1 &
wait_http "http://127.0.0.1:$vport/health"
run_sink "remote write into VictoriaMetrics v1.151.0" \
	--backfill.remote-write.url="http://127.0.0.1:$vport/api/v1/write" --backfill.coverage-query-url="http://127.0.0.1:$vport"

go build -o "$tmp/s3server" ./internal/testtools/s3server
sport=$(port)
"$tmp/s3server" -listen "127.0.0.1:$sport" -bucket blocks &
wait_http "http://127.0.0.1:$sport/"
printf 'type: S3\nconfig:\n  bucket: blocks\n  endpoint: 127.0.0.1:%s\n  insecure: true\n  access_key: bench\n  secret_key: benchbench\n  region: us-east-1\n  bucket_lookup_type: path\n' "$sport" >"$tmp/objstore.yml"
run_sink "blocks uploaded over S3 (gofakes3)" --backfill.objstore.config-file="$tmp/objstore.yml"
