// Command benchplot draws the exporter's cost curve from the TSV that
// `benchtool fleet` prints: time, AWS calls and peak memory against fleet
// size, as a PNG of three panels, and prints the same as a Markdown table.
//
//	benchplot -in fleet.tsv -out docs/fleet-scale.png > table.md
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchplot:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("benchplot", flag.ContinueOnError)
	in := fs.String("in", "", "TSV of benchtool fleet")
	out := fs.String("out", "fleet-scale.png", "PNG to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, err := readTable(*in)
	if err != nil {
		return err
	}
	if err := draw3(t, *out); err != nil {
		return err
	}
	t.markdown(stdout)
	return nil
}

// table is the TSV: a header and rows of numbers.
type table struct {
	head []string
	rows [][]float64
}

func readTable(path string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	recs, err := r.ReadAll()
	if err != nil {
		return table{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(recs) < 2 {
		return table{}, errors.New("no rows")
	}
	t := table{head: recs[0]}
	for _, rec := range recs[1:] {
		row := make([]float64, len(rec))
		for i, v := range rec {
			if row[i], err = strconv.ParseFloat(v, 64); err != nil {
				return t, fmt.Errorf("read %s: %s: %w", path, t.head[i], err)
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// xy returns the points (instances, column) of a column.
func (t table) xy(column string) plotter.XYs {
	c := t.col(column)
	pts := make(plotter.XYs, len(t.rows))
	for i, row := range t.rows {
		pts[i] = plotter.XY{X: row[0], Y: row[c]}
	}
	return pts
}

func (t table) col(name string) int {
	for i, h := range t.head {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

// panel is one plot: a title, a y label and its lines (legend, column,
// scale).
type panel struct {
	title, y string
	logY     bool
	lines    []line
}

type line struct {
	legend, column string
	scale          float64
}

var panels = []panel{
	{"Time", "seconds", true, []line{
		{"first discovery", "discovery_s", 1}, {"first poll", "poll_s", 1},
		{"backfill of one day", "backfill_s", 1}, {"one scrape (x10)", "scrape_ms", 0.01},
	}},
	{"AWS calls", "requests", true, []line{
		{"discovery (Describe*, ListMetrics, tags)", "discovery_calls", 1}, {"poll (GetMetricData)", "poll_calls", 1},
		{"backfill of one day (GetMetricData)", "backfill_calls", 1},
	}},
	{"Memory", "MB", false, []line{{"server's peak RSS", "peak_rss_mb", 1}}},
}

// draw3 draws the panels side by side into a PNG, fleet sizes and the
// costs that span orders of magnitude on logarithmic axes.
func draw3(t table, path string) error {
	plots := [][]*plot.Plot{make([]*plot.Plot, len(panels))}
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title + " against fleet size"
		p.X.Label.Text = "DB instances"
		p.Y.Label.Text = pn.y
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		if pn.logY {
			p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		} else {
			p.Y.Min = 0
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Title.TextStyle.Font.Size = vg.Points(14)
		p.Legend.TextStyle.Font.Size = vg.Points(11)
		p.Add(plotter.NewGrid())
		var args []any
		for _, l := range pn.lines {
			pts := t.xy(l.column)
			for j := range pts {
				pts[j].Y *= l.scale
			}
			args = append(args, l.legend, pts)
		}
		if err := plotutil.AddLinePoints(p, args...); err != nil {
			return err
		}
		plots[0][i] = p
	}
	img := vgimg.NewWith(vgimg.UseWH(18*vg.Inch, 6*vg.Inch), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Inch / 3, PadY: vg.Inch / 4,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align(plots, tiles, dc)
	for i, p := range plots[0] {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// markdown prints the table with readable headers.
func (t table) markdown(w io.Writer) {
	heads := map[string]string{
		"instances": "DB instances", "series": "series on /metrics", "discovery_s": "discovery (s)", "discovery_calls": "discovery calls",
		"poll_s": "first poll (s)", "poll_calls": "poll calls", "scrape_ms": "scrape p50 (ms)", "scrape_bytes": "scrape bytes",
		"backfill_s": "1-day backfill (s)", "backfill_calls": "backfill calls", "backfill_samples": "backfill samples", "peak_rss_mb": "peak RSS (MB)",
	}
	cells := make([]string, len(t.head))
	for i, h := range t.head {
		cells[i] = heads[h]
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cells, " | "), strings.Repeat(" --- |", len(cells)))
	for _, row := range t.rows {
		for i, v := range row {
			cells[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}
