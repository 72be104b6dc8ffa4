package backfill

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Auto runs a fleet backfill on an interval, so that history lost while the
// exporter or Prometheus was down is filled without anyone asking. Each run
// costs CloudWatch requests only for hours that no block covers and that are
// not known to be empty, so it must see Prometheus's own blocks
// (Options.PrometheusDataDir): otherwise every hour Prometheus scraped live
// would be fetched again.
type Auto struct {
	Jobs *Jobs
	// Resources lists the known resources; the backfillable ones are swept.
	Resources func() []model.Described
	Interval  time.Duration
	Days      int
	// Sources and Select are those of each run's Request: the sources read
	// live and the resources each reads.
	Sources []model.Source
	Select  func(model.Source, model.Described) bool
	Logger  *slog.Logger
}

// Run backfills at once and then every Interval until ctx ends.
func (a *Auto) Run(ctx context.Context) {
	t := time.NewTicker(a.Interval)
	defer t.Stop()
	for {
		a.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// once runs one fleet backfill of the backfillable resources and logs its
// outcome.
func (a *Auto) once(ctx context.Context) {
	all := model.Backfillable(a.Resources())
	if len(all) == 0 {
		return
	}
	st, err := a.Jobs.Run(ctx, Request{Resources: all, Days: a.Days, Sources: a.Sources, Select: a.Select})
	var busy *BusyError
	switch {
	case errors.As(err, &busy):
		a.Logger.Info("automatic backfill skipped: a backfill is running", "job", busy.JobID)
	case err != nil && ctx.Err() == nil:
		a.Logger.Warn("automatic backfill failed; next try in one interval", "job", st.ID, "err", err)
	case err == nil:
		a.Logger.Info("automatic backfill done", "job", st.ID, "hours_backfilled", st.HoursBackfilled,
			"cloudwatch_requests", st.Requests)
	}
}
