// Package inventory keeps the list of RDS resources the exporter knows:
// static DB instances from the config file and the DB instances, Aurora
// clusters and RDS Proxies that discovery finds, with the aggregates of
// their instances the config asks for, refreshed on an interval. With
// discovery it also asks ListMetrics which metrics each resource has, and
// chooses each resource's metrics (catalog.Rules). The collector, the
// backfill and the web API read it.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Describer lists the resources and metrics of its account and region;
// *cloudwatch.Client implements it.
type Describer interface {
	// Target returns the account and region; the account may be empty
	// until the describer has listed a resource or ResolveAccount
	// succeeded.
	Target() model.Target
	DescribeInstances(ctx context.Context, f cloudwatch.DiscoveryFilter) ([]model.Described, error)
	DescribeClusters(ctx context.Context, f cloudwatch.DiscoveryFilter) ([]model.Described, error)
	DescribeProxies(ctx context.Context, f cloudwatch.DiscoveryFilter) ([]model.Described, error)
	ListMetrics(ctx context.Context) (model.Listing, error)
	// ResolveAccount makes the account of Target known (asking STS).
	ResolveAccount(ctx context.Context) error
	// AccountAlias returns the IAM alias of the account, "" for none; an
	// error wrapping cloudwatch.ErrAliasDenied when it may not be read.
	AccountAlias(ctx context.Context) (string, error)
}

// Options configure an Inventory.
type Options struct {
	// Static resources are always listed. One without Region takes the
	// region of the first describer, one without AccountID the account of
	// the first describer of its region, and one CloudWatch serves gets its
	// ARN from them. An AWS resource whose account is not known yet is
	// left out, and Refresh asks the describer for its account.
	Static []model.Described
	// Describers are asked for resources when Discovery is true, one per
	// account and region.
	Describers []Describer
	Discovery  bool
	// Kinds are the kinds of resources discovered (of
	// model.ResourceKinds); default all.
	Kinds []model.Kind
	// Aggregates are the aggregates of DB instances served (of
	// model.AggregateKinds), derived from the instances and clusters known.
	Aggregates []model.Kind
	Filter     cloudwatch.DiscoveryFilter
	// Rules choose each resource's metrics.
	Rules  catalog.Rules
	Logger *slog.Logger
	// OnRefresh, if set, is called after every refresh with the resources
	// and the refresh error.
	OnRefresh func(all []model.Described, err error)
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

// found is what discovery found in one account and region.
type found struct {
	byKind map[model.Kind][]model.Described
	// listing is what ListMetrics said, nil when it never answered.
	listing model.Listing
	// alias is the account's IAM alias, "" when it has none or it could
	// not be read.
	alias string
}

// Inventory is the current resource list. It is safe for concurrent use.
type Inventory struct {
	opts Options

	mu    sync.RWMutex
	found map[model.Target]found
	// aliasDenied are the targets whose alias may not be read: said once.
	aliasDenied map[model.Target]bool
	all         []model.Described
	refreshed   time.Time

	ready     chan struct{} // closed by the first refresh that succeeds
	readyOnce sync.Once
}

// New returns an inventory holding the static resources it can complete;
// call Refresh or Run to discover the rest.
func New(opts Options) *Inventory {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if len(opts.Kinds) == 0 {
		opts.Kinds = model.ResourceKinds()
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = DefaultRetryMin
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = DefaultRetryMax
	}
	inv := &Inventory{opts: opts, found: map[model.Target]found{}, aliasDenied: map[model.Target]bool{}, ready: make(chan struct{})}
	inv.all = inv.build(inv.found)
	return inv
}

// Ready is closed once a refresh has succeeded: every describer answered,
// and every static resource is complete. Until then the list is known to
// be incomplete.
func (inv *Inventory) Ready() <-chan struct{} { return inv.ready }

// Refresh asks every source for its resources and metrics, and the
// describers for the accounts static resources lack. A kind of resources
// that a source fails to describe keeps what it had, and the error names
// every failed source and kind; a failed ListMetrics keeps the last
// listing (or, without one, the resources get their default metrics) and
// is logged, not returned.
func (inv *Inventory) Refresh(ctx context.Context) error {
	var errs []error
	if inv.opts.Discovery {
		errs = inv.discoverAll(ctx)
	}
	errs = append(errs, inv.resolveAccounts(ctx)...)
	err := errors.Join(errs...)
	inv.publish(err)
	if err == nil {
		inv.readyOnce.Do(func() { close(inv.ready) })
	}
	return err
}

// discoverAll asks every source for its resources and metrics.
func (inv *Inventory) discoverAll(ctx context.Context) []error {
	var errs []error
	next := map[model.Target]found{}
	for _, d := range inv.opts.Describers {
		inv.mu.RLock()
		prev := inv.found[d.Target()]
		inv.mu.RUnlock()
		f, err := inv.discover(ctx, d, prev)
		errs = append(errs, err)
		next[d.Target()] = f // after discovery, which may have taught it the account
	}
	inv.mu.Lock()
	inv.found = next
	inv.mu.Unlock()
	return errs
}

// discover asks one source for every kind of resources and for its
// metrics, keeping what prev had of a kind or listing that fails.
func (inv *Inventory) discover(ctx context.Context, d Describer, prev found) (found, error) {
	tg := d.Target()
	next := found{byKind: map[model.Kind][]model.Described{}, listing: prev.listing}
	var errs []error
	for _, k := range inv.opts.Kinds {
		list, err := describe(ctx, d, k, inv.opts.Filter)
		if err != nil {
			errs = append(errs, fmt.Errorf("discover %s in %s: %w", noun(k), tg.Key(), err))
			list = prev.byKind[k]
		}
		next.byKind[k] = list
	}
	listing, err := d.ListMetrics(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		inv.opts.Logger.Warn("ListMetrics failed; keeping the last listing, or the default metrics per kind, engine and role without one",
			"target", tg.Key(), "err", err)
	case err == nil:
		next.listing = listing
	}
	next.alias = inv.alias(ctx, d, prev.alias)
	return next, errors.Join(errs...)
}

// noun names the resources of a kind in messages.
func noun(k model.Kind) string {
	switch k {
	case model.KindDBInstance:
		return "DB instances"
	case model.KindCluster:
		return "Aurora clusters"
	case model.KindProxy:
		return "RDS Proxies"
	}
	return string(k)
}

// describe lists the resources of kind k of a source.
func describe(ctx context.Context, d Describer, k model.Kind, f cloudwatch.DiscoveryFilter) ([]model.Described, error) {
	switch k {
	case model.KindDBInstance:
		return d.DescribeInstances(ctx, f)
	case model.KindCluster:
		return d.DescribeClusters(ctx, f)
	case model.KindProxy:
		return d.DescribeProxies(ctx, f)
	}
	return nil, fmt.Errorf("kind %q cannot be discovered", k)
}

func (inv *Inventory) publish(err error) {
	inv.mu.Lock()
	inv.all = inv.build(inv.found)
	if err == nil {
		inv.refreshed = time.Now()
	}
	all := inv.all
	inv.mu.Unlock()
	inv.logDefaults(all)
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
				inv.opts.Logger.Warn("discovery failed; keeping the previous list", "err", err)
			}
		}
	}
}

// All returns every known resource, sorted by region, account, kind and
// identifier, each with its metrics. The slice is shared: do not modify
// it.
func (inv *Inventory) All() []model.Described {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.all
}

// build lists the static and discovered resources and the aggregates,
// each with its metrics.
func (inv *Inventory) build(f map[model.Target]found) []model.Described {
	discovered := map[model.Target][]model.Described{}
	listings := map[model.Target]model.Listing{}
	aliases := map[string]string{}
	for tg, fd := range f {
		for _, k := range model.ResourceKinds() {
			discovered[tg] = append(discovered[tg], fd.byKind[k]...)
		}
		listings[tg] = fd.listing
		if fd.alias != "" {
			aliases[tg.AccountID] = fd.alias
		}
	}
	all := merge(inv.static(), discovered)
	linkWriters(all)
	all = append(all, aggregates(all, inv.opts.Aggregates)...)
	for i := range all {
		all[i].AccountAlias = aliases[all[i].AccountID]
	}
	sortResources(all)
	shared := selectionSets{}
	for i := range all {
		d := &all[i]
		if d.ServedByCloudWatch() {
			metrics, listed := inv.opts.Rules.For(*d, listings[d.Target])
			d.Metrics, d.MetricsListed = shared.intern(metrics), listed
		}
	}
	return all
}

// logDefaults says which resources get their default metrics because
// ListMetrics did not list them.
func (inv *Inventory) logDefaults(all []model.Described) {
	unlisted := map[model.Target][]string{}
	for _, d := range all {
		if d.ServedByCloudWatch() && !d.MetricsListed {
			unlisted[d.Target] = append(unlisted[d.Target], d.Key())
		}
	}
	for _, tg := range sortedTargets(unlisted) {
		inv.opts.Logger.Info("no ListMetrics listing for these resources (discovery off, ListMetrics unavailable, or static resources it does not list): "+
			"fetching the default metrics of their kind, engine and role, some of which CloudWatch may not have",
			"target", tg.Key(), "resources", unlisted[tg])
	}
}

// copyDescribed returns d with its own tag map, so that linking and
// metrics never write into a source's list.
func copyDescribed(d model.Described) model.Described {
	d.Tags = maps.Clone(d.Tags)
	return d
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
			inv.opts.Logger.Info("resource list complete", "resources", len(inv.All()))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		inv.opts.Logger.Warn("discovery failed; the exporter is not ready until it succeeds", "retry_in", wait, "err", err)
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
