package backfill

import (
	"context"
	"maps"
	"slices"
	"sort"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sources"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// accumulator keeps the samples of Enhanced Monitoring or Performance
// Insights series read for a batch, until they are written. Samples of
// hours a plan does not miss are dropped.
type accumulator struct {
	b      *Backfiller
	series []tsdbwriter.Series
	ids    []seriesID
	index  map[string]int // by seriesID.key()
	// layout remembers, per plan, the series of each sample of the last
	// event, which the next event of the instance almost always repeats:
	// a comparison instead of a map lookup.
	layout map[*sourcePlan][]int
	// hint is, per plan, how many samples a series will hold: the room a
	// new series gets, so that appends do not grow it.
	hint map[*sourcePlan]int
	// samples counts the samples held.
	samples int
}

// seriesID is what tells the series of a batch apart.
type seriesID struct {
	plan   *sourcePlan
	name   string
	labels []catalog.Label
}

// key returns the id as text, for the index.
func (id seriesID) key() string {
	n := len(id.plan.key()) + len(id.name) + 2
	for _, l := range id.labels {
		n += len(l.Name) + len(l.Value) + 2
	}
	b := make([]byte, 0, n)
	b = append(append(append(b, id.plan.key()...), 0xff), id.name...)
	for _, l := range id.labels {
		b = append(append(append(append(b, 0xff), l.Name...), 0xfe), l.Value...)
	}
	return string(b)
}

// matches reports whether the id is of sample s of plan p.
func (id seriesID) matches(p *sourcePlan, s sources.Sample) bool {
	return id.plan == p && id.name == s.Name && slices.Equal(id.labels, s.Labels)
}

func newAccumulator(b *Backfiller) *accumulator {
	return &accumulator{b: b, index: map[string]int{}, layout: map[*sourcePlan][]int{}, hint: map[*sourcePlan]int{}}
}

// addAll adds the samples of one time of plan p, if p misses its hour.
func (a *accumulator) addAll(p *sourcePlan, t time.Time, samples []sources.Sample) {
	h := t.Unix() - t.Unix()%3600
	if len(samples) == 0 || !p.missing.has(h) {
		return
	}
	p.filled.add(h)
	layout := a.layout[p]
	for i, s := range samples {
		var at int
		if i < len(layout) && a.ids[layout[i]].matches(p, s) {
			at = layout[i]
		} else {
			at = a.seriesOf(seriesID{plan: p, name: s.Name, labels: s.Labels})
			if i < len(layout) {
				layout[i] = at
			} else {
				layout = append(layout, at)
			}
		}
		a.series[at].Samples = append(a.series[at].Samples, tsdbwriter.Sample{T: t.UnixMilli(), V: s.Value})
	}
	a.samples += len(samples)
	a.layout[p] = layout
}

// seriesOf returns the index of the series of id, creating it.
func (a *accumulator) seriesOf(id seriesID) int {
	k := id.key()
	if i, ok := a.index[k]; ok {
		return i
	}
	i := len(a.series)
	a.index[k] = i
	a.ids = append(a.ids, id)
	a.series = append(a.series, tsdbwriter.Series{Labels: a.b.sourceLabels(id), Samples: make([]tsdbwriter.Sample, 0, a.hint[id.plan])})
	return i
}

// sourceLabels returns the labels of a backfilled series of a source:
// exactly those of the live series (the family's name, the instance's
// identity labels, the family's labels), plus the target labels.
func (b *Backfiller) sourceLabels(id seriesID) labels.Labels {
	m := map[string]string{pmodel.MetricNameLabel: id.name}
	for _, l := range (sources.Sample{Labels: id.labels}).SeriesLabels(b.opts.Labeling, id.plan.d.Resource) {
		m[l.Name] = l.Value
	}
	for k, v := range b.opts.Labels {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return labels.FromMap(m)
}

// writeSeries writes series, their samples ascending, to the store one
// block window at a time, in time order, each window's series in label
// order (as the store wants them).
func (b *Backfiller) writeSeries(ctx context.Context, series []tsdbwriter.Series, res *Result) error {
	series = slices.Clone(series) // the accumulator's index refers to its order
	slices.SortFunc(series, func(x, y tsdbwriter.Series) int { return labels.Compare(x.Labels, y.Labels) })
	window := b.opts.BlockWindow.Milliseconds()
	starts := map[int64]struct{}{}
	for _, s := range series {
		for i := 0; i < len(s.Samples); {
			start := alignDown(s.Samples[i].T, window)
			starts[start] = struct{}{}
			i += sort.Search(len(s.Samples)-i, func(j int) bool { return s.Samples[i+j].T >= start+window })
		}
	}
	for _, start := range slices.Sorted(maps.Keys(starts)) {
		if err := b.writeWindow(ctx, windowSamples{start: start, each: seriesIn(series, start, start+window)}, res); err != nil {
			return err
		}
	}
	return nil
}

// seriesIn returns a windowSamples.each over the samples of series in
// [from, to) (milliseconds).
func seriesIn(series []tsdbwriter.Series, from, to int64) func(func(labels.Labels, []tsdbwriter.Sample) error) error {
	return func(fn func(labels.Labels, []tsdbwriter.Sample) error) error {
		for _, s := range series {
			lo := sort.Search(len(s.Samples), func(j int) bool { return s.Samples[j].T >= from })
			hi := lo + sort.Search(len(s.Samples)-lo, func(j int) bool { return s.Samples[lo+j].T >= to })
			if lo == hi {
				continue
			}
			if err := fn(s.Labels, s.Samples[lo:hi]); err != nil {
				return err
			}
		}
		return nil
	}
}
