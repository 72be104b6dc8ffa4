// Package inventory keeps the list of DB instances the exporter knows:
// static ones from the config file and the ones DescribeDBInstances
// discovers, refreshed on an interval. The collector, the backfill and the
// web API read it.
package inventory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Describer lists the instances of its account and region;
// *cloudwatch.Client implements it.
type Describer interface {
	Target() model.Target
	DescribeInstances(ctx context.Context, f cloudwatch.DiscoveryFilter) ([]model.Instance, error)
}

// Options configure an Inventory.
type Options struct {
	// Static instances are always listed. Their Region and AccountID, and
	// the ARN of those CloudWatch serves, must be set.
	Static []model.Instance
	// Describers are asked for instances when Discovery is true, one per
	// account and region.
	Describers []Describer
	Discovery  bool
	Filter     cloudwatch.DiscoveryFilter
	Logger     *slog.Logger
	// OnRefresh, if set, is called after every refresh with the instances
	// and the refresh error.
	OnRefresh func(instances []model.Instance, err error)
}

// Inventory is the current instance list. It is safe for concurrent use.
type Inventory struct {
	opts Options

	mu         sync.RWMutex
	discovered map[model.Target][]model.Instance
	all        []model.Instance
	refreshed  time.Time
}

// New returns an inventory holding the static instances; call Refresh or
// Run to discover the rest.
func New(opts Options) *Inventory {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	inv := &Inventory{opts: opts, discovered: map[model.Target][]model.Instance{}}
	inv.all = merge(opts.Static, inv.discovered)
	return inv
}

// Refresh asks every source for its instances. A source that fails keeps
// the instances it had; the error names every failed source.
func (inv *Inventory) Refresh(ctx context.Context) error {
	if !inv.opts.Discovery {
		inv.publish(nil)
		return nil
	}
	var errs []error
	found := map[model.Target][]model.Instance{}
	for _, d := range inv.opts.Describers {
		tg := d.Target()
		list, err := d.DescribeInstances(ctx, inv.opts.Filter)
		if err != nil {
			errs = append(errs, fmt.Errorf("discover instances in %s: %w", tg.Key(), err))
			inv.mu.RLock()
			list = inv.discovered[tg]
			inv.mu.RUnlock()
		}
		found[tg] = list
	}
	inv.mu.Lock()
	inv.discovered = found
	inv.mu.Unlock()
	err := errors.Join(errs...)
	inv.publish(err)
	return err
}

func (inv *Inventory) publish(err error) {
	inv.mu.Lock()
	inv.all = merge(inv.opts.Static, inv.discovered)
	if err == nil {
		inv.refreshed = time.Now()
	}
	all := inv.all
	inv.mu.Unlock()
	if inv.opts.OnRefresh != nil {
		inv.opts.OnRefresh(all, err)
	}
}

// Run refreshes the list every interval until ctx ends. It does not refresh
// at once: call Refresh first.
func (inv *Inventory) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := inv.Refresh(ctx); err != nil && ctx.Err() == nil {
				inv.opts.Logger.Warn("instance discovery failed; keeping the previous list", "err", err)
			}
		}
	}
}

// All returns every known instance, sorted by region, account and ID. The
// slice is shared: do not modify it.
func (inv *Inventory) All() []model.Instance {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.all
}

// merge lists discovered instances and the static ones, dropping a static
// entry that discovery already found (discovery knows more about it): the
// same resource, so the same ARN. Instances without an ARN (not served by
// CloudWatch) are never discovered.
func merge(static []model.Instance, discovered map[model.Target][]model.Instance) []model.Instance {
	seen := map[string]bool{}
	all := make([]model.Instance, 0, len(static))
	add := func(i model.Instance) {
		k := i.Resource().Key()
		if k == "" || !seen[k] {
			seen[k] = true
			all = append(all, i)
		}
	}
	for _, list := range discovered {
		for _, i := range list {
			add(i)
		}
	}
	for _, i := range static {
		add(i)
	}
	slices.SortStableFunc(all, func(a, b model.Instance) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.ID, b.ID))
	})
	return all
}
