#!/usr/bin/env bash
# Plays the hostile user against the real binary, with the simulator in
# another process, and prints what each scenario of README "Reliability"
# measures. The disk and unwritable scenarios mount tmpfs volumes and need
# root (as in CI); without root they say so and the others run.
# Usage: scripts/reliability.sh [scenario...]
#   scenarios: sigterm faults concurrent bodies ids scrape disk memory
#   identity sts discovery unwritable small (default: all)
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
# $sim, and $simstart to when it started.
simulate() {
	local n=$1
	shift
	for _ in 1 2 3 4 5; do
		sim=127.0.0.1:$(port)
		simstart=$(now)
		"$bin" --log.level=error simulate --listen "$sim" --instances "$n" "$@" >"$tmp/simulate.log" 2>&1 &
		awsenv=(AWS_ENDPOINT_URL="http://$sim" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x)
		await $! "http://$sim/awssim/counters" && return
	done
	cat "$tmp/simulate.log" >&2
	exit 1
}

# aws ARGS...: runs the exporter with the SDK pointed at the simulator.
aws() { env "${awsenv[@]}" "$bin" --log.level=error "$@"; }

# serve [FLAGS...]: starts the exporter on a free port and waits until it
# is ready; sets $exp and $pid.
serve() { serve_until /-/ready "$@"; }

# serve_until PROBE [FLAGS...]: serve, waiting for PROBE to answer 200.
serve_until() {
	local probe=$1
	shift
	for _ in 1 2 3 4 5; do
		exp=127.0.0.1:$(port)
		# A simple command, so that $! is the exporter's PID.
		env "${awsenv[@]}" "$bin" --log.level=error serve --web.listen-address="$exp" "$@" >"$tmp/serve.log" 2>&1 &
		pid=$!
		await "$pid" "http://$exp$probe" && return
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

# metric NAME: prints the value of the unlabeled metric NAME the exporter
# serves.
metric() { curl -s "http://$exp/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }

# series NAME: prints how many series of NAME the exporter serves.
series() { curl -s "http://$exp/metrics" | grep -c "^$1{" || true; }

# requests ACTION: prints how many requests of ACTION the simulator saw.
requests() { curl -s "http://$sim/awssim/counters" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2 | grep . || echo 0; }

sigterm() {
	echo "## SIGTERM during a fleet backfill (500 instances and their clusters, 7 days)"
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
	echo "    rerun: hours_backfilled $(json hours_backfilled <<<"$body"), hours_skipped_covered $(json hours_skipped_covered <<<"$body"), hours_empty $(json hours_empty <<<"$body"), of hours_total $(json hours_total <<<"$body")"
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
	echo "## /metrics while a fleet backfill runs (1000 instances and their clusters, 7 days)"
	simulate 1000
	serve --backfill.output-dir="$tmp/scrape"
	local job n
	job=$(post '/api/v1/metrics/backfill?days=7&async=true' | json job_id)
	while [[ $(curl -s "http://$exp/api/v1/backfill/jobs/$job") == *'"state": "running"'* ]]; do
		curl -s -o /dev/null -w '%{time_total}\n' "http://$exp/metrics"
	done | sort -n >"$tmp/times"
	n=$(wc -l <"$tmp/times")
	echo "    $n scrapes during the backfill of $(curl -s "http://$exp/api/v1/backfill/jobs/$job" | json samples_written) samples:" \
		"median $(sed -n "$(((n + 1) / 2))p" "$tmp/times") s, p99 $(sed -n "$(((n * 99 + 99) / 100))p" "$tmp/times") s, max $(tail -1 "$tmp/times") s"
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

memory() {
	echo "## memory of a fleet backfill (500 instances, 2 days, CLI) by period and --backfill.batch-samples (default 8000000)"
	simulate 500
	local args kb secs
	for args in "--backfill.period=1h" "--backfill.period=5m" "--backfill.period=5m --backfill.batch-samples=2000000" \
		"--backfill.period=5m --backfill.batch-samples=16000000" "--backfill.period=1m"; do
		# shellcheck disable=SC2086 # $args is several flags.
		/usr/bin/time -f '%M %e' -o "$tmp/time" env "${awsenv[@]}" "$bin" --log.level=error backfill --all --days 2 $args \
			--output-dir "$tmp/memory" >"$tmp/memory.out" 2>&1
		read -r kb secs <"$tmp/time"
		echo "    $args: peak RSS $((kb / 1024)) MiB in $secs s; $(grep -o '[0-9]* samples in [0-9]* blocks.*GetMetricData calls' "$tmp/memory.out")"
		rm -rf "$tmp/memory"
	done
	stop
}

identity() {
	echo "## the same identifiers in two regions and two accounts (3 instances each)"
	simulate 3 --regions us-east-1,eu-west-1 --accounts 123456789012,210987654321
	printf 'regions: [us-east-1, eu-west-1]\naccounts:\n  - role_arn: arn:aws:iam::123456789012:role/rds\n  - role_arn: arn:aws:iam::210987654321:role/rds\n' >"$tmp/identity.yml"
	serve --config.file="$tmp/identity.yml" --backfill.output-dir="$tmp/identity"
	local r a body
	for r in us-east-1 eu-west-1; do
		for a in 123456789012 210987654321; do
			body=$(post "/api/v1/instances/sim-postgres-01/metrics/backfill?days=2&region=$r&account_id=$a")
			echo "    sim-postgres-01 in $r, $a: hours_backfilled $(json hours_backfilled <<<"$body"), hours_skipped_covered $(json hours_skipped_covered <<<"$body"), status ${body##* }"
		done
	done
	body=$(post "/api/v1/instances/sim-postgres-01/metrics/backfill?days=2&region=eu-west-1&account_id=210987654321")
	echo "    again in eu-west-1, 210987654321: hours_backfilled $(json hours_backfilled <<<"$body"), hours_skipped_covered $(json hours_skipped_covered <<<"$body")"
	stop
}

sts() {
	echo "## STS unreachable: GetCallerIdentity answers 503 (5 instances in account 210987654321)"
	simulate 5 --account-id 210987654321 --fault.outage GetCallerIdentity
	local t0 body
	t0=$(now)
	serve --backfill.output-dir="$tmp/sts"
	echo "    ready $(since "$t0") s after start; account_id of the live CPU series: $(curl -s "http://$exp/metrics" |
		sed -n 's/^aws_rds_cpuutilization_average{.*account_id="\([0-9]*\)".*/\1/p' | sort | uniq -c | tr -s ' \n' ' ')"
	body=$(post '/api/v1/instances/sim-postgres-01/metrics/backfill?days=1')
	echo "    backfill of sim-postgres-01: status ${body##* }, hours_backfilled $(json hours_backfilled <<<"$body"); GetCallerIdentity requests: $(requests GetCallerIdentity)"
	stop
}

discovery() {
	echo "## discovery failing for the first minute: DescribeDBInstances answers 503 (5 instances)"
	simulate 5 --fault.outage DescribeDBInstances=60s
	local recovered n=0 during=
	recovered=$(awk -v a="$simstart" 'BEGIN { printf "%.2f", a + 60 }')
	serve_until /-/healthy --backfill.output-dir="$tmp/discovery"
	until curl -fs -o /dev/null "http://$exp/-/ready"; do
		n=$((n + 1))
		[ -n "$during" ] || [ "$(since "$simstart" | cut -d. -f1)" -lt 30 ] ||
			during="instances $(curl -s "http://$exp/api/v1/instances" | grep -c '"id"'), last_poll_success $(metric rds_backfill_exporter_last_poll_success)"
		sleep 0.2
	done
	echo "    at 30 s: $during; /-/ready answered 503 $n times"
	echo "    ready $(since "$recovered") s after discovery recovered; then instances $(curl -s "http://$exp/api/v1/instances" | grep -c '"id"')," \
		"last_poll_success $(metric rds_backfill_exporter_last_poll_success), $(series aws_rds_cpuutilization_average) live CPU series;" \
		"DescribeDBInstances requests: $(requests DescribeDBInstances)"
	stop
}

unwritable() {
	echo "## read-only output folder at start (5 instances)"
	if [ "$(id -u)" != 0 ]; then
		echo "    needs root to mount a read-only tmpfs"
		return
	fi
	simulate 5
	vol=$(mktemp -d -p "$tmp")
	mount -t tmpfs -o ro,size=1m tmpfs "$vol"
	mounts+=("$vol")
	serve --backfill.output-dir="$vol/backfill"
	echo "    ready; /metrics $(curl -s -o /dev/null -w '%{http_code}' "http://$exp/metrics") with $(series aws_rds_cpuutilization_average) live CPU series"
	echo "    POST backfill: $(post '/api/v1/metrics/backfill?days=1' | tr -s ' \n' ' ')"
	stop
}

small() {
	echo "## HEAD /metrics, connections without a request"
	simulate 2
	serve --backfill.output-dir="$tmp/small"
	echo "    HEAD /metrics: $(curl -s -I -o /dev/null -w '%{http_code}' "http://$exp/metrics")"
	local t0
	t0=$(now)
	exec 3<>"/dev/tcp/${exp%:*}/${exp#*:}"
	cat <&3 >/dev/null || true
	exec 3<&-
	echo "    a connection that sends no request is closed after $(since "$t0") s"
	stop
}

scenarios=("$@")
[ $# -gt 0 ] || scenarios=(sigterm faults concurrent bodies ids scrape disk memory identity sts discovery unwritable small)
for scenario in "${scenarios[@]}"; do
	"$scenario"
done
