package cloudwatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// APIListAccountAliases names IAM's ListAccountAliases, which tells the
// account's alias (the account_alias label).
const APIListAccountAliases = "ListAccountAliases"

// iamAPI is the IAM operation the client calls; *iam.Client implements it.
type iamAPI interface {
	ListAccountAliases(ctx context.Context, in *iam.ListAccountAliasesInput, optFns ...func(*iam.Options)) (*iam.ListAccountAliasesOutput, error)
}

// ErrAliasDenied says the credentials may not call
// iam:ListAccountAliases: the account's alias cannot be read.
var ErrAliasDenied = errors.New("iam:ListAccountAliases is not allowed")

// AccountAlias returns the IAM alias of the client's account, "" when it
// has none. IAM is global, so every client of an account gets the same
// answer. The request is reported under APIListAccountAliases; an
// AccessDenied answer is an error that wraps ErrAliasDenied.
func (c *Client) AccountAlias(ctx context.Context) (string, error) {
	out, err := c.iam.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	c.observer.Request(APIListAccountAliases, err)
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied":
		return "", fmt.Errorf("account alias of %s: %w: %w", c.Target().AccountID, ErrAliasDenied, err)
	case err != nil:
		return "", fmt.Errorf("account alias of %s: %w", c.Target().AccountID, err)
	case len(out.AccountAliases) == 0:
		return "", nil
	}
	return out.AccountAliases[0], nil
}
