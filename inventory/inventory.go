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
	// Target returns the account and region; the account may be empty
	// until the describer has listed an instance or ResolveAccount
	// succeeded.
	Target() model.Target
	DescribeInstances(ctx context.Context, f cloudwatch.DiscoveryFilter) ([]model.Instance, error)
	// ResolveAccount makes the account of Target known (asking STS).
	ResolveAccount(ctx context.Context) error
}

// Options configure an Inventory.
type Options struct {
	// Static instances are always listed. One without Region takes the
	// region of the first describer, one without AccountID the account of
	// the first describer of its region, and one CloudWatch serves gets its
	// ARN from them. An AWS instance whose account is not known yet is left
	// out, and Refresh asks the describer for its account.
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
	// RetryMin and RetryMax bound the wait between two refreshes of Run
	// until one succeeds: it doubles from RetryMin up to RetryMax (and the
	// interval); defaults DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
}

// The backoff of Run until a refresh succeeds.
const (
	DefaultRetryMin = time.Second
	DefaultRetryMax = 15 * time.Second
)

// Inventory is the current instance list. It is safe for concurrent use.
type Inventory struct {
	opts Options

	mu         sync.RWMutex
	discovered map[model.Target][]model.Instance
	all        []model.Instance
	refreshed  time.Time

	ready     chan struct{} // closed by the first refresh that succeeds
	readyOnce sync.Once
}

// New returns an inventory holding the static instances it can complete;
// call Refresh or Run to discover the rest.
func New(opts Options) *Inventory {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = DefaultRetryMin
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = DefaultRetryMax
	}
	inv := &Inventory{opts: opts, discovered: map[model.Target][]model.Instance{}, ready: make(chan struct{})}
	inv.all = merge(inv.static(), inv.discovered)
	return inv
}

// Ready is closed once a refresh has succeeded: every describer answered,
// and every static instance is complete. Until then the list is known to
// be incomplete.
func (inv *Inventory) Ready() <-chan struct{} { return inv.ready }

// Refresh asks every source for its instances, and the describers for the
// accounts static instances lack. A source that fails keeps the instances
// it had; the error names every failed source.
func (inv *Inventory) Refresh(ctx context.Context) error {
	var errs []error
	if inv.opts.Discovery {
		errs = inv.discover(ctx)
	}
	errs = append(errs, inv.resolveAccounts(ctx)...)
	err := errors.Join(errs...)
	inv.publish(err)
	if err == nil {
		inv.readyOnce.Do(func() { close(inv.ready) })
	}
	return err
}

// discover asks every describer for its instances.
func (inv *Inventory) discover(ctx context.Context) []error {
	var errs []error
	found := map[model.Target][]model.Instance{}
	for _, d := range inv.opts.Describers {
		list, err := d.DescribeInstances(ctx, inv.opts.Filter)
		tg := d.Target() // after the listing, which may have taught it the account
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
	return errs
}

func (inv *Inventory) publish(err error) {
	static := inv.static()
	inv.mu.Lock()
	inv.all = merge(static, inv.discovered)
	if err == nil {
		inv.refreshed = time.Now()
	}
	all := inv.all
	inv.mu.Unlock()
	if inv.opts.OnRefresh != nil {
		inv.opts.OnRefresh(all, err)
	}
}

// Run refreshes the list until ctx ends: at once unless a refresh has
// succeeded already, then again after a backoff (see Options.RetryMin)
// until one succeeds, and then every interval.
func (inv *Inventory) Run(ctx context.Context, interval time.Duration) {
	if !inv.untilReady(ctx, interval) {
		return
	}
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

// untilReady refreshes at once and then with a growing backoff until a
// refresh succeeds. It returns false if ctx ended first.
func (inv *Inventory) untilReady(ctx context.Context, interval time.Duration) bool {
	wait := inv.opts.RetryMin
	for {
		select {
		case <-inv.ready:
			return true
		case <-ctx.Done():
			return false
		default:
		}
		err := inv.Refresh(ctx)
		if err == nil {
			inv.opts.Logger.Info("instance list complete", "instances", len(inv.All()))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		inv.opts.Logger.Warn("instance discovery failed; the exporter is not ready until it succeeds", "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, inv.opts.RetryMax, interval)
	}
}
