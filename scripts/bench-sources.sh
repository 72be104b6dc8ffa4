#!/usr/bin/env bash
# Measures the backfill of Enhanced Monitoring and Performance Insights with
# the real CLI (`backfill --all --source ...`) against `simulate` in another
# process, under /usr/bin/time: wall time and peak resident memory of the
# exporter alone. Each case's events are every 1 or 60 seconds of history,
# read page by page (1 MB of events each) and written block by block, so
# peak memory should not grow with the range.
#
# Usage: scripts/bench-sources.sh [quick|full]   (default quick)
#   quick: 1 instance x 1 and 3 days of 1 s Enhanced Monitoring (86,400 and
#          259,200 events), 100 instances x 3 days at 60 s (432,000 events),
#          100 instances x 7 days of Performance Insights: a few minutes.
#   full:  adds 1 instance x 10 and 30 days of 1 s (864,000 and 2.59M
#          events), 20 instances x 1 day at 1 s (1.73M events) and 100
#          instances x 30 days at 60 s (4.32M events): about 20 minutes on a
#          2-core machine, most of it the simulator writing the events' JSON.
#   30 days x 100 instances at 1 s (259M events) would take about nine hours
#   here; with one 1 s instance per batch it repeats the 1 x 30 days case.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-quick}
case $mode in quick | full) ;; *) echo "usage: $0 [quick|full]"; exit 2 ;; esac
command -v /usr/bin/time >/dev/null || { echo "install GNU time (apt-get install time) for peak memory"; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/rds-backfill-exporter" ./cmd/exporter
# The rate limit at its maximum, so that the exporter and the simulator,
# not the token bucket, show.
printf 'rate_limit: {requests_per_second: 50, burst: 50}\n' >"$tmp/config.yml"

sim_pid=
# start_sim starts the simulator with the flags given, on a port the
# system picks, and sets addr.
start_sim() {
	if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
	"$tmp/rds-backfill-exporter" --log.level=warn simulate --listen 127.0.0.1:0 "$@" >"$tmp/sim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 100); do
		addr=$(sed -n 's#^Simulated AWS .* at http://\([0-9.:]*\)$#\1#p' "$tmp/sim.log")
		[ -n "$addr" ] && return 0
		kill -0 "$sim_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the simulator did not start: $(cat "$tmp/sim.log")"
	exit 1
}

# run label source days: one CLI backfill of every instance, from scratch.
run() {
	local label=$1 source=$2 days=$3
	rm -rf "$tmp/out"
	echo "### $label"
	AWS_ENDPOINT_URL="http://$addr" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
		/usr/bin/time -f '    wall %e s, peak RSS %M KiB' \
		"$tmp/rds-backfill-exporter" --log.level=warn backfill --all --source "$source" --days "$days" \
		--backfill.max-days=30 --output-dir "$tmp/out" --config.file="$tmp/config.yml" 2>&1 | sed 's/^/    /'
	echo "    blocks on disk: $(du -sh "$tmp/out" | cut -f1)"
}

echo "## go version: $(go version)"
echo "## machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "## Enhanced Monitoring and Performance Insights backfills ($mode)"
start_sim --instances 1 --monitoring-interval 1
run "Enhanced Monitoring, 1 instance x 1 day at 1 s (86,400 events)" enhanced-monitoring 1
run "Enhanced Monitoring, 1 instance x 3 days at 1 s (259,200 events)" enhanced-monitoring 3
if [ "$mode" = full ]; then
	run "Enhanced Monitoring, 1 instance x 10 days at 1 s (864,000 events)" enhanced-monitoring 10
	run "Enhanced Monitoring, 1 instance x 30 days at 1 s (2.59M events)" enhanced-monitoring 30
	start_sim --instances 20 --monitoring-interval 1
	run "Enhanced Monitoring, 20 instances x 1 day at 1 s (1.73M events)" enhanced-monitoring 1
fi
start_sim --instances 100 --monitoring-interval 60
run "Enhanced Monitoring, 100 instances x 3 days at 60 s (432,000 events)" enhanced-monitoring 3
if [ "$mode" = full ]; then
	run "Enhanced Monitoring, 100 instances x 30 days at 60 s (4.32M events)" enhanced-monitoring 30
fi
run "Performance Insights, 100 instances x 7 days at 1 min" performance-insights 7
