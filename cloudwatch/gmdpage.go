package cloudwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// pageDecoder decodes the body of a successful GetMetricData response
// itself: as a middleware just inside the SDK's own deserializer, it reads
// the body (a failed read is the SDK's to retry) and hands the SDK an
// empty one; once the call has returned without error, deliver decodes
// the datapoints into flat lists (8 bytes a timestamp, 8 a value, reused
// from call to call) and hands them over, so that a retried attempt never
// hands over datapoints twice. The SDK would build a time.Time (24 bytes)
// and a float64 for each datapoint and grow both slices as it reads them.
type pageDecoder struct {
	queries int           // of the call
	body    *bytes.Buffer // of the last successful attempt
}

// emptyMap is a CBOR body with no members: what the SDK decodes instead
// of the response.
var emptyMap = []byte{0xa0}

// maxPageBytes bounds the room made for a body from its Content-Length: a
// full page of 100,800 datapoints is about 2 MB.
const maxPageBytes = 64 << 20

// gmdPage is one decoded GetMetricData response.
type gmdPage struct {
	results   []gmdResult
	times     []int64 // Unix milliseconds
	values    []float64
	nextToken string
}

// gmdResult is one MetricDataResult of a page: its datapoints are
// times[t:t+n] and values[v:v+n].
type gmdResult struct {
	id               string
	t, v, nt, nv     int
	status, messages string
}

var (
	pagePool = sync.Pool{New: func() any { return new(gmdPage) }}
	bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// ID names the middleware in the stack.
func (*pageDecoder) ID() string { return "RDSBackfillExporterPageDecoder" }

// option adds the decoder to one call's stack.
func (d *pageDecoder) option(o *cw.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Deserialize.Insert(d, "OperationDeserializer", middleware.After)
	})
}

// HandleDeserialize decodes a successful response and leaves the SDK an
// empty one; errors go to the SDK as they came.
func (d *pageDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return out, md, err
	}
	d.release()
	d.body = bodyPool.Get().(*bytes.Buffer)
	d.body.Reset()
	if n := resp.ContentLength; n > 0 && n <= maxPageBytes {
		d.body.Grow(int(n)) // One allocation, not a doubling series.
	}
	_, err = d.body.ReadFrom(resp.Body)
	err = errors.Join(err, resp.Body.Close())
	resp.Body = io.NopCloser(bytes.NewReader(emptyMap))
	if err != nil {
		return out, md, &smithy.DeserializationError{Err: fmt.Errorf("read GetMetricData response: %w", err)}
	}
	return out, md, nil
}

// deliver decodes the body of the last successful call, checks it and
// hands its datapoints to fn, by the index of their query in the call; it
// returns how many it handed and the page's NextToken.
func (d *pageDecoder) deliver(fn PointsFunc) (int, string, error) {
	if d.body == nil {
		return 0, "", errors.New("no GetMetricData response read")
	}
	defer d.release()
	p := pagePool.Get().(*gmdPage)
	defer pagePool.Put(p)
	if err := p.decode(d.body.Bytes()); err != nil {
		return 0, "", fmt.Errorf("decode GetMetricData response: %w", err)
	}
	n := 0
	for i := range p.results {
		r := &p.results[i]
		q, err := parseQueryID(r.id, d.queries)
		if err != nil {
			return n, "", err
		}
		switch {
		case r.nt != r.nv:
			return n, "", fmt.Errorf("result %s has %d timestamps but %d values", r.id, r.nt, r.nv)
		case r.status == string(types.StatusCodeForbidden) || r.status == string(types.StatusCodeInternalError):
			return n, "", fmt.Errorf("result %s: status %s: %s", r.id, r.status, r.messages)
		case r.nt == 0:
			continue
		}
		if err := fn(q, p.times[r.t:r.t+r.nt], p.values[r.v:r.v+r.nv]); err != nil {
			return n, "", err
		}
		n += r.nt
	}
	return n, p.nextToken, nil
}

// release returns the body, if any, to the pool.
func (d *pageDecoder) release() {
	if d.body != nil {
		bodyPool.Put(d.body)
		d.body = nil
	}
}

// decode reads a GetMetricData response body into p: MetricDataResults
// and NextToken; other members are skipped.
func (p *gmdPage) decode(body []byte) error {
	p.results, p.times, p.values, p.nextToken = p.results[:0], p.times[:0], p.values[:0], ""
	r := &cborReader{p: body}
	err := r.eachMember(func(key string) error {
		switch key {
		case "MetricDataResults":
			return r.eachItem(nil, p.decodeResult(r))
		case "NextToken":
			s, err := r.stringOrNull()
			p.nextToken = s
			return err
		}
		return r.skip(0)
	})
	if err == nil && r.off != len(body) {
		err = fmt.Errorf("%d bytes after the response", len(body)-r.off)
	}
	return err
}

// decodeResult returns a function that reads one MetricDataResult.
func (p *gmdPage) decodeResult(r *cborReader) func() error {
	return func() error {
		res := gmdResult{t: len(p.times), v: len(p.values)}
		err := r.eachMember(func(key string) error {
			switch key {
			case "Id":
				s, err := r.string()
				res.id = s
				return err
			case "StatusCode":
				s, err := r.stringOrNull()
				res.status = s
				return err
			case "Messages":
				return r.eachItem(nil, func() error { return res.addMessage(r) })
			case "Timestamps":
				res.t = len(p.times)
				err := r.eachItem(func(n int) { p.times = slices.Grow(p.times, n) }, func() error {
					ms, err := r.epochMillis()
					p.times = append(p.times, ms)
					return err
				})
				res.nt = len(p.times) - res.t
				return err
			case "Values":
				res.v = len(p.values)
				err := r.eachItem(func(n int) { p.values = slices.Grow(p.values, n) }, func() error {
					v, err := r.float()
					p.values = append(p.values, v)
					return err
				})
				res.nv = len(p.values) - res.v
				return err
			}
			return r.skip(0)
		})
		p.results = append(p.results, res)
		return err
	}
}

// addMessage reads one MessageData of a result into its messages.
func (res *gmdResult) addMessage(r *cborReader) error {
	var code, value string
	err := r.eachMember(func(key string) error {
		var err error
		switch key {
		case "Code":
			code, err = r.stringOrNull()
		case "Value":
			value, err = r.stringOrNull()
		default:
			err = r.skip(0)
		}
		return err
	})
	parts := []string{}
	if res.messages != "" {
		parts = append(parts, res.messages)
	}
	res.messages = strings.Join(append(parts, code+": "+value), "; ")
	return err
}
