package backfill

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// recordingStore records the windows written to it, as the text of each
// series it was handed ("start: labels t=v t=v").
type recordingStore struct {
	localStore
	windows []string
}

func (s *recordingStore) write(_ context.Context, ws windowSamples, res *Result) error {
	return ws.each(func(l labels.Labels, samples []tsdbwriter.Sample) error {
		line := fmt.Sprintf("%d: %s", ws.start, l)
		for _, x := range samples {
			line += fmt.Sprintf(" %d=%g", x.T, x.V)
		}
		s.windows = append(s.windows, line)
		res.Samples += uint64(len(samples))
		return nil
	})
}

// writeSeries hands the store each block window that holds samples, in
// time order, with each series' samples of that window only and the
// series in label order, whatever order the series and windows came in;
// a window without samples is not written.
func TestWriteSeriesByWindow(t *testing.T) {
	b := newTestBackfiller(t, t.TempDir(), &fakeCW{})
	b.opts.BlockWindow = 2 * time.Hour
	st := &recordingStore{}
	b.store = st
	const h = int64(time.Hour / time.Millisecond)
	series := []tsdbwriter.Series{
		{Labels: labels.FromStrings("__name__", "z"), Samples: []tsdbwriter.Sample{{T: 1, V: 1}, {T: 5*h + 7, V: 2}}},
		{Labels: labels.FromStrings("__name__", "a"), Samples: []tsdbwriter.Sample{{T: 2*h - 1, V: 3}, {T: 2 * h, V: 4}, {T: 5 * h, V: 5}}},
	}
	var res Result
	if err := b.writeSeries(context.Background(), series, &res); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf(`0: {__name__="a"} %d=3`, 2*h-1),
		`0: {__name__="z"} 1=1`,
		fmt.Sprintf(`%d: {__name__="a"} %d=4`, 2*h, 2*h),
		fmt.Sprintf(`%d: {__name__="a"} %d=5`, 4*h, 5*h),
		fmt.Sprintf(`%d: {__name__="z"} %d=2`, 4*h, 5*h+7),
	}
	if !slices.Equal(st.windows, want) || res.Samples != 5 {
		t.Errorf("windows written:\n%q\nwant:\n%q (%d samples)", st.windows, want, res.Samples)
	}
	if series[0].Labels.Get("__name__") != "z" {
		t.Error("writeSeries reordered the caller's series")
	}
}
