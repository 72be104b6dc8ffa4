package awssim

import (
	"fmt"
	"io"
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// cwPathPrefix is the RPCv2 path prefix of CloudWatch operations.
const cwPathPrefix = "/service/GraniteServiceVersion20100801/operation/"

// CloudWatch operations awssim serves.
const (
	opGetMetricData = "GetMetricData"
	opListMetrics   = "ListMetrics"
)

// maxBody bounds request bodies.
const maxBody = 16 << 20

// handleCloudWatch serves POST /service/GraniteServiceVersion20100801/operation/{op}
// in Smithy RPCv2 CBOR.
func (s *Server) handleCloudWatch(w http.ResponseWriter, r *http.Request) {
	op, reqID, sc := r.PathValue("op"), s.requestID(), s.scopeOf(r)
	if e := s.admit(r.Context(), sc, op); e != nil {
		writeCBORError(w, reqID, e)
		return
	}
	out, e := s.cloudWatch(op, r, sc)
	if e != nil {
		s.counters.update(sc, func(t *Tally) { t.ClientErrors++ })
		writeCBORError(w, reqID, e)
		return
	}
	writeCBOR(w, reqID, http.StatusOK, out)
}

// cloudWatch decodes the request and runs operation op in scope sc.
func (s *Server) cloudWatch(op string, r *http.Request, sc scope) (cbor.Map, *apiError) {
	if p := r.Header.Get("Smithy-Protocol"); p != "rpc-v2-cbor" {
		return nil, errSerialization(fmt.Errorf("header Smithy-Protocol is %q, want rpc-v2-cbor", p))
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, errSerialization(err)
	}
	var in cbor.Value = cbor.Map{}
	if len(body) > 0 {
		if in, err = cbor.Decode(body); err != nil {
			return nil, errSerialization(err)
		}
	}
	f := newCBORFields(in, op+"Input")
	switch op {
	case opGetMetricData:
		return s.getMetricData(f, sc)
	case opListMetrics:
		return s.listMetrics(f, s.fleet(sc))
	}
	return nil, errUnknownOperation(op)
}
