package sink_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
)

func TestCoverage(t *testing.T) {
	h := time.Hour.Milliseconds()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	c := sink.NewCoverage(day, day+24*h)
	c.Add("a", day+3*h)      // the hour's first millisecond
	c.Add("a", day+5*h-1)    // the last millisecond of hour 4
	c.Add("a", day+5*h+7)    // hour 5
	c.Add("a", day-1)        // before the range: ignored
	c.Add("b", day+24*h)     // after the range: ignored
	c.Add("c", day+23*h+h-1) // the range's last millisecond
	if got, want := c.Hours("a"), []int64{day + 3*h, day + 4*h, day + 5*h}; !slices.Equal(got, want) {
		t.Fatalf("Hours(a) = %v, want %v", got, want)
	}
	if got := c.Resources(); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("Resources() = %v", got)
	}
	tests := []struct {
		res  string
		t    int64
		want bool
	}{
		{"a", day + 3*h, true},
		{"a", day + 3*h - 1, false},
		{"a", day + 4*h - 1, true},
		{"a", day + 4*h + 30*60*1000, true},
		{"a", day + 6*h, false},
		{"c", day + 23*h, true},
		{"c", day + 24*h, false},
		{"b", day, false},
	}
	for _, tt := range tests {
		if got := c.Covered(tt.res, tt.t); got != tt.want {
			t.Errorf("Covered(%s, %d) = %v, want %v", tt.res, tt.t, got, tt.want)
		}
	}
}
