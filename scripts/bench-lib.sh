# shellcheck shell=bash
# Sourced by the benchmark scripts: a temporary folder ($tmp) removed on
# exit with the background processes listed in pids, a random local port,
# and a wait for an HTTP endpoint to answer.
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

port() { echo $((20000 + RANDOM % 20000)); }
wait_http() {
	for _ in $(seq 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
	echo "no answer from $1"
	return 1
}
