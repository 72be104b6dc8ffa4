package exporter_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// startSim starts awssim on loopback for the test.
func startSim(t *testing.T, opts awssim.Options) *awssim.Server {
	t.Helper()
	sim := awssim.New(opts)
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// newExporter builds the exporter on sim with the config yml, its blocks
// in dir, and discovers the instances.
func newExporter(t *testing.T, sim *awssim.Server, yml, dir string) *exporter.Exporter {
	t.Helper()
	return newExporterWith(t, sim, yml, exporter.Options{
		Backfill: exporter.BackfillOptions{OutputDir: dir, Labels: map[string]string{"job": "rds", "env": "test"}},
	})
}

// newExporterWith is newExporter with the command line's options.
func newExporterWith(t *testing.T, sim *awssim.Server, yml string, opts exporter.Options) *exporter.Exporter {
	t.Helper()
	cfg, err := config.Parse([]byte(yml), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	x, err := exporter.New(t.Context(), cfg, opts, exporter.Env{
		Logger:         slog.New(slog.DiscardHandler),
		AWSLoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	if err := x.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	return x
}

// A live series and the backfilled history of the same instance and metric
// have the same labels, but for the backfill's target labels: compared on
// what the collector serves and what the backfill writes.
func TestLiveAndBackfilledLabelsAreTheSame(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 2})
	dir := t.TempDir()
	x := newExporter(t, sim, "regions: [us-east-1]\n", dir)
	if err := x.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	inst := model.OfKind(x.Resources(), model.KindDBInstance)[0]
	if _, err := x.Jobs().Run(t.Context(), backfill.Request{Resources: []model.Described{inst}, Days: 1}); err != nil {
		t.Fatal(err)
	}
	live := liveSeries(t, x, inst.ID)
	if len(live) < 30 {
		t.Fatalf("%d live series of %s, want the default metrics", len(live), inst.ID)
	}
	for name, want := range live {
		written := blockSeries(t, dir, name, inst.ID)
		if len(written) != 1 {
			t.Errorf("%s: %d backfilled series of %s, want 1", name, len(written), inst.ID)
			continue
		}
		got := labels.NewBuilder(written[0].Labels).Del("job", "env", "__name__").Labels()
		if !labels.Equal(got, want) {
			t.Errorf("%s: backfilled %s, live %s", name, got, want)
		}
		if written[0].Labels.Get("job") != "rds" || written[0].Labels.Get("env") != "test" {
			t.Errorf("%s: backfilled %s lacks the target labels", name, written[0].Labels)
		}
	}
}

// liveSeries returns the labels of the aws_rds_* value series of instance
// id that the registry serves, by metric name.
func liveSeries(t *testing.T, x *exporter.Exporter, id string) map[string]labels.Labels {
	t.Helper()
	return liveSeriesBy(t, x, catalog.LabelInstanceID, id)
}

// liveSeriesBy is liveSeries for instances whose identifier is the label
// idLabel.
func liveSeriesBy(t *testing.T, x *exporter.Exporter, idLabel, id string) map[string]labels.Labels {
	t.Helper()
	families, err := x.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]labels.Labels{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "aws_rds_") || f.GetName() == catalog.InfoMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			if ls := pairs(m.GetLabel()); ls.Get(idLabel) == id {
				out[f.GetName()] = ls
			}
		}
	}
	return out
}

// pairs returns the labels a scrape keeps: not the empty ones.
func pairs(lps []*dto.LabelPair) labels.Labels {
	b := labels.NewScratchBuilder(len(lps))
	for _, lp := range lps {
		if lp.GetValue() != "" {
			b.Add(lp.GetName(), lp.GetValue())
		}
	}
	b.Sort()
	return b.Labels()
}

// blockSeries reads the series of one metric of instance id from the
// blocks in dir.
func blockSeries(t *testing.T, dir, name, id string) []tsdbwriter.Series {
	t.Helper()
	return blockSeriesBy(t, dir, name, catalog.LabelInstanceID, id)
}

// blockSeriesBy is blockSeries for instances whose identifier is the label
// idLabel.
func blockSeriesBy(t *testing.T, dir, name, idLabel, id string) []tsdbwriter.Series {
	t.Helper()
	now := time.Now()
	series, err := tsdbwriter.ReadSeries(context.Background(), []string{dir}, tsdbwriter.ReadOptions{
		Mint: now.Add(-3 * 24 * time.Hour).UnixMilli(), Maxt: now.UnixMilli(),
		Matchers: []*labels.Matcher{
			labels.MustNewMatcher(labels.MatchEqual, "__name__", name),
			labels.MustNewMatcher(labels.MatchEqual, idLabel, id),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return series
}

// An output folder that cannot be written does not stop the exporter: it
// polls and serves live metrics, and the backfill routes answer 503 naming
// the folder.
func TestUnwritableOutputFolder(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 2})
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "backfill")
	x := newExporter(t, sim, "regions: [us-east-1]\n", out)
	if err := x.BackfillErr(); !errors.Is(err, backfill.ErrOutputFolder) || !strings.Contains(err.Error(), out) {
		t.Fatalf("BackfillErr() = %v, want ErrOutputFolder naming %s", err, out)
	}
	if x.Jobs() != nil || x.Backfiller() != nil {
		t.Fatal("a backfill without its output folder")
	}
	if err := x.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(liveSeries(t, x, model.OfKind(x.Resources(), model.KindDBInstance)[0].ID)); n < 30 {
		t.Errorf("%d live series, want the default metrics", n)
	}
	srv := httptest.NewServer(x.Handler())
	defer srv.Close()
	status, _, body := testtools.Do(t, http.MethodPost, srv.URL+"/api/v1/metrics/backfill")
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), out) {
		t.Errorf("backfill: %d %s, want 503 naming %s", status, body, out)
	}
}
