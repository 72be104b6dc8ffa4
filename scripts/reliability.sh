#!/usr/bin/env bash
# Plays the hostile user against the real binary, with the simulator in
# another process, and prints what each scenario of README "Reliability"
# measures. The disk scenario mounts tmpfs volumes and needs root (as in
# CI); without root it says so and the others run.
# Usage: scripts/reliability.sh [scenario...]
#   scenarios: sigterm faults concurrent bodies ids scrape disk (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
mounts=()
awsenv=()
pid=
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
bin=$tmp/rds-backfill-exporter
go build -o "$bin" ./cmd/exporter

port() { echo $((20000 + RANDOM % 20000)); }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# await PID URL: waits up to a minute for URL to answer 200 while PID runs.
await() {
	for _ in $(seq 300); do
		curl -fs -o /dev/null "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# simulate INSTANCES [FLAGS...]: starts the simulator on a free port; sets
# $sim.
simulate() {
	local n=$1
	shift
	for _ in 1 2 3 4 5; do
		sim=127.0.0.1:$(port)
		"$bin" --log.level=error simulate --listen "$sim" --instances "$n" "$@" >"$tmp/simulate.log" 2>&1 &
		awsenv=(AWS_ENDPOINT_URL="http://$sim" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x)
		await $! "http://$sim/awssim/counters" && return
	done
	cat "$tmp/simulate.log" >&2
	exit 1
}

# aws ARGS...: runs the exporter with the SDK pointed at the simulator.
aws() { env "${awsenv[@]}" "$bin" --log.level=error "$@"; }

# serve [FLAGS...]: starts the exporter on a free port; sets $exp and $pid.
serve() {
	for _ in 1 2 3 4 5; do
		exp=127.0.0.1:$(port)
		# A simple command, so that $! is the exporter's PID.
		env "${awsenv[@]}" "$bin" --log.level=error serve --web.listen-address="$exp" "$@" >"$tmp/serve.log" 2>&1 &
		pid=$!
		await "$pid" "http://$exp/-/ready" && return
	done
	cat "$tmp/serve.log" >&2
	exit 1
}

# stop: stops the exporter and the simulator.
stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
}

# post PATH: POSTs to the exporter and prints the body and the status.
post() { curl -s -XPOST -w ' %{http_code}' "http://$exp$1"; }

# json KEY: prints the first value of KEY in the JSON on stdin.
json() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -1; }

sigterm() {
	echo "## SIGTERM during a fleet backfill (500 instances, 7 days)"
	simulate 500
	serve --backfill.output-dir="$tmp/sigterm"
	post '/api/v1/metrics/backfill?days=7&async=true' >/dev/null
	until compgen -G "$tmp/sigterm/01*" >/dev/null; do sleep 0.05; done
	local t0 body
	t0=$(now)
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	echo "    exited $(since "$t0") s after SIGTERM"
	echo "    left in the output folder: $(compgen -G "$tmp/sigterm/01*/meta.json" | wc -l) complete blocks, $(find "$tmp/sigterm" -mindepth 1 -maxdepth 1 ! -name '01*' | wc -l) other entries"
	serve --backfill.output-dir="$tmp/sigterm"
	body=$(post '/api/v1/metrics/backfill?days=7')
	echo "    rerun: hours_backfilled $(json hours_backfilled <<<"$body"), hours_skipped_covered $(json hours_skipped_covered <<<"$body"), hours_empty $(json hours_empty <<<"$body"), of $((500 * 168))"
	stop
}

faults() {
	echo "## CloudWatch answering 10% 5xx with 2 s latency (20 instances, 7 days, CLI backfill)"
	simulate 20 --fault.error-rate 0.1 --fault.latency 2s
	local t0
	t0=$(now)
	aws backfill --all --days 7 --output-dir "$tmp/faults" 2>&1 | tail -1 | sed 's/^/    /'
	echo "    exit 0 after $(since "$t0") s; $(compgen -G "$tmp/faults/01*/meta.json" | wc -l) complete blocks"
	stop
}

concurrent() {
	echo "## 30 concurrent POSTs of a fleet backfill (200 instances)"
	simulate 200
	serve --backfill.output-dir="$tmp/concurrent"
	seq 30 | xargs -P 30 -I{} curl -s -o /dev/null -w '%{http_code}\n' -XPOST "http://$exp/api/v1/metrics/backfill?days=7" |
		sort | uniq -c | sed 's/^ */    /; s/ \([0-9]*\)$/ answered \1/'
	stop
}

bodies() {
	echo "## a 300 MB request body"
	simulate 5
	serve --backfill.output-dir="$tmp/bodies"
	local code
	code=$(head -c 300M /dev/zero | curl -s -o /dev/null -w '%{http_code}' -XPOST --data-binary @- \
		"http://$exp/api/v1/instances/sim-postgres-01/metrics/backfill?days=1" || true)
	echo "    answered $code; exporter peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status"); /metrics then $(curl -s -o /dev/null -w '%{http_code}' "http://$exp/metrics")"
	stop
}

ids() {
	echo "## hostile identifiers and days"
	simulate 5
	serve --backfill.output-dir="$tmp/ids"
	local p=/api/v1/instances/sim-postgres-01/metrics/backfill
	for path in '/api/v1/instances/..%2F..%2Fetc/metrics/backfill' '/api/v1/instances/sim-postgres-01//metrics/backfill' \
		"$p?days=-1" "$p?days=1e9" "$p?days=99999999999999999999" "$p?days=100000" "$p?async=maybe"; do
		echo "    POST $path: $(curl -s -o /dev/null -w '%{http_code}' -XPOST "http://$exp$path")"
	done
	stop
}

scrape() {
	echo "## /metrics while a fleet backfill runs (1000 instances, 7 days: 6.7M samples)"
	simulate 1000
	serve --backfill.output-dir="$tmp/scrape"
	local job n
	job=$(post '/api/v1/metrics/backfill?days=7&async=true' | json job_id)
	while [[ $(curl -s "http://$exp/api/v1/backfill/jobs/$job") == *'"state": "running"'* ]]; do
		curl -s -o /dev/null -w '%{time_total}\n' "http://$exp/metrics"
	done | sort -n >"$tmp/times"
	n=$(wc -l <"$tmp/times")
	echo "    $n scrapes during the backfill: median $(sed -n "$(((n + 1) / 2))p" "$tmp/times") s," \
		"p99 $(sed -n "$(((n * 99 + 99) / 100))p" "$tmp/times") s, max $(tail -1 "$tmp/times") s"
	stop
}

# tmpfs SIZE: mounts a tmpfs of SIZE; sets $vol to its folder.
tmpfs() {
	vol=$(mktemp -d -p "$tmp")
	mount -t tmpfs -o "size=$1" tmpfs "$vol"
	mounts+=("$vol")
}

disk() {
	echo "## small and full volumes"
	if [ "$(id -u)" != 0 ]; then
		echo "    needs root to mount tmpfs volumes"
		return
	fi
	simulate 5
	tmpfs 64m
	aws backfill --instance sim-postgres-01 --days 1 --output-dir "$vol" 2>&1 | tail -1 | sed 's/^/    64 MiB volume, one instance, 1 day: /'
	echo "    blocks: $(du -sh --exclude='.*' "$vol" | cut -f1)"
	tmpfs 1m
	serve --backfill.output-dir="$vol"
	echo "    1 MiB volume: $(post '/api/v1/instances/sim-postgres-01/metrics/backfill?days=1' | tr -s ' \n' ' ')"
	echo "    /metrics meanwhile: $(curl -s -o /dev/null -w '%{http_code}' "http://$exp/metrics"); blocks on the volume: $(compgen -G "$vol/01*" | wc -l)"
	stop
}

scenarios=("$@")
[ $# -gt 0 ] || scenarios=(sigterm faults concurrent bodies ids scrape disk)
for scenario in "${scenarios[@]}"; do
	"$scenario"
done
