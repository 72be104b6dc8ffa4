package awssim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"
)

// point is one datapoint as a test sees it.
type point struct {
	t time.Time
	v float64
}

// fetched is what a paginated GetMetricData returned, reassembled.
type fetched struct {
	series   map[string][]point
	statuses map[string][]cwtypes.StatusCode // per Id, one per page
	labels   map[string]string
	pages    []int // datapoints per page
}

// fetchAll runs GetMetricData through the SDK paginator and reassembles
// every result by Id.
func fetchAll(t *testing.T, c *cloudwatch.Client, in *cloudwatch.GetMetricDataInput) fetched {
	t.Helper()
	f := fetched{series: map[string][]point{}, statuses: map[string][]cwtypes.StatusCode{}, labels: map[string]string{}}
	p := cloudwatch.NewGetMetricDataPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range out.MetricDataResults {
			id := aws.ToString(r.Id)
			if len(r.Timestamps) != len(r.Values) {
				t.Fatalf("%s: %d timestamps, %d values", id, len(r.Timestamps), len(r.Values))
			}
			for i, ts := range r.Timestamps {
				f.series[id] = append(f.series[id], point{ts.UTC(), r.Values[i]})
			}
			f.statuses[id] = append(f.statuses[id], r.StatusCode)
			f.labels[id] = aws.ToString(r.Label)
			n += len(r.Values)
		}
		f.pages = append(f.pages, n)
	}
	return f
}

// expect returns the datapoints Value says a query over [from, end)
// (from already rounded) must return, in scan order.
func expect(s *Server, q cwtypes.MetricDataQuery, from, end time.Time, asc bool) []point {
	ms := q.MetricStat
	per := time.Duration(aws.ToInt32(ms.Period)) * time.Second
	var out []point
	for t := from.Truncate(per); t.Before(end); t = t.Add(per) {
		if t.Before(from) {
			continue
		}
		if v, ok := s.Value(s.InstanceARN(aws.ToString(ms.Metric.Dimensions[0].Value)), aws.ToString(ms.Metric.MetricName), aws.ToString(ms.Stat), t, per); ok {
			out = append(out, point{t, v})
		}
	}
	if !asc {
		slices.Reverse(out)
	}
	return out
}

// checkSeries compares a fetched series with the expected one.
func checkSeries(t *testing.T, id string, got, want []point) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d datapoints, want %d", id, len(got), len(want))
	}
	for i := range want {
		if !got[i].t.Equal(want[i].t) || got[i].v != want[i].v {
			t.Fatalf("%s[%d]: got %v %v, want %v %v", id, i, got[i].t, got[i].v, want[i].t, want[i].v)
		}
	}
}

func TestGetMetricDataMatchesValue(t *testing.T) {
	s := startSim(t, Options{Instances: 5})
	c := cwClient(t, s)
	hour := testNow.Truncate(time.Hour)
	cases := []struct {
		name       string
		start, end time.Time
		queries    []cwtypes.MetricDataQuery
	}{
		{"hourly week", hour.Add(-7 * 24 * time.Hour), hour, []cwtypes.MetricDataQuery{
			rdsQuery("cpu", "sim-postgres-01", "CPUUtilization", "Average", 3600),
			rdsQuery("conn", "sim-mysql-02", "DatabaseConnections", "Maximum", 3600),
			rdsQuery("gappy", "sim-mariadb-03", "FreeStorageSpace", "Minimum", 3600),
		}},
		{"minutes up to now", testNow.Add(-3 * time.Hour), testNow.Add(time.Hour), []cwtypes.MetricDataQuery{
			rdsQuery("lat", "sim-aurora-postgresql-04", "ReadLatency", "p99", 60),
			rdsQuery("iops", "sim-postgres-05", "WriteIOPS", "Sum", 60),
		}},
		{"five minutes, 40 days ago", hour.Add(-40 * 24 * time.Hour), hour.Add(-38 * 24 * time.Hour), []cwtypes.MetricDataQuery{
			rdsQuery("mem", "sim-postgres-01", "FreeableMemory", "Average", 300),
		}},
		{"days", hour.Add(-30 * 24 * time.Hour).Truncate(24 * time.Hour), hour, []cwtypes.MetricDataQuery{
			rdsQuery("count", "sim-mysql-02", "ReadIOPS", "SampleCount", 86400),
			rdsQuery("binlog", "sim-mysql-02", "BinLogDiskUsage", "Maximum", 86400),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fetchAll(t, c, &cloudwatch.GetMetricDataInput{StartTime: &tc.start, EndTime: &tc.end, MetricDataQueries: tc.queries})
			for _, q := range tc.queries {
				id := aws.ToString(q.Id)
				want := expect(s, q, tc.start.Truncate(time.Minute), tc.end, false)
				if len(want) == 0 {
					t.Fatalf("%s: test expects no data", id)
				}
				checkSeries(t, id, f.series[id], want)
				if st := f.statuses[id]; len(st) != 1 || st[0] != cwtypes.StatusCodeComplete {
					t.Errorf("%s: statuses %v", id, st)
				}
				if f.labels[id] != aws.ToString(q.MetricStat.Metric.MetricName) {
					t.Errorf("%s: label %q", id, f.labels[id])
				}
			}
		})
	}
}

func TestGetMetricDataPagingOver100800(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	c := cwClient(t, s)
	start, end := testNow.Add(-14*24*time.Hour), testNow
	var queries []cwtypes.MetricDataQuery
	for i, in := range s.Instances() {
		queries = append(queries, rdsQuery(fmt.Sprintf("q%d", i), in.ID, "CPUUtilization", "Average", 60))
	}
	for _, scan := range []cwtypes.ScanBy{cwtypes.ScanByTimestampAscending, cwtypes.ScanByTimestampDescending} {
		t.Run(string(scan), func(t *testing.T) {
			s.ResetCounters()
			f := fetchAll(t, c, &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: queries, ScanBy: scan})
			total := 0
			for _, q := range queries {
				id := aws.ToString(q.Id)
				want := expect(s, q, start.Truncate(time.Minute), end, scan == cwtypes.ScanByTimestampAscending)
				checkSeries(t, id, f.series[id], want)
				total += len(want)
				checkStatuses(t, id, f.statuses[id])
			}
			if total <= maxDatapointsPerRes || len(f.pages) != 2 || f.pages[0] != maxDatapointsPerRes {
				t.Errorf("%d datapoints in pages %v, want a full first page", total, f.pages)
			}
			cs := s.Counters()
			if cs.MetricsRequested != int64(len(queries)*len(f.pages)) || cs.DatapointsReturned != int64(total) {
				t.Errorf("counters %+v, want %d metrics requested and %d datapoints", cs, len(queries)*len(f.pages), total)
			}
		})
	}
}

// checkStatuses checks that a result is PartialData on the pages before its
// last datapoint and Complete from then on.
func checkStatuses(t *testing.T, id string, st []cwtypes.StatusCode) {
	t.Helper()
	done := false
	for i, c := range st {
		if done && c != cwtypes.StatusCodeComplete {
			t.Fatalf("%s: page %d status %s after Complete", id, i, c)
		}
		done = c == cwtypes.StatusCodeComplete
	}
	if !done {
		t.Fatalf("%s: statuses %v never Complete", id, st)
	}
}

func TestGetMetricDataMaxDatapoints(t *testing.T) {
	s := startSim(t, Options{})
	c := cwClient(t, s)
	end := testNow.Truncate(time.Hour)
	start := end.Add(-24 * time.Hour)
	queries := []cwtypes.MetricDataQuery{
		rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", 3600),
		rdsQuery("b", "sim-mysql-02", "DBLoad", "Maximum", 3600),
		rdsQuery("c", "sim-mariadb-03", "WriteLatency", "Minimum", 3600),
	}
	f := fetchAll(t, c, &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: queries, MaxDatapoints: aws.Int32(50)})
	total := 0
	for _, q := range queries {
		want := expect(s, q, start, end, false)
		checkSeries(t, aws.ToString(q.Id), f.series[aws.ToString(q.Id)], want)
		checkStatuses(t, aws.ToString(q.Id), f.statuses[aws.ToString(q.Id)])
		total += len(want)
	}
	if len(f.pages) != (total+49)/50 || slices.Max(f.pages) != 50 {
		t.Errorf("pages %v for %d datapoints, want pages of 50", f.pages, total)
	}
}

func TestGetMetricDataScanBy(t *testing.T) {
	s := startSim(t, Options{})
	c := cwClient(t, s)
	start, end := testNow.Add(-6*time.Hour), testNow
	cases := []struct {
		scan cwtypes.ScanBy
		asc  bool
	}{{"", false}, {cwtypes.ScanByTimestampDescending, false}, {cwtypes.ScanByTimestampAscending, true}}
	for _, tc := range cases {
		t.Run(string(tc.scan), func(t *testing.T) {
			f := fetchAll(t, c, &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, ScanBy: tc.scan,
				MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", 300)}})
			pts := f.series["a"]
			if len(pts) < 2 {
				t.Fatalf("%d datapoints", len(pts))
			}
			if sorted := slices.IsSortedFunc(pts, func(a, b point) int { return a.t.Compare(b.t) }); sorted != tc.asc {
				t.Errorf("ascending = %v, want %v", sorted, tc.asc)
			}
		})
	}
}

func TestGetMetricDataTimeRules(t *testing.T) {
	s := startSim(t, Options{})
	c := cwClient(t, s)
	day := 24 * time.Hour
	at := func(d time.Duration, h, m, sec int) time.Time {
		t := testNow.Add(-d)
		return time.Date(t.Year(), t.Month(), t.Day(), h, m, sec, 0, time.UTC)
	}
	cases := []struct {
		name            string
		start, end      time.Time
		period          int32
		first, last     time.Time
		wantNoDatapoint bool
	}{
		{name: "under 15 days: start rounded to the minute", start: at(0, 10, 32, 34), end: at(0, 11, 0, 0), period: 60, first: at(0, 10, 32, 0), last: at(0, 10, 59, 0)},
		{name: "15 to 63 days: start rounded to 5 minutes", start: at(20*day, 10, 33, 10), end: at(20*day, 11, 0, 0), period: 300, first: at(20*day, 10, 30, 0), last: at(20*day, 10, 55, 0)},
		{name: "over 63 days: start rounded to the hour", start: at(100*day, 10, 32, 34), end: at(100*day, 14, 0, 0), period: 3600, first: at(100*day, 10, 0, 0), last: at(100*day, 13, 0, 0)},
		{name: "minute data kept 15 days", start: testNow.Add(-20 * day), end: testNow.Add(-14 * day), period: 60, first: at(15*day, 12, 35, 0), last: testNow.Add(-14 * day).Truncate(time.Minute)},
		{name: "5-minute data kept 63 days", start: testNow.Add(-70 * day), end: testNow.Add(-62 * day), period: 300, first: at(63*day, 12, 35, 0), last: testNow.Add(-62 * day).Truncate(5 * time.Minute)},
		{name: "hourly data kept 455 days", start: testNow.Add(-500 * day), end: testNow.Add(-454 * day), period: 3600, first: at(455*day, 13, 0, 0), last: testNow.Add(-454 * day).Truncate(time.Hour)},
		{name: "nothing beyond retention", start: testNow.Add(-30 * day), end: testNow.Add(-20 * day), period: 60, wantNoDatapoint: true},
		{name: "no minute in the future or not over", start: testNow.Add(-10 * time.Minute), end: testNow.Add(time.Hour), period: 60, first: at(0, 12, 24, 0), last: at(0, 12, 33, 0)},
		{name: "current hour served", start: testNow.Add(-3 * time.Hour), end: testNow.Add(time.Hour), period: 3600, first: at(0, 10, 0, 0), last: at(0, 12, 0, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fetchAll(t, c, &cloudwatch.GetMetricDataInput{StartTime: &tc.start, EndTime: &tc.end, ScanBy: cwtypes.ScanByTimestampAscending,
				MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", tc.period)}})
			pts := f.series["a"]
			if tc.wantNoDatapoint {
				if len(pts) != 0 || f.statuses["a"][0] != cwtypes.StatusCodeComplete {
					t.Fatalf("got %d datapoints, status %v; want none, Complete", len(pts), f.statuses["a"])
				}
				return
			}
			if len(pts) == 0 || !pts[0].t.Equal(tc.first) || !pts[len(pts)-1].t.Equal(tc.last) {
				t.Fatalf("datapoints %d: first %v last %v; want %v .. %v", len(pts), pts[0].t, pts[len(pts)-1].t, tc.first, tc.last)
			}
			for _, p := range pts {
				if p.t.Unix()%int64(tc.period) != 0 {
					t.Fatalf("timestamp %v not aligned to %d", p.t, tc.period)
				}
			}
		})
	}
}

func TestGetMetricDataEmptyResults(t *testing.T) {
	s := startSim(t, Options{})
	c := cwClient(t, s)
	start, end := testNow.Add(-2*time.Hour), testNow
	hidden := rdsQuery("hidden", "sim-postgres-01", "CPUUtilization", "Average", 60)
	hidden.ReturnData = aws.Bool(false)
	wrongUnit := rdsQuery("unit", "sim-postgres-01", "CPUUtilization", "Average", 60)
	wrongUnit.MetricStat.Unit = cwtypes.StandardUnitBytes
	rightUnit := rdsQuery("rightunit", "sim-postgres-01", "CPUUtilization", "Average", 60)
	rightUnit.MetricStat.Unit = cwtypes.StandardUnitPercent
	otherNS := rdsQuery("ns", "sim-postgres-01", "CPUUtilization", "Average", 60)
	otherNS.MetricStat.Metric.Namespace = aws.String("AWS/EC2")
	labeled := rdsQuery("labeled", "nope", "CPUUtilization", "Average", 60)
	labeled.Label = aws.String("my label")
	out, err := c.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: []cwtypes.MetricDataQuery{
		rdsQuery("unknown", "nope", "CPUUtilization", "Average", 60),
		rdsQuery("metric", "sim-postgres-01", "NoSuchMetric", "Average", 60),
		rdsQuery("engine", "sim-postgres-01", "BinLogDiskUsage", "Average", 60),
		hidden, wrongUnit, rightUnit, otherNS, labeled,
	}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range out.MetricDataResults {
		id := aws.ToString(r.Id)
		ids = append(ids, id)
		if r.StatusCode != cwtypes.StatusCodeComplete || (len(r.Values) == 0) != (id != "rightunit") {
			t.Errorf("%s: status %s, %d values", id, r.StatusCode, len(r.Values))
		}
		if id == "labeled" && aws.ToString(r.Label) != "my label" {
			t.Errorf("label %q", aws.ToString(r.Label))
		}
	}
	if want := []string{"unknown", "metric", "engine", "unit", "rightunit", "ns", "labeled"}; !slices.Equal(ids, want) {
		t.Errorf("result Ids %v, want %v", ids, want)
	}
}

func TestGetMetricDataValidation(t *testing.T) {
	s := startSim(t, Options{})
	c := cwClient(t, s, noRetries())
	start, end := testNow.Add(-time.Hour), testNow
	q := func(id string) cwtypes.MetricDataQuery {
		return rdsQuery(id, "sim-postgres-01", "CPUUtilization", "Average", 60)
	}
	many := make([]cwtypes.MetricDataQuery, 501)
	for i := range many {
		many[i] = q(fmt.Sprintf("q%d", i))
	}
	badStat, badPeriod, expr := q("a"), q("a"), cwtypes.MetricDataQuery{Id: aws.String("e"), Expression: aws.String("SUM(METRICS())")}
	badStat.MetricStat.Stat = aws.String("Median")
	badPeriod.MetricStat.Period = aws.Int32(90)
	cases := []struct {
		name     string
		in       cloudwatch.GetMetricDataInput
		code     string
		contains string
	}{
		{"501 queries", cloudwatch.GetMetricDataInput{MetricDataQueries: many}, "InvalidParameterValue", "greater than 500"},
		{"no queries", cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{}}, "MissingParameter", "MetricDataQueries"},
		{"bad id", cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{q("Cpu-1")}}, "ValidationError", "The value Cpu-1 for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$."},
		{"duplicate id", cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{q("a"), q("a")}}, "ValidationError", "MetricDataQueries.member.2.Id is not unique"},
		{"bad stat", cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{badStat}}, "ValidationError", "The value Median for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic."},
		{"bad period", cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{badPeriod}}, "ValidationError", "Period must be a multiple of 60"},
		{"expression", cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{expr}}, "ValidationError", "Expression"},
		{"start equals end", cloudwatch.GetMetricDataInput{StartTime: &end, MetricDataQueries: []cwtypes.MetricDataQuery{q("a")}}, "ValidationError", "The parameter StartTime must not equal parameter EndTime."},
		{"start after end", cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(time.Hour)), MetricDataQueries: []cwtypes.MetricDataQuery{q("a")}}, "ValidationError", "StartTime must be less than"},
		{"bad scan", cloudwatch.GetMetricDataInput{ScanBy: "Sideways", MetricDataQueries: []cwtypes.MetricDataQuery{q("a")}}, "ValidationError", "scanBy"},
		{"bad max datapoints", cloudwatch.GetMetricDataInput{MaxDatapoints: aws.Int32(0), MetricDataQueries: []cwtypes.MetricDataQuery{q("a")}}, "ValidationError", "MaxDatapoints"},
		{"foreign token", cloudwatch.GetMetricDataInput{NextToken: aws.String("bm90IGEgdG9rZW4"), MetricDataQueries: []cwtypes.MetricDataQuery{q("a")}}, "InvalidNextToken", "NextToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.StartTime == nil {
				in.StartTime = &start
			}
			in.EndTime = &end
			_, err := c.GetMetricData(context.Background(), &in)
			if code := errorCode(err); code != tc.code || !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %v (code %q), want code %q containing %q", err, code, tc.code, tc.contains)
			}
		})
	}
}

func TestGetMetricDataTokenOfAnotherRequest(t *testing.T) {
	s := startSim(t, Options{})
	c := cwClient(t, s, noRetries())
	start, end := testNow.Add(-time.Hour), testNow
	in := &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MaxDatapoints: aws.Int32(10),
		MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", 60)}}
	out, err := c.GetMetricData(context.Background(), in)
	if err != nil || out.NextToken == nil {
		t.Fatalf("first page: %v, token %v", err, out.NextToken)
	}
	in.NextToken = out.NextToken
	in.MetricDataQueries[0].MetricStat.Stat = aws.String("Maximum")
	if _, err := c.GetMetricData(context.Background(), in); errorCode(err) != "InvalidNextToken" {
		t.Errorf("token replayed against another request: %v", err)
	}
}

func TestListMetrics(t *testing.T) {
	s := startSim(t, Options{Instances: 20})
	c := cwClient(t, s)
	count := func(in *cloudwatch.ListMetricsInput) int {
		got, _ := listMetrics(t, c, in)
		return len(got)
	}
	want := len(s.PublishedSeries(s.AccountID(), s.Region()))
	if got := count(&cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/RDS")}); got != want || want <= listMetricsPage {
		t.Errorf("ListMetrics AWS/RDS: %d metrics, want %d over several pages", got, want)
	}
	one := &cloudwatch.ListMetricsInput{MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("DBInstanceIdentifier"), Value: aws.String("sim-mysql-02")}}}
	if got := count(one); got != 1 {
		t.Errorf("one metric of one instance: %d", got)
	}
	if got := count(&cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/EC2")}); got != 0 {
		t.Errorf("AWS/EC2: %d metrics", got)
	}
}

func TestCloudWatchUnknownOperation(t *testing.T) {
	s := startSim(t, Options{})
	_, err := cwClient(t, s, noRetries()).DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{})
	if code := errorCode(err); code != "InvalidAction" {
		t.Errorf("DescribeAlarms: %v (code %q), want InvalidAction", err, code)
	}
}

func TestCloudWatchRawProtocol(t *testing.T) {
	s := startSim(t, Options{})
	end := float64(testNow.Unix())
	body := cbor.Encode(cbor.Map{ // definite-length, integer period, float timestamps
		"StartTime": &cbor.Tag{ID: 1, Value: cbor.Float64(end - 600)},
		"EndTime":   &cbor.Tag{ID: 1, Value: cbor.Uint(uint64(end))},
		"MetricDataQueries": cbor.List{cbor.Map{"Id": cbor.String("a"), "MetricStat": cbor.Map{
			"Metric": cbor.Map{"Namespace": cbor.String("AWS/RDS"), "MetricName": cbor.String("CPUUtilization"),
				"Dimensions": cbor.List{cbor.Map{"Name": cbor.String("DBInstanceIdentifier"), "Value": cbor.String("sim-postgres-01")}}},
			"Period": cbor.Uint(60), "Stat": cbor.String("Average")}}},
	})
	cases := []struct {
		name       string
		protocol   string
		status     int
		queryError string
	}{
		{"rpc-v2-cbor", "rpc-v2-cbor", http.StatusOK, ""},
		{"no Smithy-Protocol header", "", http.StatusBadRequest, "SerializationException;Sender"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL()+cwPathPrefix+"GetMetricData", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/cbor")
			if tc.protocol != "" {
				req.Header.Set("Smithy-Protocol", tc.protocol)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			v, err := cbor.Decode(raw)
			if _, isMap := v.(cbor.Map); err != nil || !isMap {
				t.Fatalf("body is not a CBOR map: %v", err)
			}
			h := resp.Header
			if resp.StatusCode != tc.status || h.Get("Smithy-Protocol") != "rpc-v2-cbor" || h.Get("Content-Type") != "application/cbor" || h.Get("X-Amzn-Query-Error") != tc.queryError {
				t.Errorf("status %d, headers %v", resp.StatusCode, h)
			}
		})
	}
}
