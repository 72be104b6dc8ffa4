package remotewrite_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools/rwreceiver"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// testSeries returns n series of m hourly samples each.
func testSeries(n, m int) []tsdbwriter.Series {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]tsdbwriter.Series, n)
	for i := range out {
		out[i].Labels = labels.FromStrings("__name__", "aws_rds_cpuutilization_average", "name", arnOf(i), "job", "rds")
		for h := range m {
			out[i].Samples = append(out[i].Samples, tsdbwriter.Sample{T: start.Add(time.Duration(h) * time.Hour).UnixMilli(), V: float64(i*1000 + h)})
		}
	}
	return out
}

func newWriter(t testing.TB, cfg remotewrite.Config) *remotewrite.Writer {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = time.Millisecond, 10*time.Millisecond
	}
	w, err := remotewrite.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkExactlyOnce checks that the receiver holds every sample of series
// once, in time order.
func checkExactlyOnce(t *testing.T, r *rwreceiver.Receiver, series []tsdbwriter.Series) {
	t.Helper()
	got := r.Samples()
	if len(got) != len(series) {
		t.Fatalf("receiver has %d series, want %d", len(got), len(series))
	}
	for _, s := range series {
		g := got[s.Labels.String()]
		if !slices.Equal(g, s.Samples) {
			t.Fatalf("%s: received %d samples, want %d in order: %v", s.Labels, len(g), len(s.Samples), head(g))
		}
	}
}

func head(s []tsdbwriter.Sample) []tsdbwriter.Sample { return s[:min(3, len(s))] }

func TestBatchesKeepSeriesInOrder(t *testing.T) {
	for _, version := range []string{remotewrite.Version1, remotewrite.Version2} {
		t.Run(version, func(t *testing.T) {
			r := rwreceiver.Start(t, "")
			series := testSeries(10, 37)
			w := newWriter(t, remotewrite.Config{URL: r.URL(), ProtocolVersion: version, BatchSize: 50, Shards: 3})
			st, err := w.Write(context.Background(), series, "name")
			if err != nil {
				t.Fatal(err)
			}
			checkExactlyOnce(t, r, series)
			multi := false
			accepted := r.Accepted()
			for i, req := range accepted {
				if n := req.Samples(); n > 50 {
					t.Fatalf("request %d has %d samples, batch size is 50", i, n)
				}
				multi = multi || len(req.Series) > 1
			}
			if !multi {
				t.Fatal("no request held pieces of several series")
			}
			if st.Samples != 370 || st.Requests != len(accepted) || st.Retries != 0 {
				t.Fatalf("stats %+v, want 370 samples in %d requests", st, len(accepted))
			}
		})
	}
}

// groupSeries returns n groups (resources, by the label name) of m series
// each, of hourly samples with minute offsets over hours, without samples
// in the hours where (hour+group+series)%5 == 0.
func groupSeries(n, m, hours int) []tsdbwriter.Series {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []tsdbwriter.Series
	for g := range n {
		for k := range m {
			s := tsdbwriter.Series{Labels: labels.FromStrings("__name__", fmt.Sprintf("aws_rds_m%d_average", k), "name", arnOf(g), "job", "rds")}
			for h := range hours {
				if (h+g+k)%5 == 0 {
					continue
				}
				at := start.Add(time.Duration(h)*time.Hour + time.Duration(k)*time.Minute)
				s.Samples = append(s.Samples, tsdbwriter.Sample{T: at.UnixMilli(), V: float64(g*10000 + k*100 + h)})
			}
			out = append(out, s)
		}
	}
	return out
}

// groupHours counts the samples of each group (its name) in each hour,
// over the requests given.
func groupHours(reqs ...rwreceiver.Request) map[string]map[int64]int {
	out := map[string]map[int64]int{}
	for _, req := range reqs {
		for _, s := range req.Series {
			name := s.Labels.Get("name")
			if out[name] == nil {
				out[name] = map[int64]int{}
			}
			for _, x := range s.Samples {
				out[name][x.T-x.T%time.Hour.Milliseconds()]++
			}
		}
	}
	return out
}

// TestGroupHourInOneRequest: the samples of one group in one hour always
// share a request, whatever the batch size, and requests stay within the
// batch size unless a group-hour alone is larger.
func TestGroupHourInOneRequest(t *testing.T) {
	series := groupSeries(7, 5, 30) // group-hours of 4 or 5 samples
	want := groupHours(rwreceiver.Request{Series: series})
	for _, batch := range []int{1, 4, 9, 23, 100, 5000} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			r := rwreceiver.Start(t, "")
			w := newWriter(t, remotewrite.Config{URL: r.URL(), BatchSize: batch, Shards: 3})
			if _, err := w.Write(context.Background(), series, "name"); err != nil {
				t.Fatal(err)
			}
			checkExactlyOnce(t, r, series)
			for i, req := range r.Accepted() {
				groupHoursIn := 0
				for name, hours := range groupHours(req) {
					for h, n := range hours {
						if n != want[name][h] {
							t.Fatalf("request %d holds %d of the %d samples of %s in hour %d", i, n, want[name][h], name, h)
						}
						groupHoursIn++
					}
				}
				if req.Samples() > batch && groupHoursIn > 1 {
					t.Fatalf("request %d has %d samples of %d group-hours, batch size is %d", i, req.Samples(), groupHoursIn, batch)
				}
			}
		})
	}
}

// TestFailedRequestLeavesNoPartialHour: the receiver refuses the n-th
// request; every hour of every group is then whole at the receiver or
// absent from it, and writing again completes everything.
func TestFailedRequestLeavesNoPartialHour(t *testing.T) {
	series := groupSeries(12, 6, 48)
	want := groupHours(rwreceiver.Request{Series: series})
	for _, n := range []int{1, 2, 5, 9} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := rwreceiver.Start(t, "")
			r.SetFault(func(i int) *rwreceiver.Fault {
				if i == n {
					return &rwreceiver.Fault{Status: http.StatusBadRequest, Body: "refused"}
				}
				return nil
			})
			w := newWriter(t, remotewrite.Config{URL: r.URL(), BatchSize: 70, Shards: 2})
			if _, err := w.Write(context.Background(), series, "name"); err == nil {
				t.Fatal("the write succeeded despite a refused request")
			}
			partial, missing := 0, 0
			got := groupHours(r.Accepted()...)
			for name, hours := range want {
				for h, wn := range hours {
					switch gn := got[name][h]; {
					case gn == 0:
						missing++
					case gn != wn:
						partial++
					}
				}
			}
			if partial > 0 || missing == 0 {
				t.Fatalf("%d group-hours partly written, %d missing; want 0 partly and some missing", partial, missing)
			}
			r.SetFault(nil)
			if _, err := w.Write(context.Background(), series, "name"); err != nil {
				t.Fatal(err)
			}
			if got := groupHours(r.Accepted()...); len(got) != len(want) {
				t.Fatalf("after writing again the receiver has %d groups, want %d", len(got), len(want))
			}
		})
	}
}

// TestRetriesOn503And429: the receiver answers 503 twice, then 429 with
// Retry-After twice; the writer waits and delivers every sample once.
func TestRetriesOn503And429(t *testing.T) {
	r := rwreceiver.Start(t, "")
	r.FaultsFirst(
		rwreceiver.Fault{Status: 503, Body: "starting"}, rwreceiver.Fault{Status: 503, Body: "starting"},
		rwreceiver.Fault{Status: 429, RetryAfter: "1", Body: "slow down"}, rwreceiver.Fault{Status: 429, RetryAfter: "1", Body: "slow down"})
	series := testSeries(5, 24)
	w := newWriter(t, remotewrite.Config{URL: r.URL(), BatchSize: 40, Shards: 1})
	st, err := w.Write(context.Background(), series, "name")
	if err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, r, series)
	if st.Retries != 4 {
		t.Fatalf("%d retries, want 4", st.Retries)
	}
}

// TestNoRetryOn400: a 400 fails the write at once with the receiver's
// message.
func TestNoRetryOn400(t *testing.T) {
	r := rwreceiver.Start(t, "")
	r.FaultsFirst(rwreceiver.Fault{Status: 400, Body: "out of bounds: sample too old"})
	w := newWriter(t, remotewrite.Config{URL: r.URL(), Shards: 1})
	_, err := w.Write(context.Background(), testSeries(2, 10), "name")
	if err == nil || !strings.Contains(err.Error(), "out of bounds: sample too old") || !strings.Contains(err.Error(), "400") {
		t.Fatalf("err %v, want the receiver's 400 message", err)
	}
	if n := r.Requests(); n != 1 {
		t.Fatalf("%d requests, want 1 (no retry)", n)
	}
}

// TestCancelStopsBackoff: canceling the context ends a write that waits
// for a receiver that keeps answering 503.
func TestCancelStopsBackoff(t *testing.T) {
	r := rwreceiver.Start(t, "")
	r.SetFault(func(int) *rwreceiver.Fault { return &rwreceiver.Fault{Status: 503, Body: "down"} })
	w := newWriter(t, remotewrite.Config{URL: r.URL(), MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(ctx, testSeries(2, 10), "name")
		done <- err
	}()
	testtools.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
		if n := r.Requests(); n < 1 {
			return fmt.Errorf("%d requests, want 1", n)
		}
		return nil
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestUnorderedSeriesRefused(t *testing.T) {
	r := rwreceiver.Start(t, "")
	series := testSeries(2, 3)
	series[1].Samples[2].T = series[1].Samples[0].T
	w := newWriter(t, remotewrite.Config{URL: r.URL()})
	if _, err := w.Write(context.Background(), series, "name"); !errors.Is(err, tsdbwriter.ErrUnordered) {
		t.Fatalf("err %v, want ErrUnordered", err)
	}
	if n := r.Requests(); n != 0 {
		t.Fatalf("%d requests sent for a refused write", n)
	}
}

// TestAuto: VersionAuto sends 2.0 to a receiver that takes it, and falls
// back to 1.0 for one that answers 415 or reads 2.0 as an empty 1.0
// request; every sample arrives once either way.
func TestAuto(t *testing.T) {
	tests := []struct {
		name string
		v1   *int
		want string
	}{
		{"2.0 receiver", nil, "2.0"},
		{"415 to 2.0", ptr(http.StatusUnsupportedMediaType), "1.0"},
		{"reads 2.0 as 1.0", ptr(0), "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rwreceiver.Start(t, "")
			if tt.v1 != nil {
				r.SetV1Only(*tt.v1)
			}
			series := testSeries(6, 30)
			w := newWriter(t, remotewrite.Config{URL: r.URL(), BatchSize: 40, Shards: 2})
			if _, err := w.Write(context.Background(), series, "name"); err != nil {
				t.Fatal(err)
			}
			checkExactlyOnce(t, r, series)
			for i, req := range r.Accepted() {
				if req.Version != tt.want {
					t.Fatalf("request %d accepted in %s, want all in %s", i, req.Version, tt.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
