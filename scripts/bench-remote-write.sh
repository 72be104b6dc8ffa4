#!/usr/bin/env bash
# Compares the CLI backfill by remote write into Prometheus of this tree
# with that of another revision, side by side in one run: the fleet of
# scripts/bench.sh section 5 (backfill --all --days 7 of `simulate
# --instances 1000`, the default metrics x Average, rate limit 50/s), the
# simulator in another process, a fresh Prometheus (go tool prometheus,
# remote-write receiver, out-of-order window 8d) for each run, the two
# binaries alternating. For each run: the sweep's samples/s, wall time, CPU
# and peak RSS of the exporter alone (GNU time), the receiver's write
# requests, samples per request and samples it took out of order, and the
# CPU time of the receiver (with its start) and the simulator.
# Usage: scripts/bench-remote-write.sh [BASE_REV] [ROUNDS] [BACKFILL_FLAGS...]
# (default d9a34c3, the revision before the backfill wrote a block window
# at a time, and 3 rounds).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-d9a34c3}
rounds=${2:-3}
shift $(($# < 2 ? $# : 2))
flags=("$@")
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
go build -o "$tmp/new" ./cmd/exporter
mkdir "$tmp/base"
git archive "$base" | tar -x -C "$tmp/base"
(cd "$tmp/base" && go build -o "$tmp/old" ./cmd/exporter)
prom=$(go tool -n prometheus)
sim=127.0.0.1:$(port)
"$tmp/new" --log.level=warn simulate --listen "$sim" --instances 1000 >/dev/null &
simpid=$!
pids+=("$simpid")
wait_http "http://$sim/awssim/counters"
printf 'metrics:\n  statistics: [Average]\nrate_limit: {requests_per_second: 50, burst: 50}\n' >"$tmp/sinks.yml"
printf 'storage:\n  tsdb:\n    out_of_order_time_window: 8d\n' >"$tmp/prometheus.yml"
cputime() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
metric() { awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { print s + 0 }' "$tmp/metrics"; }
run() { # label binary
	local label=$1 bin=$2 pp
	rm -rf "$tmp/data" "$tmp/out"
	pp=127.0.0.1:$(port)
	"$prom" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
		--web.listen-address="$pp" --web.enable-remote-write-receiver >"$tmp/prom.log" 2>&1 &
	pids+=($!)
	wait_http "http://$pp/-/ready"
	local load sim0
	load=$(cut -d' ' -f1 /proc/loadavg)
	sim0=$(cputime "$simpid")
	AWS_ENDPOINT_URL="http://$sim" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
		/usr/bin/time -f 'wall %e s, CPU %U+%S s, peak RSS %M KiB' \
		"$bin" --log.level=warn backfill --all --days 7 --output-dir "$tmp/out" --config.file="$tmp/sinks.yml" \
		--backfill.remote-write.url="http://$pp/api/v1/write" --backfill.coverage-query-url="http://$pp" \
		"${flags[@]}" >"$tmp/cli.log" 2>&1
	curl -s "http://$pp/metrics" >"$tmp/metrics"
	kill "${pids[-1]}"
	wait "${pids[-1]}" 2>/dev/null || true
	local reqs samples
	reqs=$(metric 'prometheus_http_requests_total{code="204",handler="/api/v1/write"}')
	samples=$(metric prometheus_tsdb_head_samples_appended_total)
	printf '%-4s load %s | %s | %s | receiver: %d requests, %.0f samples each, %d of %d samples out of order, CPU %.1f s | simulator CPU %.1f s\n' \
		"$label" "$load" \
		"$(awk '/^backfilled/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^samples/) n = $i; s = $NF; sub(/s$/, "", s); printf "%.2fM samples/s over the sweep", n / s / 1e6 }' "$tmp/cli.log")" \
		"$(grep '^wall' "$tmp/cli.log")" "$reqs" "$(awk -v s="$samples" -v r="$reqs" 'BEGIN { print r ? s / r : 0 }')" \
		"$(metric prometheus_tsdb_head_out_of_order_samples_appended_total)" "$samples" "$(metric process_cpu_seconds_total)" \
		"$(awk -v a="$sim0" -v b="$(cputime "$simpid")" 'BEGIN { print b - a }')"
	grep -v -e '^wall' -e '^backfilled' "$tmp/cli.log" | sed 's/^/    /' || true
}
echo "## $(go version); $(nproc) cores; old is $base ($(git rev-parse --short "$base")), new is this tree ($(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', modified')); backfill flags: ${flags[*]:-none}"
for _ in $(seq "$rounds"); do
	run old "$tmp/old"
	run new "$tmp/new"
done
