package awssim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// AssumeRole session duration limits, in seconds.
const (
	minSessionSeconds     = 900
	maxSessionSeconds     = 43200
	defaultSessionSeconds = 3600
)

// identity is who GetCallerIdentity says the caller is.
type identity struct{ account, arn, userID string }

// sessionStore remembers the identities of credentials AssumeRole issued.
type sessionStore struct {
	mu  sync.Mutex
	ids map[string]identity // by access key ID
}

// add remembers the identity of an access key.
func (st *sessionStore) add(key string, id identity) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ids == nil {
		st.ids = map[string]identity{}
	}
	st.ids[key] = id
}

// get returns the identity of an access key.
func (st *sessionStore) get(key string) (identity, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id, ok := st.ids[key]
	return id, ok
}

// assumeRoleResult is the AssumeRoleResult element.
type assumeRoleResult struct {
	XMLName     xml.Name `xml:"AssumeRoleResult"`
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string
	}
	PackedPolicySize int
}

// callerIdentityResult is the GetCallerIdentityResult element.
type callerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string
	UserID  string `xml:"UserId"`
	Account string
}

// assumeRole serves AssumeRole: any role ARN of any account is accepted;
// the credentials expire after DurationSeconds of real time (not the
// simulator's clock, which the SDK does not know).
func (s *Server) assumeRole(form url.Values, _ *http.Request, _ scope) (any, *apiError) {
	account, role, ok := parseRoleARN(form.Get("RoleArn"))
	session := form.Get("RoleSessionName")
	if !ok {
		return nil, errSTSValidation(fmt.Sprintf("%s is invalid: RoleArn must look like arn:aws:iam::123456789012:role/name", form.Get("RoleArn")))
	}
	if session == "" {
		return nil, errSTSValidation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	secs, e := sessionSeconds(form.Get("DurationSeconds"))
	if e != nil {
		return nil, e
	}
	h := hash2(strHash(form.Get("RoleArn")+"/"+session), s.reqSeq.Load())
	var res assumeRoleResult
	res.Credentials.AccessKeyID = "ASIA" + hashChars(h, 16, base32Upper)
	res.Credentials.SecretAccessKey = hashChars(hash2(h, 1), 40, base32Upper+"abcdefghijklmnopqrstuvwxyz")
	res.Credentials.SessionToken = "awssim/" + hashChars(hash2(h, 2), 64, base32Upper)
	res.Credentials.Expiration = time.Now().UTC().Add(time.Duration(secs) * time.Second).Format(time.RFC3339)
	res.AssumedRoleUser.AssumedRoleID = "AROA" + hashChars(strHash(role), 17, base32Upper) + ":" + session
	res.AssumedRoleUser.Arn = fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, role, session)
	s.sessions.add(res.Credentials.AccessKeyID, identity{account: account, arn: res.AssumedRoleUser.Arn, userID: res.AssumedRoleUser.AssumedRoleID})
	return res, nil
}

// getCallerIdentity serves GetCallerIdentity: the identity of the
// request's access key.
func (s *Server) getCallerIdentity(_ url.Values, r *http.Request, _ scope) (any, *apiError) {
	key, _ := sigV4Scope(r)
	id := s.identityOf(key)
	return callerIdentityResult{Arn: id.arn, UserID: id.userID, Account: id.account}, nil
}

// identityOf returns who an access key belongs to: the assumed role for
// credentials AssumeRole issued, else an IAM user of the default account.
func (s *Server) identityOf(key string) identity {
	if id, ok := s.sessions.get(key); ok {
		return id
	}
	return identity{
		account: s.opts.AccountID,
		arn:     fmt.Sprintf("arn:aws:iam::%s:user/awssim", s.opts.AccountID),
		userID:  "AIDA" + hashChars(strHash(s.opts.AccountID), 17, base32Upper),
	}
}

// parseRoleARN splits arn:aws:iam::<account>:role/<path/name> into the
// account and the role name.
func parseRoleARN(arn string) (account, role string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", "", false
	}
	account, res, ok := strings.Cut(rest, ":")
	path, ok2 := strings.CutPrefix(res, "role/")
	if !ok || !ok2 || len(account) != 12 || strings.Trim(account, "0123456789") != "" || path == "" {
		return "", "", false
	}
	return account, path[strings.LastIndex(path, "/")+1:], true
}

// sessionSeconds reads DurationSeconds (default 3600, 900..43200).
func sessionSeconds(v string) (int, *apiError) {
	n, ok := formInt(v, defaultSessionSeconds, minSessionSeconds, maxSessionSeconds)
	if !ok {
		return 0, errSTSValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", v, minSessionSeconds, maxSessionSeconds))
	}
	return n, nil
}

// errSTSValidation is STS's ValidationError.
func errSTSValidation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ValidationError", message: msg}
}
