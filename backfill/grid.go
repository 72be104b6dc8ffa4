package backfill

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// grid keeps the datapoints fetched for a batch until their block window
// is written. The period is fixed, so a datapoint's timestamp is implied
// by its place: each window holds, for each resource that misses hours in
// it, a float64 per period of each of its series from the first missing
// hour of the window to the last, and a bit per value saying whether
// CloudWatch returned it: 8 bytes and a bit per sample, where a list of
// timestamped samples takes 16. A window's values are allocated when a
// fetch first covers it and freed once it is written.
type grid struct {
	period int64 // seconds
	window int64 // the block window, seconds
	plans  []*instancePlan
	first  []int        // each plan's first series
	series []gridSeries // the queries of the batch, plan by plan
	order  []int        // series in label order
	open   map[int64]*gridWindow
	last   *gridWindow // the window of the last datapoint put
	// filled are the hours of each plan that got a datapoint, in the
	// windows written.
	filled []hours
	// written are the windows written, by start.
	written map[int64]bool
}

// gridSeries is one query of a batch: a series of one plan's resource.
type gridSeries struct {
	plan   int // in grid.plans
	k      int // the query's place among its plan's
	labels labels.Labels
}

// gridWindow holds the values of one block window [start, end).
type gridWindow struct {
	span
	slabs   []slab // by plan; zero for a plan without missing hours here
	values  []float64
	present []uint64
	free    func() error // frees values and present (see newArena)
}

// slab is where the values of one plan's series in a window are: those of
// its k-th series are values[off+k*slots:][:slots], for the periods from
// Unix second from on.
type slab struct {
	off, slots int
	from       int64
}

// newGrid prepares a grid for the plans of a batch: their series'
// labels, in label order. It allocates no values.
func (b *Backfiller) newGrid(plans []*instancePlan, r Range) *grid {
	g := &grid{
		period: int64(b.opts.Period / time.Second), window: int64(b.opts.BlockWindow / time.Second),
		plans: plans, first: make([]int, len(plans)), filled: make([]hours, len(plans)),
		open: map[int64]*gridWindow{}, written: map[int64]bool{},
	}
	for i, p := range plans {
		p.batchIndex = i
		g.first[i] = len(g.series)
		g.filled[i] = newHours(r)
		for k, q := range model.Queries([]model.Described{*p.inst}) {
			g.series = append(g.series, gridSeries{plan: i, k: k, labels: b.seriesLabelsFor(*p.inst, q)})
		}
	}
	g.order = make([]int, len(g.series))
	for i := range g.order {
		g.order[i] = i
	}
	slices.SortFunc(g.order, func(a, b int) int { return labels.Compare(g.series[a].labels, g.series[b].labels) })
	return g
}

// queryCount returns the number of queries of plans.
func (g *grid) queryCount(plans []*instancePlan) int {
	n := 0
	for _, p := range plans {
		n += p.inst.QueryCount()
	}
	return n
}

// queriesIn returns the queries [from, to) of plans, counted resource by
// resource, and the series of each.
func (g *grid) queriesIn(plans []*instancePlan, from, to int) ([]model.MetricQuery, []int) {
	qs, series := make([]model.MetricQuery, 0, to-from), make([]int, 0, to-from)
	off := 0
	for _, p := range plans {
		n := p.inst.QueryCount()
		if off+n > from && off < to {
			for k, q := range model.Queries([]model.Described{*p.inst}) {
				if i := off + k; i >= from && i < to {
					qs = append(qs, q)
					series = append(series, g.first[p.batchIndex]+k)
				}
			}
		}
		off += n
	}
	return qs, series
}

// openWindows allocates the windows that overlap s and are neither open
// nor written.
func (g *grid) openWindows(s span) error {
	for start := alignDown(s.start, g.window); start < s.end; start += g.window {
		if g.open[start] != nil || g.written[start] {
			continue
		}
		w, err := g.newWindow(span{start, start + g.window})
		if err != nil {
			return err
		}
		g.open[start] = w
	}
	return nil
}

// newWindow allocates the values of window w for every plan that misses
// hours in it.
func (g *grid) newWindow(w span) (*gridWindow, error) {
	gw := &gridWindow{span: w, slabs: make([]slab, len(g.plans))}
	n := 0
	for i, p := range g.plans {
		ms, ok := p.slabIn(w)
		if !ok {
			continue
		}
		slots := int((ms.end - ms.start) / g.period)
		gw.slabs[i] = slab{off: n, slots: slots, from: ms.start}
		n += slots * p.inst.QueryCount()
	}
	var err error
	gw.values, gw.present, gw.free, err = newArena(n)
	return gw, err
}

// put keeps the datapoints of series q that fall in hours its resource
// misses; it drops the others. Their window must be open.
func (g *grid) put(q int, ts []int64, vs []float64) error {
	gs := &g.series[q]
	p := g.plans[gs.plan]
	for j, ms := range ts {
		s := ms / 1000
		if !p.missing.has(s - s%3600) {
			continue
		}
		w := g.windowAt(s)
		if w == nil {
			continue // Never: a fetch opens the windows it covers.
		}
		sl := w.slabs[gs.plan]
		d := s - sl.from
		if d%g.period != 0 || ms%1000 != 0 {
			return fmt.Errorf("datapoint at %s is not on a boundary of the period %ds", time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), g.period)
		}
		i := sl.off + gs.k*sl.slots + int(d/g.period)
		w.values[i] = vs[j]
		w.present[i/64] |= 1 << (i % 64)
	}
	return nil
}

// windowAt returns the open window that holds Unix second s, or nil.
func (g *grid) windowAt(s int64) *gridWindow {
	if w := g.last; w != nil && s >= w.start && s < w.end {
		return w
	}
	g.last = g.open[alignDown(s, g.window)]
	return g.last
}

// ready returns the open windows that end by t, in time order: those no
// fetch that starts at t or later covers.
func (g *grid) ready(t int64) []*gridWindow {
	var out []*gridWindow
	for _, w := range g.open {
		if w.end <= t {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *gridWindow) int { return cmp.Compare(a.start, b.start) })
	return out
}

// samples returns the samples of window w, for a store to write.
func (g *grid) samples(w *gridWindow) windowSamples {
	return windowSamples{start: w.start * 1000, each: func(fn func(labels.Labels, []tsdbwriter.Sample) error) error {
		var buf []tsdbwriter.Sample
		for _, q := range g.order {
			gs := &g.series[q]
			sl := w.slabs[gs.plan]
			buf = buf[:0]
			base := sl.off + gs.k*sl.slots
			for j := range sl.slots {
				if i := base + j; w.present[i/64]&(1<<(i%64)) != 0 {
					buf = append(buf, tsdbwriter.Sample{T: (sl.from + int64(j)*g.period) * 1000, V: w.values[i]})
				}
			}
			if len(buf) > 0 {
				if err := fn(gs.labels, buf); err != nil {
					return err
				}
			}
		}
		return nil
	}}
}

// done records that window w is in the store (the window, and the hours
// in which each plan got a datapoint) and frees its values.
func (g *grid) done(w *gridWindow) {
	perHour := int(3600 / g.period)
	for pi, sl := range w.slabs {
		for k := range g.plans[pi].inst.QueryCount() {
			base := sl.off + k*sl.slots
			for j := range sl.slots {
				if i := base + j; w.present[i/64]&(1<<(i%64)) != 0 {
					g.filled[pi].add(sl.from + int64(j/perHour)*3600)
				}
			}
		}
	}
	g.written[w.start] = true
	g.close(w)
}

// close frees window w and forgets it.
func (g *grid) close(w *gridWindow) {
	delete(g.open, w.start)
	if g.last == w {
		g.last = nil
	}
	w.values, w.present = nil, nil
	_ = w.free() // Unmapping what was mapped does not fail.
}

// release frees the windows still open: a batch that failed leaves them
// unwritten.
func (g *grid) release() {
	for _, w := range g.open {
		g.close(w)
	}
}

// swept reports whether the hour that starts at h is in a window written.
func (g *grid) swept(h int64) bool { return g.written[alignDown(h, g.window)] }

// alignDown returns the largest multiple of step that is <= t; step > 0.
func alignDown(t, step int64) int64 {
	r := t % step
	if r < 0 {
		r += step
	}
	return t - r
}
