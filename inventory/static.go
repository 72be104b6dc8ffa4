package inventory

import (
	"context"
	"fmt"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// static returns the static resources, completed with the region and
// account of their describer; AWS resources whose account is not known
// yet are left out.
func (inv *Inventory) static() []model.Described {
	out := make([]model.Described, 0, len(inv.opts.Static))
	for _, d := range inv.opts.Static {
		if d, ok := inv.complete(d); ok {
			out = append(out, d)
		}
	}
	return out
}

// complete fills in what a static resource lacks from the describer of its
// region: false for an AWS resource whose describer does not know its
// account yet.
func (inv *Inventory) complete(d model.Described) (model.Described, bool) {
	if src := inv.describerIn(d.Region); src != nil {
		tg := src.Target()
		if d.Region == "" {
			d.Region = tg.Region
		}
		if d.AccountID == "" {
			d.AccountID = tg.AccountID
		}
		if d.AccountID == "" && d.ServedByCloudWatch() {
			return d, false
		}
	}
	if d.ServedByCloudWatch() && d.ARN == "" {
		d.ARN = d.Target.ARN(d.Kind, d.ID)
	}
	return d, true
}

// describerIn returns the first describer of region, or of any region for
// "".
func (inv *Inventory) describerIn(region string) Describer {
	for _, d := range inv.opts.Describers {
		if region == "" || d.Target().Region == region {
			return d
		}
	}
	return nil
}

// resolveAccounts asks the describers whose account a static AWS resource
// takes, and which do not know it yet, for their account.
func (inv *Inventory) resolveAccounts(ctx context.Context) []error {
	var errs []error
	asked := map[Describer]bool{}
	for _, s := range inv.opts.Static {
		d := inv.describerIn(s.Region)
		if !s.ServedByCloudWatch() || s.AccountID != "" || d == nil || asked[d] {
			continue
		}
		asked[d] = true
		if err := d.ResolveAccount(ctx); err != nil {
			errs = append(errs, fmt.Errorf("account of static resource %s in %s (set its account_id to do without STS): %w", s.ID, d.Target().Region, err))
		}
	}
	return errs
}
