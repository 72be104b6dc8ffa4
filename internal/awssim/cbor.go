package awssim

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CBOR heads this file writes by hand for the long lists of a response.
const (
	cborMajorList = 4 << 5
	cborTagEpoch  = 6<<5 | 1 // tag 1: epoch-seconds timestamp
	cborFloat64   = 7<<5 | 27
)

// cborFields reads the members of a decoded CBOR structure (map). The
// first type mismatch is kept in err; later reads return zero values.
type cborFields struct {
	m    cbor.Map
	path string
	err  error
}

// newCBORFields wraps the value v of the member at path, which must be a
// map (or absent).
func newCBORFields(v cbor.Value, path string) *cborFields {
	f := &cborFields{path: path}
	switch m := v.(type) {
	case cbor.Map:
		f.m = m
	case nil, *cbor.Nil:
	default:
		f.err = fmt.Errorf("%s: expected a structure, got %T", path, v)
	}
	return f
}

// fail records a type mismatch of member k.
func (f *cborFields) fail(k string, v cbor.Value, want string) {
	if f.err == nil {
		f.err = fmt.Errorf("%s.%s: expected %s, got %T", f.path, k, want, v)
	}
}

// has reports whether member k is present and not null.
func (f *cborFields) has(k string) bool {
	v, ok := f.m[k]
	_, null := v.(*cbor.Nil)
	return ok && !null
}

// str reads a string member ("" if absent).
func (f *cborFields) str(k string) string {
	if !f.has(k) {
		return ""
	}
	s, ok := f.m[k].(cbor.String)
	if !ok {
		f.fail(k, f.m[k], "a string")
	}
	return string(s)
}

// int reads an integer member (0 if absent).
func (f *cborFields) int(k string) int64 {
	if !f.has(k) {
		return 0
	}
	n, ok := cborInt(f.m[k])
	if !ok {
		f.fail(k, f.m[k], "an integer")
	}
	return n
}

// cborInt converts a CBOR integer that fits an int64.
func cborInt(v cbor.Value) (int64, bool) {
	switch v := v.(type) {
	case cbor.Uint:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case cbor.NegInt: // NegInt(n) is -n; NegInt(0) stands for -2^64
		if v >= 1 && v <= math.MaxInt64 {
			return -int64(v), true
		}
	}
	return 0, false
}

// bool reads a boolean member (def if absent).
func (f *cborFields) bool(k string, def bool) bool {
	if !f.has(k) {
		return def
	}
	b, ok := f.m[k].(cbor.Bool)
	if !ok {
		f.fail(k, f.m[k], "a boolean")
	}
	return bool(b)
}

// time reads a timestamp member: tag 1 around epoch seconds, integer or
// floating point (millisecond precision, as the SDK writes it).
func (f *cborFields) time(k string) time.Time {
	if !f.has(k) {
		return time.Time{}
	}
	tag, ok := f.m[k].(*cbor.Tag)
	if !ok || tag.ID != 1 {
		f.fail(k, f.m[k], "a timestamp (tag 1)")
		return time.Time{}
	}
	switch v := tag.Value.(type) {
	case cbor.Float64:
		return time.UnixMilli(int64(math.Round(float64(v) * 1e3))).UTC()
	case cbor.Float32:
		return time.UnixMilli(int64(math.Round(float64(v) * 1e3))).UTC()
	}
	secs, ok := cborInt(tag.Value)
	if !ok {
		f.fail(k, tag.Value, "epoch seconds")
	}
	return time.Unix(secs, 0).UTC()
}

// list reads a list member (nil if absent).
func (f *cborFields) list(k string) cbor.List {
	if !f.has(k) {
		return nil
	}
	l, ok := f.m[k].(cbor.List)
	if !ok {
		f.fail(k, f.m[k], "a list")
	}
	return l
}

// sub returns the fields of a structure member.
func (f *cborFields) sub(k string) *cborFields {
	s := newCBORFields(f.m[k], f.path+"."+k)
	if s.err != nil && f.err == nil {
		f.err = s.err
	}
	return s
}

// item returns the fields of element i of a list of structures.
func (f *cborFields) item(l cbor.List, k string, i int) *cborFields {
	s := newCBORFields(l[i], f.path+"."+k+"."+strconv.Itoa(i+1))
	if s.err != nil && f.err == nil {
		f.err = s.err
	}
	return s
}

// cborHead appends the head of a data item of the given major type (already
// shifted) and argument n.
func cborHead(p []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(p, major|byte(n))
	case n <= math.MaxUint8:
		return append(p, major|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(p, major|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(p, major|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(p, major|27), n)
}

// cborFloats encodes a list of float64 values.
func cborFloats(vs []float64) cbor.EncodeRaw {
	p := cborHead(make([]byte, 0, 9+9*len(vs)), cborMajorList, uint64(len(vs)))
	for _, v := range vs {
		p = binary.BigEndian.AppendUint64(append(p, cborFloat64), math.Float64bits(v))
	}
	return p
}

// cborTimes encodes a list of timestamps (Unix seconds) as tag 1 around
// float64 epoch seconds, as CloudWatch does.
func cborTimes(ts []int64) cbor.EncodeRaw {
	p := cborHead(make([]byte, 0, 9+10*len(ts)), cborMajorList, uint64(len(ts)))
	for _, t := range ts {
		p = binary.BigEndian.AppendUint64(append(p, cborTagEpoch, cborFloat64), math.Float64bits(float64(t)))
	}
	return p
}

// writeCBOR writes a successful RPCv2 CBOR answer.
func writeCBOR(w http.ResponseWriter, reqID string, status int, body cbor.Map) {
	h := w.Header()
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	h.Set("X-Amzn-Requestid", reqID)
	p := cbor.Encode(body)
	h.Set("Content-Length", strconv.Itoa(len(p)))
	w.WriteHeader(status)
	_, _ = w.Write(p)
}

// writeCBORError writes an RPCv2 CBOR error: the status, a body
// {__type, message} and the awsQuery-compatible X-Amzn-Query-Error header
// that sets the code the SDK reports.
func writeCBORError(w http.ResponseWriter, reqID string, e *apiError) {
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+e.fault())
	writeCBOR(w, reqID, e.status, cbor.Map{
		"__type":  cbor.String(e.shape),
		"message": cbor.String(e.message),
	})
}
