package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// The account's alias goes on every resource of the account, static ones
// too; an account whose alias may not be read has none, says so once, and
// its discovery does not fail; another failure keeps the last alias.
func TestAccountAliases(t *testing.T) {
	east := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"}, alias: "acme",
		instances: []model.Described{inst("a", "us-east-1", "aws")}}
	other := &fakeDescriber{target: model.Target{AccountID: "2", Region: "us-east-1"},
		aliasErr: fmt.Errorf("account alias of 2: %w: api error AccessDenied", cloudwatch.ErrAliasDenied)}
	other.instances = []model.Described{inst("b", "us-east-1", "aws")}
	other.instances[0].AccountID = "2"
	var logs bytes.Buffer
	inv := New(Options{
		Static:     []model.Described{inst("legacy", "us-east-1", "onprem")},
		Describers: []Describer{east, other}, Discovery: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	aliases := func() string {
		var s []string
		for _, d := range inv.All() {
			s = append(s, d.AccountID+"/"+d.ID+"="+d.AccountAlias)
		}
		return strings.Join(s, " ")
	}
	for range 2 {
		if err := inv.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := aliases(), "1/a=acme 1/legacy=acme 2/b="; got != want {
		t.Errorf("aliases %s, want %s", got, want)
	}
	if n := strings.Count(logs.String(), "iam:ListAccountAliases denied"); n != 1 {
		t.Errorf("the denial is logged %d times, want once:\n%s", n, logs.String())
	}
	east.alias, east.aliasErr = "", errors.New("api error InternalFailure")
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := aliases(), "1/a=acme 1/legacy=acme 2/b="; got != want {
		t.Errorf("after a failed read: %s, want the last alias kept: %s", got, want)
	}
}
