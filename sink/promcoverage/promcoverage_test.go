package promcoverage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
)

// queryAPI is a small fake of the query API for the reader's own logic
// (chunking, the per-metric fallback, errors); the real stores are in
// sink/e2e. It answers every range query with one series per metric name
// it was told, each with a point at every step, and refuses queries over
// several names when dropNames is set, as engines that drop the metric
// name do.
type queryAPI struct {
	mu        sync.Mutex
	queries   []call
	names     []string
	dropNames bool
}

type call struct{ query, start, end, step, nocache string }

func (q *queryAPI) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/label/__name__/values") {
		writeJSON(w, q.names)
		return
	}
	u := call{r.Form.Get("query"), r.Form.Get("start"), r.Form.Get("end"), r.Form.Get("step"), r.Form.Get("nocache")}
	q.queries = append(q.queries, u)
	if q.dropNames && !strings.Contains(u.query, `__name__="`) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "errorType": "execution", "error": "vector cannot contain metrics with the same labelset"})
		return
	}
	start, _ := strconv.ParseFloat(u.start, 64)
	end, _ := strconv.ParseFloat(u.end, 64)
	var values [][2]any
	for ts := start; ts <= end; ts += 3600 {
		values = append(values, [2]any{ts, "1"})
	}
	writeJSON(w, map[string]any{"resultType": "matrix", "result": []any{
		map[string]any{"metric": map[string]string{"name": "arn:db-1"}, "values": values},
	}})
}

func writeJSON(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
}

var (
	day      = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	matchers = []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchRegexp, "__name__", "aws_rds_.+"),
		labels.MustNewMatcher(labels.MatchEqual, "job", "rds"),
	}
)

func start(t *testing.T, api *queryAPI, maxHours int) *promcoverage.Reader {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(srv.Close)
	r, err := promcoverage.New(promcoverage.Config{URL: srv.URL + "/prometheus", MaxHoursPerQuery: maxHours}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestChunks: 50 hours in chunks of 24 are three queries, each evaluated
// at the ends of its hours, and every hour is reported.
func TestChunks(t *testing.T) {
	api := &queryAPI{}
	r := start(t, api, 24)
	cov, err := r.Coverage(context.Background(), promcoverage.Query{ResourceLabel: "name", Matchers: matchers,
		Mint: day.UnixMilli(), Maxt: day.Add(50 * time.Hour).UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	want := []call{
		{`count by (name) (last_over_time({__name__=~"aws_rds_.+", job="rds"}[1h] offset 1ms))`, unix(day.Add(time.Hour)), unix(day.Add(24 * time.Hour)), "3600", "1"},
		{`count by (name) (last_over_time({__name__=~"aws_rds_.+", job="rds"}[1h] offset 1ms))`, unix(day.Add(25 * time.Hour)), unix(day.Add(48 * time.Hour)), "3600", "1"},
		{`count by (name) (last_over_time({__name__=~"aws_rds_.+", job="rds"}[1h] offset 1ms))`, unix(day.Add(49 * time.Hour)), unix(day.Add(50 * time.Hour)), "3600", "1"},
	}
	if !slices.Equal(api.queries, want) {
		t.Fatalf("queries\n%v\nwant\n%v", api.queries, want)
	}
	hours := cov.Hours("arn:db-1")
	if len(hours) != 50 || hours[0] != day.UnixMilli() || hours[49] != day.Add(49*time.Hour).UnixMilli() {
		t.Fatalf("%d hours from %d, want the 50 of the range", len(hours), hours[0])
	}
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// TestPerMetricFallback: an engine that refuses the query over several
// metric names gets one query per name.
func TestPerMetricFallback(t *testing.T) {
	api := &queryAPI{dropNames: true, names: []string{"aws_rds_a_average", "aws_rds_b_maximum"}}
	r := start(t, api, 24)
	cov, err := r.Coverage(context.Background(), promcoverage.Query{ResourceLabel: "name", Matchers: matchers,
		Mint: day.UnixMilli(), Maxt: day.Add(2 * time.Hour).UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	if len(api.queries) != 3 || !strings.Contains(api.queries[1].query, `__name__="aws_rds_a_average"`) ||
		!strings.Contains(api.queries[2].query, `__name__="aws_rds_b_maximum"`) {
		t.Fatalf("queries %v, want the refused one and one per name", api.queries)
	}
	if got := cov.Hours("arn:db-1"); len(got) != 2 {
		t.Fatalf("hours %v, want 2", got)
	}
}

func TestQueryErrors(t *testing.T) {
	api := &queryAPI{}
	r := start(t, api, 24)
	h := time.Hour.Milliseconds()
	tests := []struct {
		name string
		q    promcoverage.Query
		want string
	}{
		{"bad label", promcoverage.Query{ResourceLabel: "a-b", Matchers: matchers, Mint: 0, Maxt: h}, `resource label "a-b"`},
		{"no matchers", promcoverage.Query{ResourceLabel: "name", Mint: 0, Maxt: h}, "no matchers"},
		{"unaligned", promcoverage.Query{ResourceLabel: "name", Matchers: matchers, Mint: 1, Maxt: h}, "not aligned"},
		{"empty", promcoverage.Query{ResourceLabel: "name", Matchers: matchers, Mint: h, Maxt: h}, "empty"},
	}
	for _, tt := range tests {
		if _, err := r.Coverage(context.Background(), tt.q); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if len(api.queries) != 0 {
		t.Fatalf("invalid queries were sent: %v", api.queries)
	}
}

// TestServerError: the store's error reaches the caller.
func TestServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points"}`)
	}))
	defer srv.Close()
	r, err := promcoverage.New(promcoverage.Config{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Coverage(context.Background(), promcoverage.Query{ResourceLabel: "name", Matchers: matchers,
		Mint: day.UnixMilli(), Maxt: day.Add(time.Hour).UnixMilli()})
	if err == nil || !strings.Contains(err.Error(), "exceeded maximum resolution") {
		t.Fatalf("err %v, want the store's message", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  promcoverage.Config
		want string
	}{
		{promcoverage.Config{URL: "localhost:9090"}, "url:"},
		{promcoverage.Config{URL: "http://p:9090", MaxHoursPerQuery: 11001}, "max_hours_per_query 11001"},
		{promcoverage.Config{URL: "http://p:9090", MaxHoursPerQuery: -1}, "max_hours_per_query -1"},
	}
	for _, tt := range tests {
		if _, err := promcoverage.New(tt.cfg, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
