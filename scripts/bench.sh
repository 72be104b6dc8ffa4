#!/usr/bin/env bash
# Measures the exporter side by side in one run, on this machine:
#  1. Go benchmarks: a live poll of 1000 instances and rendering its
#     /metrics; a fleet backfill of 1000 instances x 20 metrics x 7 days from
#     awssim; tsdbwriter against a bare tsdb.BlockWriter loop on the same
#     samples; the coverage scan.
#  2. The real CLI (`backfill --all`) against `simulate` in another process,
#     under /usr/bin/time: wall time and peak resident memory of the exporter
#     alone.
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
