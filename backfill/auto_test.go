package backfill

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

func TestAutoFillsOnlyWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	f := &fakeCW{}
	b := newTestBackfiller(t, dir, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := NewJobs(ctx, b)
	onprem := testInstance("legacy")
	onprem.Provider = "onprem"
	a := &Auto{
		Jobs:      jobs,
		Resources: func() []model.Described { return []model.Described{testInstance("db-1"), testInstance("db-2"), onprem} },
		Interval:  time.Hour, Days: 2, Logger: slog.New(slog.DiscardHandler),
	}
	a.once(ctx)
	if f.calls != 1 {
		t.Fatalf("first run: %d calls, want 1 for both instances", f.calls)
	}
	a.once(ctx)
	if f.calls != 1 {
		t.Errorf("second run: %d more calls, want none: every hour is covered", f.calls-1)
	}
	list := jobs.List()
	if len(list) != 2 || list[0].State != StateSucceeded || list[0].HoursSkipped != 96 {
		t.Errorf("jobs %+v", list)
	}
}
