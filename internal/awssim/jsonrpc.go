package awssim

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// jsonContentType is the content type of AWS JSON 1.1 requests and answers.
const jsonContentType = "application/x-amz-json-1.1"

// CloudWatch Logs and Performance Insights operations awssim serves.
const (
	opGetLogEvents          = "GetLogEvents"
	opFilterLogEvents       = "FilterLogEvents"
	opDescribeLogStreams    = "DescribeLogStreams"
	opGetResourceMetrics    = "GetResourceMetrics"
	opDescribeDimensionKeys = "DescribeDimensionKeys"
)

// jsonOp runs one JSON 1.1 operation on a request body in the fleet of the
// caller's account and region; it returns the value to answer as JSON.
type jsonOp func(body []byte, fl *fleet) (any, *apiError)

// jsonService is a service that speaks JSON 1.1.
type jsonService struct {
	// prefix is the service part of X-Amz-Target, e.g. "Logs_20140328".
	prefix string
	// messageKey is the member that errors carry their text in: Logs
	// models it as "message", Performance Insights as "Message".
	messageKey string
	// validation is the error code of a member that breaks its model's
	// constraints (length, range, required).
	validation string
}

// logsService is CloudWatch Logs.
func logsService() jsonService {
	return jsonService{prefix: "Logs_20140328", messageKey: "message", validation: "InvalidParameterException"}
}

// piService is Performance Insights.
func piService() jsonService {
	return jsonService{prefix: "PerformanceInsightsv20180227", messageKey: "Message", validation: "ValidationException"}
}

// handleRoot serves POST /: JSON 1.1 requests (they carry X-Amz-Target)
// and awsQuery ones (RDS and STS).
func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "" {
		s.handleJSON(w, r)
		return
	}
	s.handleQuery(w, r)
}

// handleJSON serves a JSON 1.1 request: X-Amz-Target names the service
// and operation, the body is a JSON object, answers are JSON objects and
// errors carry __type. The operation acts in the caller's account and the
// region of the request's signature, as every awssim request does.
func (s *Server) handleJSON(w http.ResponseWriter, r *http.Request) {
	reqID, sc := s.requestID(), s.scopeOf(r)
	svc, op, run := s.lookupTarget(r.Header.Get("X-Amz-Target"))
	if e := s.admit(r.Context(), sc, op); e != nil {
		writeJSONError(w, reqID, svc, e)
		return
	}
	out, e := runJSON(r, op, run, s.fleet(sc))
	if e != nil {
		s.counters.update(sc, func(t *Tally) { t.ClientErrors++ })
		writeJSONError(w, reqID, svc, e)
		return
	}
	writeJSON(w, reqID, http.StatusOK, out)
}

// lookupTarget splits X-Amz-Target into its service and operation; run is
// nil for operations awssim does not serve.
func (s *Server) lookupTarget(target string) (jsonService, string, jsonOp) {
	prefix, op, _ := strings.Cut(target, ".")
	switch prefix {
	case logsService().prefix:
		return logsService(), op, s.logsOp(op)
	case piService().prefix:
		return piService(), op, s.piOp(op)
	}
	return logsService(), target, nil
}

// logsOp returns the function of a CloudWatch Logs operation.
func (s *Server) logsOp(op string) jsonOp {
	switch op {
	case opGetLogEvents:
		return s.getLogEvents
	case opFilterLogEvents:
		return s.filterLogEvents
	case opDescribeLogStreams:
		return s.describeLogStreams
	}
	return nil
}

// piOp returns the function of a Performance Insights operation.
func (s *Server) piOp(op string) jsonOp {
	switch op {
	case opGetResourceMetrics:
		return s.getResourceMetrics
	case opDescribeDimensionKeys:
		return s.describeDimensionKeys
	}
	return nil
}

// runJSON checks the content type, reads the body and runs the operation
// in fleet fl.
func runJSON(r *http.Request, op string, run jsonOp, fl *fleet) (any, *apiError) {
	if run == nil {
		return nil, errUnknownOperation(op)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != jsonContentType {
		return nil, errSerialization(fmt.Errorf("Content-Type is %q, want %s", r.Header.Get("Content-Type"), jsonContentType))
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, errSerialization(err)
	}
	return run(body, fl)
}

// decodeJSON decodes a request body into in; an empty body is {}.
// Unknown members are ignored, as AWS ignores them.
func decodeJSON(body []byte, in any) *apiError {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, in); err != nil {
		return errSerialization(err)
	}
	return nil
}

// writeJSON writes a JSON 1.1 answer.
func writeJSON(w http.ResponseWriter, reqID string, status int, body any) {
	p, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h.Set("X-Amzn-Requestid", reqID)
	h.Set("Content-Length", strconv.Itoa(len(p)))
	w.WriteHeader(status)
	_, _ = w.Write(p)
}

// writeJSONError writes a JSON 1.1 error: {__type, message} (the member
// name is the service's) and the X-Amzn-ErrorType header.
func writeJSONError(w http.ResponseWriter, reqID string, svc jsonService, e *apiError) {
	typ := jsonErrorType(e)
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, reqID, e.status, map[string]string{"__type": typ, svc.messageKey: e.message})
}

// jsonErrorType returns the __type of an error: the name of its shape
// (ThrottlingException for throttling) or its code.
func jsonErrorType(e *apiError) string {
	if e.shape == "" {
		return e.code
	}
	_, name, _ := strings.Cut(e.shape, "#")
	return name
}

// jsonError returns a 400 error of a JSON 1.1 service.
func jsonError(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// errConstraint is the service's answer to a member outside its modeled
// range, worded as AWS's request validation words it.
func errConstraint(svc jsonService, member string, value any, constraint string) *apiError {
	return jsonError(svc.validation, "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint)
}

// checkRange returns errConstraint unless lo <= *v <= hi; a nil v passes.
func checkRange(svc jsonService, member string, v *int64, lo, hi int64) *apiError {
	switch {
	case v == nil:
		return nil
	case *v < lo:
		return errConstraint(svc, member, *v, fmt.Sprintf("have value greater than or equal to %d", lo))
	case *v > hi:
		return errConstraint(svc, member, *v, fmt.Sprintf("have value less than or equal to %d", hi))
	}
	return nil
}

// isJSONOp reports whether action is a JSON 1.1 operation awssim serves.
func isJSONOp(action string) bool {
	switch action {
	case opGetLogEvents, opFilterLogEvents, opDescribeLogStreams, opGetResourceMetrics, opDescribeDimensionKeys:
		return true
	}
	return false
}
