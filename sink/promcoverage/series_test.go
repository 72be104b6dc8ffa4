package promcoverage_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// instantAPI is a small fake of the instant query endpoint: it records the
// query, time and nocache of each request and answers a fixed matrix of
// three series, out of label order, one of them without samples. The
// real Prometheus is in sink/e2e.
type instantAPI struct{ got []call }

func (q *instantAPI) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !strings.HasSuffix(r.URL.Path, "/api/v1/query") {
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	q.got = append(q.got, call{query: r.Form.Get("query"), end: r.Form.Get("time"), nocache: r.Form.Get("nocache")})
	t := float64(day.Unix())
	writeJSON(w, map[string]any{"resultType": "matrix", "result": []any{
		map[string]any{"metric": map[string]string{"__name__": "aws_rds_b", "name": "arn:db-1"}, "values": [][2]any{{t, "1"}, {t + 3600, "2"}}},
		map[string]any{"metric": map[string]string{"__name__": "aws_rds_c", "name": "arn:db-1"}, "values": [][2]any{}},
		map[string]any{"metric": map[string]string{"__name__": "aws_rds_a", "name": "arn:db-1"}, "values": [][2]any{{t, "3"}}},
	}})
}

func startInstant(t *testing.T) (*instantAPI, *promcoverage.Reader) {
	t.Helper()
	api := &instantAPI{}
	srv := httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(srv.Close)
	r, err := promcoverage.New(promcoverage.Config{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return api, r
}

// TestSeries: one instant query of a range selector that takes exactly
// [Mint, Maxt) at Maxt, with nocache; the answer's series sorted by
// labels, those without samples left out, timestamps in ms.
func TestSeries(t *testing.T) {
	api, r := startInstant(t)
	got, err := r.Series(context.Background(), promcoverage.SeriesQuery{Matchers: matchers,
		Mint: day.UnixMilli(), Maxt: day.Add(2 * time.Hour).UnixMilli(), MaxSamples: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []call{{query: `{__name__=~"aws_rds_.+", job="rds"}[7200000ms] offset 1ms`, end: unix(day.Add(2 * time.Hour)), nocache: "1"}}
	if len(api.got) != 1 || api.got[0] != want[0] {
		t.Fatalf("queries %v, want %v", api.got, want)
	}
	h := day.UnixMilli()
	wantSeries := []tsdbwriter.Series{
		{Labels: labels.FromStrings("__name__", "aws_rds_a", "name", "arn:db-1"), Samples: []tsdbwriter.Sample{{T: h, V: 3}}},
		{Labels: labels.FromStrings("__name__", "aws_rds_b", "name", "arn:db-1"), Samples: []tsdbwriter.Sample{{T: h, V: 1}, {T: h + 3600_000, V: 2}}},
	}
	if len(got) != len(wantSeries) {
		t.Fatalf("got %v, want %v", got, wantSeries)
	}
	for i := range got {
		if !labels.Equal(got[i].Labels, wantSeries[i].Labels) || !slices.Equal(got[i].Samples, wantSeries[i].Samples) {
			t.Fatalf("series %d: %v, want %v", i, got[i], wantSeries[i])
		}
	}
}

// TestSeriesErrors: more samples than MaxSamples is ErrTooManySamples, as
// with blocks; invalid queries are refused before any request.
func TestSeriesErrors(t *testing.T) {
	api, r := startInstant(t)
	h := time.Hour.Milliseconds()
	_, err := r.Series(context.Background(), promcoverage.SeriesQuery{Matchers: matchers, Mint: 0, Maxt: h, MaxSamples: 2})
	if !errors.Is(err, tsdbwriter.ErrTooManySamples) {
		t.Fatalf("3 samples with MaxSamples 2: %v, want ErrTooManySamples", err)
	}
	tests := []struct {
		name string
		q    promcoverage.SeriesQuery
		want string
	}{
		{"no matchers", promcoverage.SeriesQuery{Mint: 0, Maxt: h}, "no matchers"},
		{"empty", promcoverage.SeriesQuery{Matchers: matchers, Mint: h, Maxt: h}, "empty"},
	}
	for _, tt := range tests {
		if _, err := r.Series(context.Background(), tt.q); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if len(api.got) != 1 {
		t.Fatalf("invalid queries were sent: %v", api.got[1:])
	}
}
