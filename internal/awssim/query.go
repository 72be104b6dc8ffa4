package awssim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// XML namespaces of the awsQuery services.
const (
	rdsXMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"
	stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// queryAction runs one awsQuery action of scope sc (the caller's account
// and the request's region); it returns the Result element of the response
// (a struct with its own XMLName).
type queryAction func(form url.Values, r *http.Request, sc scope) (any, *apiError)

// lookupAction returns the XML namespace and the function of an awsQuery
// action; run is nil for actions awssim does not serve.
func (s *Server) lookupAction(action, version string) (xmlns string, run queryAction) {
	switch action {
	case "DescribeDBInstances":
		return rdsXMLNS, s.describeDBInstances
	case "DescribeDBClusters":
		return rdsXMLNS, s.describeDBClusters
	case "DescribeDBProxies":
		return rdsXMLNS, s.describeDBProxies
	case "ListTagsForResource":
		return rdsXMLNS, s.listTagsForResource
	case "AssumeRole":
		return stsXMLNS, s.assumeRole
	case "GetCallerIdentity":
		return stsXMLNS, s.getCallerIdentity
	case "ListAccountAliases":
		return iamXMLNS, s.listAccountAliases
	}
	switch version {
	case stsVersion:
		return stsXMLNS, nil
	case iamVersion:
		return iamXMLNS, nil
	}
	return rdsXMLNS, nil
}

// stsVersion is the API version STS requests carry.
const stsVersion = "2011-06-15"

// handleQuery serves awsQuery requests (RDS and STS): form-encoded POST
// with Action and Version, XML answers.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	reqID, sc := s.requestID(), s.scopeOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeXMLError(w, reqID, rdsXMLNS, errMalformedQuery(err))
		return
	}
	action := r.Form.Get("Action")
	xmlns, run := s.lookupAction(action, r.Form.Get("Version"))
	if e := s.admit(r.Context(), sc, action); e != nil {
		writeXMLError(w, reqID, xmlns, e)
		return
	}
	if run == nil {
		s.counters.update(sc, func(t *Tally) { t.ClientErrors++ })
		writeXMLError(w, reqID, xmlns, errUnknownOperation(action))
		return
	}
	result, e := run(r.Form, r, sc)
	if e != nil {
		s.counters.update(sc, func(t *Tally) { t.ClientErrors++ })
		writeXMLError(w, reqID, xmlns, e)
		return
	}
	writeXML(w, reqID, http.StatusOK, queryResponse{
		XMLName:   xml.Name{Local: action + "Response"},
		Xmlns:     xmlns,
		Result:    result,
		RequestID: reqID,
	})
}

// queryResponse is the envelope of an awsQuery answer.
type queryResponse struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	Result    any
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// xmlErrorResponse is an awsQuery error answer.
type xmlErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// writeXMLError writes an awsQuery error.
func writeXMLError(w http.ResponseWriter, reqID, xmlns string, e *apiError) {
	body := xmlErrorResponse{Xmlns: xmlns, RequestID: reqID}
	body.Error.Type, body.Error.Code, body.Error.Message = e.fault(), e.code, e.message
	writeXML(w, reqID, e.status, body)
}

// writeXML writes an XML answer.
func writeXML(w http.ResponseWriter, reqID string, status int, body any) {
	p, err := xml.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p = append([]byte(xml.Header), p...)
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-Requestid", reqID)
	h.Set("Content-Length", strconv.Itoa(len(p)))
	w.WriteHeader(status)
	_, _ = w.Write(p)
}

// errMalformedQuery answers a body that is not a form.
func errMalformedQuery(err error) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "MalformedQueryString", message: err.Error()}
}

// formList returns the values of an awsQuery list: prefix.1, prefix.2, ...
func formList(form url.Values, prefix string) []string {
	var out []string
	for i := 1; form.Has(fmt.Sprintf("%s.%d", prefix, i)); i++ {
		out = append(out, form.Get(fmt.Sprintf("%s.%d", prefix, i)))
	}
	return out
}

// formInt parses an optional integer parameter: def when v is empty; ok is
// false unless it is an integer in [lo, hi].
func formInt(v string, def, lo, hi int) (n int, ok bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}
