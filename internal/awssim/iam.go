package awssim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// IAM's awsQuery namespace and API version.
const (
	iamXMLNS   = "https://iam.amazonaws.com/doc/2010-05-08/"
	iamVersion = "2010-05-08"
)

// IAMOptions shape what IAM answers: only ListAccountAliases is served.
// The zero value gives every account no alias, as a new AWS account has.
type IAMOptions struct {
	// Aliases are the account aliases by account ID (an account has at
	// most one).
	Aliases map[string]string
	// Denied are the accounts whose callers are not allowed
	// iam:ListAccountAliases: they get 403 AccessDenied.
	Denied []string
}

// listAccountAliasesResult is the ListAccountAliasesResult element.
type listAccountAliasesResult struct {
	XMLName        xml.Name `xml:"ListAccountAliasesResult"`
	IsTruncated    bool
	AccountAliases []string `xml:"AccountAliases>member"`
}

// listAccountAliases serves IAM's ListAccountAliases in the caller's
// account (IAM is global: the region of the signature does not matter):
// its alias, or an empty list, in one page.
func (s *Server) listAccountAliases(_ url.Values, _ *http.Request, sc scope) (any, *apiError) {
	if slices.Contains(s.opts.IAM.Denied, sc.account) {
		return nil, &apiError{status: http.StatusForbidden, code: "AccessDenied",
			message: fmt.Sprintf("User: arn:aws:iam::%s:user/awssim is not authorized to perform: iam:ListAccountAliases on resource: *", sc.account)}
	}
	res := listAccountAliasesResult{AccountAliases: []string{}}
	if alias := s.opts.IAM.Aliases[sc.account]; alias != "" {
		res.AccountAliases = append(res.AccountAliases, alias)
	}
	return res, nil
}
