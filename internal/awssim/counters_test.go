package awssim

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

func TestCounters(t *testing.T) {
	s := startSim(t, Options{})
	cfg := awsConfig(t, s, noRetries())
	end := testNow.Truncate(time.Hour)
	start := end.Add(-24 * time.Hour)
	out, err := cloudwatch.NewFromConfig(cfg).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: &start, EndTime: &end, MetricDataQueries: []cwtypes.MetricDataQuery{
			rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", 3600),
			rdsQuery("b", "sim-postgres-01", "CPUUtilization", "Maximum", 3600),
			rdsQuery("c", "sim-mysql-02", "FreeableMemory", "Average", 3600),
		}})
	if err != nil {
		t.Fatal(err)
	}
	points := 0
	for _, r := range out.MetricDataResults {
		points += len(r.Values)
	}
	if _, err := rds.NewFromConfig(cfg).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(5)}); err == nil {
		t.Fatal("MaxRecords 5 accepted")
	}
	tally := Tally{
		Requests:           map[string]int64{"GetMetricData": 1, "DescribeDBInstances": 1},
		MetricsRequested:   3,
		DatapointsReturned: int64(points),
		ClientErrors:       1,
	}
	want := Counters{
		Tally: tally, Scopes: map[string]Tally{"123456789012/us-east-1": tally},
		MetricQueries: map[string]int64{"CPUUtilization": 2, "FreeableMemory": 1},
		ResourceQueries: map[string]map[string]int64{
			s.InstanceARN("sim-postgres-01"): {"CPUUtilization": 2},
			s.InstanceARN("sim-mysql-02"):    {"FreeableMemory": 1},
		},
	}
	if got := s.Counters(); !reflect.DeepEqual(got, want) || points != 72 {
		t.Errorf("counters %+v, want %+v (72 datapoints)", got, want)
	}
	if got := getCounters(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("GET /awssim/counters = %+v, want %+v", got, want)
	}

	resp, err := http.Post(s.URL()+"/awssim/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if zero := (Counters{Tally: Tally{Requests: map[string]int64{}}, Scopes: map[string]Tally{}, MetricQueries: map[string]int64{}, ResourceQueries: map[string]map[string]int64{}}); resp.StatusCode != http.StatusNoContent || !reflect.DeepEqual(s.Counters(), zero) || !reflect.DeepEqual(getCounters(t, s), zero) {
		t.Errorf("after reset: status %d, counters %+v", resp.StatusCode, s.Counters())
	}
}

// getCounters fetches GET /awssim/counters.
func getCounters(t *testing.T, s *Server) Counters {
	t.Helper()
	resp, err := http.Get(s.URL() + "/awssim/counters")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c Counters
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStartCloseURL(t *testing.T) {
	s := New(Options{})
	if s.URL() != "" {
		t.Errorf("URL before Start: %q", s.URL())
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start succeeded")
	}
	url := s.URL()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/awssim/counters"); err == nil {
		t.Error("server still answers after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
