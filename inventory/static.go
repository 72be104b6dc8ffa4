package inventory

import (
	"context"
	"fmt"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// static returns the static instances, completed with the region and
// account of their describer; AWS instances whose account is not known yet
// are left out.
func (inv *Inventory) static() []model.Instance {
	out := make([]model.Instance, 0, len(inv.opts.Static))
	for _, i := range inv.opts.Static {
		if i, ok := inv.complete(i); ok {
			out = append(out, i)
		}
	}
	return out
}

// complete fills in what a static instance lacks from the describer of its
// region: false for an AWS instance whose describer does not know its
// account yet.
func (inv *Inventory) complete(i model.Instance) (model.Instance, bool) {
	if d := inv.describerIn(i.Region); d != nil {
		tg := d.Target()
		if i.Region == "" {
			i.Region = tg.Region
		}
		if i.AccountID == "" {
			i.AccountID = tg.AccountID
		}
		if i.AccountID == "" && i.ServedByCloudWatch() {
			return i, false
		}
	}
	if i.ServedByCloudWatch() && i.ARN == "" {
		i.ARN = i.Target().ARN(model.KindDBInstance, i.ID)
	}
	return i, true
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

// resolveAccounts asks the describers whose account a static AWS instance
// takes, and which do not know it yet, for their account.
func (inv *Inventory) resolveAccounts(ctx context.Context) []error {
	var errs []error
	asked := map[Describer]bool{}
	for _, i := range inv.opts.Static {
		d := inv.describerIn(i.Region)
		if !i.ServedByCloudWatch() || i.AccountID != "" || d == nil || asked[d] {
			continue
		}
		asked[d] = true
		if err := d.ResolveAccount(ctx); err != nil {
			errs = append(errs, fmt.Errorf("account of static instance %s in %s (set its account_id to do without STS): %w", i.ID, d.Target().Region, err))
		}
	}
	return errs
}
