// Command benchtool drives the exporter's binary for scripts/bench.sh:
//
//	benchtool scrape -url URL [-n 200] [-interval 50ms] [-during URL]
//
// scrapes URL as Prometheus does (its Accept header, gzip), one request at
// a time, and prints the latency percentiles; with -during it first POSTs
// that backfill URL with async=true and scrapes until the job has
// finished.
//
//	benchtool fleet -bin PATH -sizes 100,1000,5000,10000 [-days 1]
//
// starts the binary's simulator and server for each fleet size and prints
// a TSV row per size: discovery, first poll, one scrape and a backfill of
// -days days, each with its time and AWS calls, and the server's peak
// resident memory.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: benchtool scrape|fleet [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "scrape":
		err = scrapeCmd(args[1:], stdout)
	case "fleet":
		err = fleetCmd(args[1:], stdout, stderr)
	default:
		err = fmt.Errorf("unknown command %q: want scrape or fleet", args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "benchtool:", err)
		return 1
	}
	return 0
}
