package cloudwatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

func TestWindowPoints(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		w    Window
		want int
	}{
		{"7 days hourly", Window{t0, t0.Add(168 * time.Hour), time.Hour}, 168},
		{"5 minutes at 60s", Window{t0, t0.Add(5 * time.Minute), time.Minute}, 5},
		{"unaligned start skips partial period", Window{t0.Add(30 * time.Second), t0.Add(5 * time.Minute), time.Minute}, 4},
		{"unaligned end includes last period start", Window{t0, t0.Add(5*time.Minute + time.Second), time.Minute}, 6},
		{"empty", Window{t0, t0, time.Minute}, 0},
		{"15 days at 60s", Window{t0, t0.Add(15 * 24 * time.Hour), time.Minute}, 21600},
	} {
		if got := tc.w.Points(); got != tc.want {
			t.Errorf("%s: Points() = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestQueriesPerCall(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		w    Window
		want int
	}{
		{Window{t0, t0.Add(168 * time.Hour), time.Hour}, 500},         // 84,000 datapoints
		{Window{t0, t0.Add(5 * time.Minute), time.Minute}, 500},       // 2,500
		{Window{t0, t0.Add(14 * 24 * time.Hour), time.Hour}, 300},     // 336 points: 100,800/336
		{Window{t0, t0.Add(15 * 24 * time.Hour), time.Minute}, 4},     // 21,600 points
		{Window{t0, t0.Add(455 * 24 * time.Hour), time.Minute}, 1},    // more than one response: paged
		{Window{t0, t0.Add(455 * 24 * time.Hour), time.Hour}, 9},      // 10,920 points
		{Window{t0, t0.Add(63 * 24 * time.Hour), 5 * time.Minute}, 5}, // 18,144 points
	} {
		got := QueriesPerCall(tc.w)
		if got != tc.want {
			t.Errorf("QueriesPerCall(%v at %s) = %d, want %d", tc.w.End.Sub(tc.w.Start), tc.w.Period, got, tc.want)
		}
		if p := tc.w.Points(); got > 1 && got*p > MaxDatapointsPerResponse {
			t.Errorf("%d queries x %d points exceed the response limit", got, p)
		}
	}
}

func TestBatches(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	hourly := Window{t0, t0.Add(168 * time.Hour), time.Hour}
	for _, n := range []int{0, 1, 40, 499, 500, 501, 40000} {
		qs := queries(n)
		b := Batches(qs, hourly)
		if want := (n + 499) / 500; len(b) != want {
			t.Errorf("%d queries: %d batches, want %d", n, len(b), want)
		}
		total := 0
		for _, batch := range b {
			if len(batch) > MaxQueriesPerCall {
				t.Errorf("batch of %d queries", len(batch))
			}
			for _, q := range batch {
				if q != qs[total] {
					t.Fatalf("batches reorder queries at %d", total)
				}
				total++
			}
		}
		if total != n {
			t.Errorf("batches hold %d queries, want %d", total, n)
		}
	}
}

func TestWindowValidate(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		w       Window
		wantErr string
	}{
		{Window{t0, t0.Add(time.Hour), time.Minute}, ""},
		{Window{t0, t0.Add(time.Hour), 90 * time.Second}, "period 1m30s is not a positive multiple of 60s"},
		{Window{t0, t0.Add(time.Hour), 0}, "period 0s is not a positive multiple of 60s"},
		{Window{t0, t0, time.Minute}, "window start 2026-11-01T00:00:00Z is not before end 2026-11-01T00:00:00Z"},
	} {
		err := tc.w.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.wantErr {
			t.Errorf("Validate() = %q, want %q", got, tc.wantErr)
		}
	}
}

func TestAccountFromARN(t *testing.T) {
	if id, ok := accountFromARN("arn:aws:iam::123456789012:role/x"); !ok || id != "123456789012" {
		t.Errorf("got %q %v", id, ok)
	}
	if _, ok := accountFromARN(""); ok {
		t.Error("empty ARN parsed")
	}
}

func queries(n int) []model.MetricQuery {
	qs := make([]model.MetricQuery, n)
	for i := range qs {
		qs[i] = model.MetricQuery{Resource: model.Resource{Kind: model.KindDBInstance, ID: fmt.Sprintf("db-%d", i/40)}, Metric: fmt.Sprintf("M%d", i%20), Statistic: "Average"}
	}
	return qs
}
