package backfill

import "github.com/rds-backfill-exporter/rds-backfill-exporter/model"

// progress reports instance-hours fetched to a callback, and logs every 24
// hours of history swept (instance-hours divided by instances).
type progress struct {
	b         *Backfiller
	source    model.Source
	cb        func(Progress)
	done      int
	total     int
	instances int
	logged    int
	phase     string
}

func newProgress(b *Backfiller, src model.Source, cb func(Progress), total, instances int) *progress {
	p := &progress{b: b, source: src, cb: cb, total: total, instances: max(1, instances), phase: PhaseFetching}
	p.report()
	return p
}

func (p *progress) add(hours int) {
	p.done = min(p.total, p.done+hours)
	p.report()
	history := p.done / p.instances
	if history/24 > p.logged/24 || (p.done == p.total && p.logged != history) {
		p.b.opts.Logger.Info("backfill progress", "source", p.source, "hours_of_history_swept", history,
			"instance_hours_done", p.done, "instance_hours_total", p.total)
		p.logged = history
	}
}

// fetching reports that a batch's fetches start.
func (p *progress) fetching() {
	p.phase = PhaseFetching
	p.report()
}

// writing reports that a batch's fetches are done and its samples are
// being written, in the store's phase.
func (p *progress) writing(phase string) {
	p.phase = phase
	p.report()
}

func (p *progress) report() {
	if p.cb != nil {
		p.cb(Progress{Source: p.source, Phase: p.phase, HoursDone: p.done, HoursTotal: p.total})
	}
}
