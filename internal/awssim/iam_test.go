package awssim

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ListAccountAliases through the real IAM client: the caller's account's
// alias (the role's account after AssumeRole), none for an account
// without one, and 403 AccessDenied for an account that denies it.
func TestListAccountAliases(t *testing.T) {
	s := startSim(t, Options{IAM: IAMOptions{
		Aliases: map[string]string{"123456789012": "acme-prod"},
		Denied:  []string{"999999999999"},
	}})
	ctx := context.Background()
	cfg := awsConfig(t, s, noRetries())
	aliases := func(cfg aws.Config) ([]string, error) {
		out, err := iam.NewFromConfig(cfg).ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
		if err != nil {
			return nil, err
		}
		if out.IsTruncated {
			t.Error("IsTruncated")
		}
		return out.AccountAliases, nil
	}
	got, err := aliases(cfg)
	if err != nil || !slices.Equal(got, []string{"acme-prod"}) {
		t.Errorf("default account: %v, %v; want [acme-prod]", got, err)
	}
	asRole := func(account string) aws.Config {
		c := cfg.Copy()
		c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), "arn:aws:iam::"+account+":role/r"))
		return c
	}
	if got, err := aliases(asRole("210987654321")); err != nil || len(got) != 0 {
		t.Errorf("account without alias: %v, %v; want none", got, err)
	}
	_, err = aliases(asRole("999999999999"))
	var re *awshttp.ResponseError
	if errorCode(err) != "AccessDenied" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
		t.Errorf("denied account: %v, want 403 AccessDenied", err)
	}
}
