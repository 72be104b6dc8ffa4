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
	outSnake := flag.String("out-snake-case", dashboards.SnakeCaseJSONDir, "folder to write the dashboards for --labels.snake-case into")
	rules := flag.String("rules", dashboards.RulesDir, "folder of the rule files, whose snake-case variants are written into its "+dashboards.SnakeCaseDir+" folder")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	if err := dashboards.Write(*out, *outSnake); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	if err := dashboards.WriteRules(*rules); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	return 0
}
