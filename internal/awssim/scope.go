package awssim

import (
	"net/http"
	"strings"
)

// scope is one account and region: the unit AWS keeps resources, metrics
// and quotas in.
type scope struct{ account, region string }

// key returns the scope as "<account>/<region>", the key of per-scope
// counters.
func (sc scope) key() string { return sc.account + "/" + sc.region }

// sigV4Scope returns the access key ID and the region of the credential
// scope of a SigV4-signed request: the Authorization header reads
// "AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...".
// Both are empty when the request is not signed that way.
func sigV4Scope(r *http.Request) (key, region string) {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return parts[0], ""
	}
	return parts[0], parts[2]
}

// scopeOf returns the account and region a request acts in: the region its
// signature was made for (the default region if it has none) and the
// account of its credentials (the role's account for credentials AssumeRole
// issued, the default account for any other).
func (s *Server) scopeOf(r *http.Request) scope {
	key, region := sigV4Scope(r)
	if region == "" {
		region = s.opts.Region
	}
	return scope{account: s.identityOf(key).account, region: region}
}
