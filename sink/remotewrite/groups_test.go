package remotewrite

import (
	"fmt"
	"testing"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

func TestGroups(t *testing.T) {
	s := func(ls ...string) tsdbwriter.Series { return tsdbwriter.Series{Labels: labels.FromStrings(ls...)} }
	a1, a2 := s("__name__", "m1", "name", "a"), s("__name__", "m2", "name", "a")
	b1 := s("__name__", "m1", "name", "b")
	lone1, lone2 := s("__name__", "m1"), s("__name__", "m2")
	for _, tc := range []struct {
		name    string
		series  []tsdbwriter.Series
		groupBy string
		want    [][]tsdbwriter.Series
	}{
		{"by label, in the order of first series", []tsdbwriter.Series{b1, a1, a2}, "name", [][]tsdbwriter.Series{{b1}, {a1, a2}}},
		{"a series without the label is alone", []tsdbwriter.Series{a1, lone1, a2, lone2}, "name", [][]tsdbwriter.Series{{a1, a2}, {lone1}, {lone2}}},
		{"no label: every series alone", []tsdbwriter.Series{a1, a2, b1}, "", [][]tsdbwriter.Series{{a1}, {a2}, {b1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := groups(tc.series, tc.groupBy)
			if len(got) != len(tc.want) {
				t.Fatalf("%d groups, want %d: %v", len(got), len(tc.want), got)
			}
			for i, g := range got {
				if len(g.series) != len(tc.want[i]) {
					t.Fatalf("group %d (%s) has %d series, want %d", i, g.key, len(g.series), len(tc.want[i]))
				}
				for k, s := range g.series {
					if !labels.Equal(s.Labels, tc.want[i][k].Labels) {
						t.Errorf("group %d series %d is %s, want %s", i, k, s.Labels, tc.want[i][k].Labels)
					}
				}
			}
		})
	}
}

// TestGroupsByLabelRenderNoLabels: grouping series that carry the label
// allocates less than once per series (the groups, their slices and the
// index), where rendering each series' labels as a key allocated twice
// per series: a backfill groups every series of the fleet once per block
// window.
func TestGroupsByLabelRenderNoLabels(t *testing.T) {
	const n, perGroup = 1000, 20
	series := make([]tsdbwriter.Series, n)
	for i := range series {
		series[i] = tsdbwriter.Series{Labels: labels.FromStrings("__name__", "m", "name", fmt.Sprint("db-", i/perGroup), "x", fmt.Sprint(i%perGroup))}
	}
	if allocs := testing.AllocsPerRun(5, func() { groups(series, "name") }); allocs >= n {
		t.Errorf("grouping %d series by a label allocated %.0f times, want fewer than once per series", n, allocs)
	}
}
