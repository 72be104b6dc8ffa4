package inventory

import (
	"context"
	"errors"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
)

// alias asks a source for its account's IAM alias (the account_alias
// label). Without the permission the resources carry no alias, which is
// logged once per account and region, as a warning; another failure keeps
// prev and is logged at each refresh. Neither fails the discovery.
func (inv *Inventory) alias(ctx context.Context, d Describer, prev string) string {
	tg := d.Target()
	alias, err := d.AccountAlias(ctx)
	switch {
	case err == nil:
		return alias
	case errors.Is(err, cloudwatch.ErrAliasDenied):
		inv.mu.Lock()
		first := !inv.aliasDenied[tg]
		inv.aliasDenied[tg] = true
		inv.mu.Unlock()
		if first {
			inv.opts.Logger.Warn("the account's alias cannot be read (iam:ListAccountAliases denied): series carry no account_alias label",
				"target", tg.Key(), "err", err)
		}
		return ""
	case ctx.Err() == nil:
		inv.opts.Logger.Warn("reading the account's alias failed; keeping the last one", "target", tg.Key(), "err", err)
	}
	return prev
}
