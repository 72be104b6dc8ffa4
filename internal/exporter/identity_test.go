package exporter_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// The simulated accounts and regions of the identity test: the same
// identifiers in each.
var (
	identityAccounts = []string{"123456789012", "210987654321"}
	identityRegions  = []string{"us-east-1", "eu-west-1"}
)

// identityConfig assumes a role in each account, in each region.
func identityConfig() string {
	var b strings.Builder
	fmt.Fprintf(&b, "regions: [%s]\naccounts:\n", strings.Join(identityRegions, ", "))
	for _, a := range identityAccounts {
		fmt.Fprintf(&b, "  - role_arn: arn:aws:iam::%s:role/rds-exporter\n", a)
	}
	return b.String()
}

// One identifier in two regions and two accounts is four instances: each
// is backfilled on its own, with its own CloudWatch data, and the history
// endpoint, the instance list, the coverage metric and the empty-hours file
// keep them apart. The real SDK assumes the roles and signs for the region
// against awssim, which answers in the account and region asked.
func TestSameIdentifierInOtherRegionsAndAccounts(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 3, Regions: identityRegions, Accounts: identityAccounts})
	dir := t.TempDir()
	x := newExporter(t, sim, identityConfig(), dir)
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)

	id := withGaps(sim, 7*24*time.Hour)
	var arns []string
	for _, inst := range sim.Instances() {
		if inst.ID == id {
			arns = append(arns, inst.ARN)
		}
	}
	if len(arns) != 4 {
		t.Fatalf("awssim has %s as %v, want 4 instances", id, arns)
	}
	scopes := map[string][2]string{} // ARN -> account, region
	for _, a := range identityAccounts {
		for _, r := range identityRegions {
			arn := fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", r, a, id)
			if !slices.Contains(arns, arn) {
				t.Fatalf("no %s in awssim: %v", arn, arns)
			}
			scopes[arn] = [2]string{a, r}
		}
	}
	var from, to time.Time
	for _, arn := range arns {
		account, region := scopes[arn][0], scopes[arn][1]
		sim.ResetCounters()
		body := post(t, srv.URL+"/api/v1/instances/"+id+"/metrics/backfill?days=7&region="+region+"&account_id="+account)
		from, to = parseTime(t, body["from"]), parseTime(t, body["to"])
		gaps := len(sim.Gaps(arn, from, to))
		if body["hours_backfilled"] != float64(168-gaps) || body["hours_empty"] != float64(gaps) || body["hours_skipped_covered"] != 0.0 {
			t.Errorf("%s: %v, want its own 168 hours swept (%d without data)", arn, body, gaps)
		}
		if c := sim.Counters(); c.Scope(account, region).Requests["GetMetricData"] != 1 || c.Requests["GetMetricData"] != 1 {
			t.Errorf("%s: GetMetricData calls %v in its account and region, %v in all; want 1 and 1", arn,
				c.Scope(account, region).Requests["GetMetricData"], c.Requests["GetMetricData"])
		}
	}
	for _, arn := range arns {
		checkHistory(t, srv.URL, sim, id, arn, scopes[arn])
	}
	checkInstanceList(t, srv.URL, sim, id, scopes)
	checkCoverageMetric(t, srv.URL, id, arns)
	checkEmptyHours(t, dir, sim, arns, from, to)
}

// withGaps returns the identifier of the simulated instance with the most
// stopped hours in the last span, over its accounts and regions, so that
// the empty-hours file has something to keep apart.
func withGaps(sim *awssim.Server, span time.Duration) string {
	now := time.Now()
	n := map[string]int{}
	best := ""
	for _, inst := range sim.Instances() {
		n[inst.ID] += len(sim.Gaps(inst.ARN, now.Add(-span), now))
		if best == "" || n[inst.ID] > n[best] {
			best = inst.ID
		}
	}
	return best
}

func post(t *testing.T, url string) map[string]any {
	t.Helper()
	status, _, b := testtools.Do(t, http.MethodPost, url)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil || status != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, status, b)
	}
	return body
}

func get(t *testing.T, url string, v any) {
	t.Helper()
	status, _, b := testtools.Do(t, http.MethodGet, url)
	if err := json.Unmarshal(b, v); err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, status, b)
	}
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, fmt.Sprint(v))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// historyAnswer is the answer of GET .../metrics/history.
type historyAnswer struct {
	Series []struct {
		Metric  string            `json:"metric"`
		Labels  map[string]string `json:"labels"`
		Samples [][2]float64      `json:"samples"`
	} `json:"series"`
}

// checkHistory checks that the history of one of the instances holds its
// own series, with its own CloudWatch values.
func checkHistory(t *testing.T, base string, sim *awssim.Server, id, arn string, scope [2]string) {
	t.Helper()
	var h historyAnswer
	get(t, base+"/api/v1/instances/"+id+"/metrics/history?range=8d&account_id="+scope[0]+"&region="+scope[1], &h)
	if len(h.Series) < 30 {
		t.Fatalf("%s: %d history series", arn, len(h.Series))
	}
	for _, s := range h.Series {
		if s.Labels["name"] != arn || s.Labels["account_id"] != scope[0] || s.Labels["region"] != scope[1] {
			t.Fatalf("%s: history has %s%v", arn, s.Metric, s.Labels)
		}
		if s.Metric != "aws_rds_cpuutilization_average" {
			continue
		}
		for _, smp := range s.Samples {
			want, ok := sim.Value(arn, "CPUUtilization", "Average", time.Unix(int64(smp[0]), 0), time.Hour)
			if !ok || math.Abs(want-smp[1]) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s at %v: history has %v, awssim served %v (%v)", arn, smp[0], smp[1], want, ok)
			}
		}
	}
}

// checkInstanceList checks each instance's hours_covered: its own, 48
// hours less its hours without data.
func checkInstanceList(t *testing.T, base string, sim *awssim.Server, id string, scopes map[string][2]string) {
	t.Helper()
	var list struct {
		Instances []struct {
			ID           string `json:"id"`
			ARN          string `json:"arn"`
			HoursCovered *int   `json:"hours_covered"`
		} `json:"instances"`
		From time.Time `json:"coverage_from"`
		To   time.Time `json:"coverage_to"`
	}
	get(t, base+"/api/v1/instances", &list)
	seen := 0
	for _, i := range list.Instances {
		if _, ok := scopes[i.ARN]; !ok || i.ID != id {
			continue
		}
		seen++
		gaps := len(sim.Gaps(i.ARN, list.From, list.To))
		if i.HoursCovered == nil || *i.HoursCovered != 168-gaps {
			t.Errorf("%s: hours_covered %s, want %d", i.ARN, b2s(json.Marshal(i.HoursCovered)), 168-gaps)
		}
	}
	if seen != len(scopes) {
		t.Errorf("the instance list has %d of the %d %s", seen, len(scopes), id)
	}
}

// checkCoverageMetric checks that the coverage gauge has one series per
// instance, named by its ARN.
func checkCoverageMetric(t *testing.T, base, id string, arns []string) {
	t.Helper()
	_, _, b := testtools.Do(t, http.MethodGet, base+"/metrics")
	var named []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "rds_backfill_exporter_backfill_coverage_seconds{") || !strings.Contains(line, `dimension_DBInstanceIdentifier="`+id+`"`) {
			continue
		}
		_, rest, _ := strings.Cut(line, `name="`)
		arn, _, _ := strings.Cut(rest, `"`)
		named = append(named, arn)
	}
	slices.Sort(named)
	want := slices.Sorted(slices.Values(arns))
	if !slices.Equal(named, want) {
		t.Errorf("coverage gauge series of %s are named %v, want %v", id, named, want)
	}
}

// checkEmptyHours checks that the empty-hours file remembers each
// instance's hours without data in [from, to) under its ARN, and nothing
// else.
func checkEmptyHours(t *testing.T, dir string, sim *awssim.Server, arns []string, from, to time.Time) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "rds-backfill-empty-hours.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Empty map[string][]int64 `json:"empty_hours"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	withGaps := 0
	for _, arn := range arns {
		var want []int64
		for _, g := range sim.Gaps(arn, from, to) {
			want = append(want, g.Unix())
		}
		if !slices.Equal(file.Empty[arn], want) {
			t.Errorf("%s: empty hours %v, want awssim's gaps %v", arn, file.Empty[arn], want)
		}
		if len(want) > 0 {
			withGaps++
		}
	}
	if withGaps == 0 {
		t.Fatal("no instance has hours without data: the empty-hours file is not tested")
	}
	for key := range file.Empty {
		if !slices.Contains(arns, key) {
			t.Errorf("empty hours of %q, which is none of the instances", key)
		}
	}
}

func b2s(b []byte, _ error) string { return string(b) }
