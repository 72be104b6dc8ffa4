#!/usr/bin/env bash
# Measures the exporter side by side in one run, on this machine; the
# README's Benchmarks section holds the figures of one run. Each section
# says what it measures; the CLI runs use the binary of this tree against
# its simulator in another process, under GNU time (the exporter process
# alone).
#  1. Go benchmarks: a live poll of 1000 instances, serving /metrics from
#     its rendering and rendering it; fleet backfills from awssim;
#     tsdbwriter and a bare tsdb.BlockWriter loop on the same samples; the
#     coverage scan; the sinks.
#  2. Backfill memory: `backfill --all` of 1000 dense instances (every one
#     publishes every metric; static instances, no discovery, so no Aurora
#     cluster) x 20 metrics x 2 statistics x 7 days (6.72M samples) and x
#     Average (3.36M), of the default-config fleet (discovery), of 455 days
#     of 50 dense instances, and of 100, 1000 and 5000 dense instances at a
#     fixed --backfill.batch-samples (with the command's --memory-limit
#     auto, its default, and off).
#  3. The whole pipeline (fetch, decode, write; the simulator in another
#     process) against the bare BlockWriter loop of section 1 on the same
#     samples, as a ratio.
#  4. /metrics of the 1000 dense instances (about 41,000 series), p50/p99
#     as Prometheus scrapes it (gzip), idle and while the server backfills
#     their week (6.72M samples).
#  5. The sinks: the CLI backfill into each store.
#  6. Full mode only: 100, 1000, 5000 and 10,000 instances (discovery, first
#     poll, a scrape, a one-day backfill): time, AWS calls and peak RSS
#     against fleet size, as a table and docs/fleet-scale.png.
# Usage: scripts/bench.sh [full] [benchtime]   (benchtime default 3x).
# BENCH_BASE=REV (a git revision) adds the fleet-size runs of section 2
# with that revision's binary, for a before and after in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
full=false
if [ "${1:-}" = full ]; then
	full=true
	shift
fi
benchtime=${1:-3x}
if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
	echo "scripts/bench.sh needs GNU time (/usr/bin/time -f) for the peak memory of each process: apt-get install time" >&2
	exit 1
fi
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bin=$tmp/rds-backfill-exporter
go build -o "$bin" ./cmd/exporter
go build -o "$tmp/benchtool" ./internal/benchtool
# sim ARGS...: starts a simulator in the background; its address in $simaddr.
simaddr=
sim() {
	simaddr=127.0.0.1:$(port)
	"$bin" --log.level=warn simulate --listen "$simaddr" "$@" >/dev/null &
	pids+=($!)
	wait_http "http://$simaddr/awssim/counters"
}
# cli ADDR LABEL ARGS...: the CLI backfill against the simulator at ADDR.
cli() {
	local addr=$1 label=$2
	shift 2
	rm -rf "$tmp/out"
	echo "### $label"
	AWS_ENDPOINT_URL="http://$addr" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
		/usr/bin/time -f '    wall %e s, CPU %U s user + %S s system, peak RSS %M KiB' \
		"${clibin:-$bin}" --log.level=warn backfill --all --output-dir "$tmp/out" "$@" >"$tmp/cli.log" 2>&1
	sed 's/^/    /' "$tmp/cli.log"
	echo "    blocks on disk: $(du -sh "$tmp/out" | cut -f1)"
}
twenty="CPUUtilization DatabaseConnections FreeStorageSpace FreeableMemory ReadIOPS WriteIOPS ReadLatency WriteLatency ReadThroughput WriteThroughput NetworkReceiveThroughput NetworkTransmitThroughput DiskQueueDepth SwapUsage BurstBalance CPUCreditBalance ReplicaLag EBSByteBalance% EBSIOBalance% DBLoad"
# config FILE STATISTICS [STATIC_INSTANCES]: the 20 metrics pinned (the
# fixed shape of the figures), the rate limit at CloudWatch's quota, and
# optionally that many static instances of the simulator, no discovery.
config() {
	{
		[ -n "${3:-}" ] && echo "discovery: {enabled: false}"
		printf 'metrics:\n  defaults: false\n  statistics: [%s]\n  add:\n' "$2"
		for m in $twenty; do echo "    - {name: $m}"; done
		echo "rate_limit: {requests_per_second: 50, burst: 50}"
		if [ -n "${3:-}" ]; then
			echo "static:"
			awk -v n="$3" 'BEGIN { split("postgres mysql mariadb aurora-postgresql", e, " ");
				for (i = 0; i < n; i++) printf "  - {id: sim-%s-%02d, region: us-east-1}\n", e[i % 4 + 1], i + 1 }'
		fi
	} >"$1"
}

echo "## go version: $(go version)"
echo "## machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## 1. Go benchmarks (-benchtime=$benchtime)"
go test -run '^$' -benchmem -benchtime="$benchtime" -bench 'BenchmarkPoll$|BenchmarkScrape$|BenchmarkRender$' ./collector/
fleetsize='BenchmarkBackfillFleetSize/instances=(100|1000)$'
$full && fleetsize='BenchmarkBackfillFleetSize'
go test -run '^$' -benchmem -benchtime=1x -timeout 60m \
	-bench "BenchmarkFleetBackfill|BenchmarkOneInstanceWeek|$fleetsize" ./backfill/
go test -run '^$' -benchmem -benchtime="$benchtime" \
	-bench 'BenchmarkWriteBlocks|BenchmarkBareBlockWriter|BenchmarkScanCoverage' ./tsdbwriter/ | tee "$tmp/tsdbwriter.txt"
go test -run '^$' -benchmem -benchtime="$benchtime" -bench . ./sink/remotewrite/ ./sink/bucket/ ./sink/e2e/

echo
echo "## 2. Backfill memory: backfill --all, exporter process alone"
if [ -n "${BENCH_BASE:-}" ]; then
	# The fleet week and the fleet sizes also with the binary of another
	# revision, for a before and after in one run.
	mkdir "$tmp/base"
	git archive "$BENCH_BASE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go build -o "$tmp/base-exporter" ./cmd/exporter)
fi
sim --instances 1000 --dense
dense=$simaddr
config "$tmp/twenty.yml" "Average, Maximum" 1000
config "$tmp/average.yml" "Average" 1000
printf 'rate_limit: {requests_per_second: 50, burst: 50}\n' >"$tmp/default.yml"
cli "$dense" "1000 dense instances x 20 metrics x Average, Maximum x 7 days (6.72M samples)" --days 7 --config.file="$tmp/twenty.yml"
cp "$tmp/cli.log" "$tmp/pipeline.log"
if [ -n "${BENCH_BASE:-}" ]; then
	clibin=$tmp/base-exporter cli "$dense" "the same, $BENCH_BASE" --days 7 --config.file="$tmp/twenty.yml"
fi
cli "$dense" "1000 dense instances x 20 metrics x Average x 7 days (3.36M samples)" --days 7 --config.file="$tmp/average.yml"
sim --instances 1000
fleet=$simaddr
cli "$fleet" "the default-config fleet x 7 days: 1000 instances of simulate and their Aurora clusters, discovered, each with the metrics ListMetrics lists of the defaults" --days 7 --config.file="$tmp/default.yml"
sim --instances 50 --dense
config "$tmp/fifty.yml" "Average, Maximum" 50
cli "$simaddr" "50 dense instances x 20 metrics x Average, Maximum x 455 days (21.8M samples)" --days 455 --backfill.max-days=455 --config.file="$tmp/fifty.yml"
kill "${pids[-1]}"
echo "### Fleet size at --backfill.batch-samples=500000, 7 days: the default --memory-limit=auto, and off (the CPU it costs)"
for n in 100 1000 5000; do
	sim --instances "$n" --dense
	config "$tmp/static.yml" "Average, Maximum" "$n"
	for limit in auto off; do
		cli "$simaddr" "$n dense instances x 20 metrics x Average, Maximum x 7 days, --memory-limit=$limit" --days 7 --config.file="$tmp/static.yml" --backfill.batch-samples=500000 --memory-limit=$limit
	done
	if [ -n "${BENCH_BASE:-}" ]; then
		clibin=$tmp/base-exporter cli "$simaddr" "$n dense instances x 20 metrics x Average, Maximum x 7 days, $BENCH_BASE" --days 7 --config.file="$tmp/static.yml" --backfill.batch-samples=500000
	fi
	kill "${pids[-1]}"
done

echo
echo "## 3. The pipeline against a bare tsdb.BlockWriter loop, 6.72M samples"
sweep=$(awk '/^backfilled/ { s = $NF; sub(/s$/, "", s); print s }' "$tmp/pipeline.log")
bare=$(awk '/^BenchmarkBareBlockWriter\/1000x40x168/ { for (i = 1; i <= NF; i++) if ($i == "ns/op") print $(i-1) / 1e9 }' "$tmp/tsdbwriter.txt")
awk -v s="$sweep" -v b="$bare" 'BEGIN { printf "sweep of the CLI (fetch from the simulator in another process, decode, write) %.2f s; bare BlockWriter loop %.2f s; ratio %.2f\n", s, b, s / b }'

echo
echo "## 4. /metrics of the 1000 dense instances x 20 metrics x 2 statistics, as Prometheus scrapes it"
sport=127.0.0.1:$(port)
AWS_ENDPOINT_URL="http://$dense" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
	"$bin" --log.level=warn serve --web.listen-address "$sport" --config.file "$tmp/twenty.yml" --backfill.output-dir "$tmp/serve" &
pids+=($!)
wait_http "http://$sport/-/ready"
echo "series: $(curl -s "http://$sport/metrics" | grep -c '^aws_rds_')"
echo "idle: $("$tmp/benchtool" scrape -url "http://$sport/metrics" -n 200)"
echo "during a backfill of the fleet's week (6.72M samples): $("$tmp/benchtool" scrape -url "http://$sport/metrics" -during "http://$sport/api/v1/metrics/backfill?days=7")"
echo "server's peak RSS: $(awk '/VmHWM/ { print $2 " KiB" }' "/proc/${pids[-1]}/status")"

echo
echo "## 5. Sinks: backfill --all of 1000 instances x 20 metrics x Average, 7 days (what awssim publishes of it), exporter process alone"
# The rate limit at its maximum, so that the sink, not the token bucket,
# shows in the rate; samples/s is samples over the sweep's duration (fetch
# and write), as the CLI reports them.
addr=$fleet
printf 'metrics:\n  statistics: [Average]\nrate_limit: {requests_per_second: 50, burst: 50}\n' >"$tmp/sinks.yml"
run_sink() { # label, flags of the sink...
	local label=$1
	shift
	rm -rf "$tmp/out"
	echo "### $label"
	AWS_ENDPOINT_URL="http://$addr" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
		/usr/bin/time -f '    wall %e s, peak RSS %M KiB' \
		"$bin" --log.level=warn backfill --all --days 7 \
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
pids+=($!)
wait_http "http://127.0.0.1:$pport/-/ready"
run_sink "remote write into Prometheus v0.316.0" \
	--backfill.remote-write.url="http://127.0.0.1:$pport/api/v1/write" --backfill.coverage-query-url="http://127.0.0.1:$pport"

(cd /tmp && GOBIN="$tmp/bin" GOFLAGS='' GOWORK=off go install github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@v1.151.0)
vport=$(port)
"$tmp/bin/victoria-metrics" -storageDataPath="$tmp/vm" -httpListenAddr="127.0.0.1:$vport" -retentionPeriod=1y -loggerLevel=WARN >"$tmp/vm.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$vport/health"
run_sink "remote write into VictoriaMetrics v1.151.0" \
	--backfill.remote-write.url="http://127.0.0.1:$vport/api/v1/write" --backfill.coverage-query-url="http://127.0.0.1:$vport"

go build -o "$tmp/s3server" ./internal/testtools/s3server
sport=$(port)
"$tmp/s3server" -listen "127.0.0.1:$sport" -bucket blocks &
pids+=($!)
wait_http "http://127.0.0.1:$sport/"
printf 'type: S3\nconfig:\n  bucket: blocks\n  endpoint: 127.0.0.1:%s\n  insecure: true\n  access_key: bench\n  secret_key: benchbench\n  region: us-east-1\n  bucket_lookup_type: path\n' "$sport" >"$tmp/objstore.yml"
run_sink "blocks uploaded over S3 (gofakes3)" --backfill.objstore.config-file="$tmp/objstore.yml"

if $full; then
	echo
	echo "## 6. Fleet size: discovery, first poll, a scrape and a one-day backfill of the default-config fleet (rate limit 50/s)"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	mkdir -p docs
	"$tmp/benchtool" fleet -bin "$bin" -sizes 100,1000,5000,10000 -days 1 | tee docs/fleet-scale.tsv
	go run ./internal/benchplot -in docs/fleet-scale.tsv -out docs/fleet-scale.png | tee docs/fleet-scale.md
fi
