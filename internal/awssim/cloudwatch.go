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
	op, reqID := r.PathValue("op"), s.requestID()
	if e := s.admit(r.Context(), op); e != nil {
		writeCBORError(w, reqID, e)
		return
	}
	out, e := s.cloudWatch(op, r)
	if e != nil {
		s.counters.update(func(c *Counters) { c.ClientErrors++ })
		writeCBORError(w, reqID, e)
		return
	}
	writeCBOR(w, reqID, http.StatusOK, out)
}

// cloudWatch decodes the request and runs operation op.
func (s *Server) cloudWatch(op string, r *http.Request) (cbor.Map, *apiError) {
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
		return s.getMetricData(f)
	case opListMetrics:
		return s.listMetrics(f)
	}
	return nil, errUnknownOperation(op)
}
