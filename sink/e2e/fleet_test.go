package e2e

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// fleet is a week of hourly samples of a few RDS instances, with gaps, as
// the backfill writes them.
type fleet struct {
	series []tsdbwriter.Series
	// held are the hour starts (ms) with a value sample, by name (ARN).
	held map[string][]int64
	// from and to bound the week, [from, to).
	from, to time.Time
}

var fleetMetrics = []string{"aws_rds_cpuutilization_average", "aws_rds_free_storage_space_average", "aws_rds_database_connections_maximum"}

// newFleet builds a week of samples of n instances ending at the hour
// before end, with the job label job. Instance i misses the hours where
// (hour+i)%7 == 0 for every metric and, for i == 1, a whole day. Metric m
// has its samples m*29m59.999s after the hour, so some lie exactly on the
// hour and some 1 ms before the next. Every instance also has an
// aws_rds_info series in every hour, which coverage must not count.
func newFleet(n int, end time.Time, job string) *fleet {
	to := end.Truncate(time.Hour)
	f := &fleet{held: map[string][]int64{}, from: to.Add(-7 * 24 * time.Hour), to: to}
	for i := range n {
		arn := fmt.Sprintf("arn:aws:rds:eu-west-1:123456789012:db:db-%d", i)
		for m, metric := range fleetMetrics {
			f.series = append(f.series, tsdbwriter.Series{Labels: seriesLabels(metric, arn, i, job), Samples: f.samples(i, m)})
		}
		for _, smp := range f.samples(i, 0) {
			f.held[arn] = append(f.held[arn], smp.T)
		}
		info := seriesLabels("aws_rds_info", arn, i, job)
		f.series = append(f.series, tsdbwriter.Series{Labels: info, Samples: f.allHours()})
	}
	return f
}

func seriesLabels(metric, arn string, i int, job string) labels.Labels {
	return labels.FromStrings("__name__", metric, "name", arn, "region", "eu-west-1",
		"account_id", "123456789012", "dimension_DBInstanceIdentifier", fmt.Sprintf("db-%d", i), "job", job)
}

// samples returns the samples of metric m of instance i.
func (f *fleet) samples(i, m int) []tsdbwriter.Sample {
	var out []tsdbwriter.Sample
	offset := time.Duration(m) * (30*time.Minute - time.Millisecond)
	for h := f.from; h.Before(f.to); h = h.Add(time.Hour) {
		hour := int(h.Unix() / 3600)
		if (hour+i)%7 == 0 || (i == 1 && h.Sub(f.from) >= 48*time.Hour && h.Sub(f.from) < 72*time.Hour) {
			continue
		}
		v := math.Round(float64(hour%1000)*1.25+float64(i*10+m)) / 4
		out = append(out, tsdbwriter.Sample{T: h.Add(offset).UnixMilli(), V: v})
	}
	return out
}

// allHours returns a sample of value 1 at every hour start of the week.
func (f *fleet) allHours() []tsdbwriter.Sample {
	var out []tsdbwriter.Sample
	for h := f.from; h.Before(f.to); h = h.Add(time.Hour) {
		out = append(out, tsdbwriter.Sample{T: h.UnixMilli(), V: 1})
	}
	return out
}

// want returns the fleet's samples by the string labelKey gives.
func (f *fleet) want() map[string][]sample {
	out := map[string][]sample{}
	for _, s := range f.series {
		var smps []sample
		for _, x := range s.Samples {
			smps = append(smps, sample(x))
		}
		out[labelKey(s.Labels.Map())] = smps
	}
	return out
}

// labelKey renders labels in a canonical order.
func labelKey(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%q,", k, m[k])
	}
	return b.String()
}

type tsdbwriterSeries = tsdbwriter.Series

func countSamples(series []tsdbwriter.Series) int {
	n := 0
	for _, s := range series {
		n += len(s.Samples)
	}
	return n
}
