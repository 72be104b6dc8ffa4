package backfill

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// targetCW is fakeCW in another account and region.
type targetCW struct {
	*fakeCW
	target model.Target
}

func (f targetCW) Target() model.Target { return f.target }

// The same identifier in two regions and in two accounts names three
// resources: each is backfilled on its own, and coverage, the empty-hours
// file, history and the coverage gauge keep them apart.
func TestSameIdentifierInOtherRegionsAndAccounts(t *testing.T) {
	dir := t.TempDir()
	home := model.Target{AccountID: "123456789012", Region: "us-east-1"}
	targets := []model.Target{home, {AccountID: "123456789012", Region: "eu-west-1"}, {AccountID: "210987654321", Region: "us-east-1"}}
	// CloudWatch has no data for the hours 2 to 5 of the eu-west-1 one.
	var fetchers []Fetcher
	var insts []model.Described
	for _, tg := range targets {
		cw := &fakeCW{}
		if tg.Region == "eu-west-1" {
			cw.gap = func(_ string, ts time.Time) bool { return ts.Hour() >= 2 && ts.Hour() < 6 }
		}
		fetchers = append(fetchers, targetCW{cw, tg})
		i := testInstance("db-0001")
		i.Target, i.ARN = tg, tg.ARN(model.KindDBInstance, "db-0001")
		insts = append(insts, i)
	}
	tm := telemetry.New()
	b, err := New(Options{OutputDir: dir, Fetchers: fetchers, Env: telemetry.Env{Now: func() time.Time { return testNow }, Telemetry: tm}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i, inst := range insts {
		res, err := b.Backfill(context.Background(), Request{Resources: []model.Described{inst}, Days: 2})
		if err != nil {
			t.Fatal(err)
		}
		wantEmpty := 0
		if inst.Region == "eu-west-1" {
			wantEmpty = 8
		}
		if res.HoursBackfilled != 48-wantEmpty || res.HoursEmpty != wantEmpty || res.HoursSkipped != 0 || res.Requests != 1 {
			t.Errorf("%s: %+v, want its own 48 hours fetched", inst.ARN, res)
		}
		if calls := fetchers[i].(targetCW).calls; calls != 1 {
			t.Errorf("%s: its fetcher made %d calls, want 1", inst.ARN, calls)
		}
	}
	cov, _, err := b.Coverage(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	gauges := coverageGauges(t, tm)
	for _, inst := range insts {
		want := 48
		if inst.Region == "eu-west-1" {
			want = 40
		}
		if got := cov.Count(inst.ARN); got != want {
			t.Errorf("%s: %d hours covered, want %d", inst.ARN, got, want)
		}
		if got := gauges[inst.ARN]; got != float64(want*3600) {
			t.Errorf("%s: coverage gauge %v, want %v", inst.ARN, got, want*3600)
		}
		series, err := b.History(context.Background(), inst.Resource, testNow.Add(-3*24*time.Hour), testNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			if s.Labels.Get("name") != inst.ARN || len(s.Samples) != want {
				t.Fatalf("%s: history has %s with %d samples", inst.ARN, s.Labels, len(s.Samples))
			}
		}
	}
	// The empty hours are remembered for the eu-west-1 one only.
	var file struct {
		Empty map[string][]int64 `json:"empty_hours"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, sweptFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if keys := slices.Collect(maps.Keys(file.Empty)); !slices.Equal(keys, []string{insts[1].ARN}) || len(file.Empty[insts[1].ARN]) != 8 {
		t.Errorf("empty hours %v, want 8 of %s", file.Empty, insts[1].ARN)
	}
}

// coverageGauges returns the coverage gauge's values by name label.
func coverageGauges(t *testing.T, tm *telemetry.Metrics) map[string]float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 100)
	tm.BackfillCoverage.Collect(ch)
	close(ch)
	out := map[string]float64{}
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		for _, l := range d.GetLabel() {
			if l.GetName() == "name" {
				out[l.GetValue()] = d.GetGauge().GetValue()
			}
		}
	}
	return out
}

// An empty-hours file of an earlier version, keyed account/region/id, is
// not trusted: its hours are asked again, and remembered by ARN.
func TestOldEmptyHoursFileIsResweept(t *testing.T) {
	dir := t.TempDir()
	inst := testInstance("db-1")
	hour := testNow.Add(-5 * time.Hour).Truncate(time.Hour).Unix()
	old := `{"empty_hours": {"123456789012/us-east-1/db-1": [` + strconv.FormatInt(hour, 10) + `]}}`
	if err := os.WriteFile(filepath.Join(dir, sweptFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeCW{}
	b := newTestBackfiller(t, dir, f)
	res, err := b.Backfill(context.Background(), Request{Resources: []model.Described{inst}, Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursKnownEmpty != 0 || res.HoursBackfilled != 24 {
		t.Errorf("%+v: want every hour asked again", res)
	}
	raw, err := os.ReadFile(filepath.Join(dir, sweptFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "123456789012/us-east-1/db-1") {
		t.Errorf("the old key is still in the file: %s", raw)
	}
}
