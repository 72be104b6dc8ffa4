package remotewrite

import (
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// encoder builds one request at a time, reusing its memory across
// requests. It is not safe for concurrent use.
type encoder interface {
	// add adds samples of the series lbls to the request.
	add(lbls labels.Labels, samples []tsdbwriter.Sample)
	// message returns the request built since the last reset.
	message() any
	// reset empties the request.
	reset()
}

// newEncoder returns the encoder of a protocol version.
func newEncoder(version string) encoder {
	if version == Version2 {
		return &encoderV2{symbols: writev2.NewSymbolTable()}
	}
	return &encoderV1{}
}

// encoderV1 builds Remote-Write 1.0 requests.
type encoderV1 struct {
	req prompb.WriteRequest
	n   int // series in use in req.Timeseries
}

func (e *encoderV1) add(lbls labels.Labels, samples []tsdbwriter.Sample) {
	ts := e.next()
	lbls.Range(func(l labels.Label) {
		ts.Labels = append(ts.Labels, prompb.Label{Name: l.Name, Value: l.Value})
	})
	for _, s := range samples {
		ts.Samples = append(ts.Samples, prompb.Sample{Timestamp: s.T, Value: s.V})
	}
}

// next returns the next series of the request, emptied, reusing the
// memory of an earlier request's.
func (e *encoderV1) next() *prompb.TimeSeries {
	if e.n == len(e.req.Timeseries) {
		e.req.Timeseries = append(e.req.Timeseries, prompb.TimeSeries{})
	}
	ts := &e.req.Timeseries[e.n]
	e.n++
	ts.Labels, ts.Samples = ts.Labels[:0], ts.Samples[:0]
	return ts
}

func (e *encoderV1) message() any {
	e.req.Timeseries = e.req.Timeseries[:e.n]
	return &e.req
}

func (e *encoderV1) reset() {
	e.req.Timeseries = e.req.Timeseries[:cap(e.req.Timeseries)]
	e.n = 0
}

// encoderV2 builds Remote-Write 2.0 requests. Every series is a gauge:
// CloudWatch statistics are.
type encoderV2 struct {
	req     writev2.Request
	symbols writev2.SymbolsTable
	n       int
}

func (e *encoderV2) add(lbls labels.Labels, samples []tsdbwriter.Sample) {
	if e.n == len(e.req.Timeseries) {
		e.req.Timeseries = append(e.req.Timeseries, writev2.TimeSeries{})
	}
	ts := &e.req.Timeseries[e.n]
	e.n++
	ts.LabelsRefs = e.symbols.SymbolizeLabels(lbls, ts.LabelsRefs[:0])
	ts.Samples = ts.Samples[:0]
	for _, s := range samples {
		ts.Samples = append(ts.Samples, writev2.Sample{Timestamp: s.T, Value: s.V})
	}
	ts.Metadata = writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_GAUGE}
}

func (e *encoderV2) message() any {
	e.req.Timeseries = e.req.Timeseries[:e.n]
	e.req.Symbols = e.symbols.Symbols()
	return &e.req
}

func (e *encoderV2) reset() {
	e.req.Timeseries = e.req.Timeseries[:cap(e.req.Timeseries)]
	e.symbols.Reset()
	e.n = 0
}
