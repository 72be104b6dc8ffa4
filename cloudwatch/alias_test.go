package cloudwatch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// AccountAlias through the real IAM client against awssim: the alias, none,
// and a denial that wraps ErrAliasDenied; every request is counted.
func TestAccountAlias(t *testing.T) {
	for _, tc := range []struct {
		name   string
		iam    awssim.IAMOptions
		want   string
		denied bool
	}{
		{"alias", awssim.IAMOptions{Aliases: map[string]string{awssim.DefaultAccountID: "acme-prod"}}, "acme-prod", false},
		{"none", awssim.IAMOptions{}, "", false},
		{"denied", awssim.IAMOptions{Denied: []string{awssim.DefaultAccountID}}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := awssim.New(awssim.Options{Instances: 1, Now: func() time.Time { return simNow }, IAM: tc.iam})
			if err := sim.Start("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sim.Close() })
			obs := &countingObserver{}
			got, err := simClient(t, sim, obs, 10, 1).AccountAlias(context.Background())
			if got != tc.want || errors.Is(err, ErrAliasDenied) != tc.denied || (err != nil) != tc.denied {
				t.Errorf("AccountAlias() = %q, %v; want %q, denied %v", got, err, tc.want, tc.denied)
			}
			if obs.requests[APIListAccountAliases] != 1 {
				t.Errorf("%d ListAccountAliases requests counted, want 1", obs.requests[APIListAccountAliases])
			}
		})
	}
}
