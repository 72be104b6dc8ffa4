// Command gen writes the dashboards of package dashboards as JSON files.
// Run it through `go generate ./dashboards`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/dashboards"
)

func main() { os.Exit(run()) }

func run() int {
	out := flag.String("out", dashboards.JSONDir, "folder to write the dashboard JSON files into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	if err := dashboards.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	return 0
}
