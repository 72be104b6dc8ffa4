package awssim

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/aws/smithy-go/encoding/cbor"
)

// cursor is where a page of GetMetricData starts: a query and a timestamp
// of it. The zero cursor is the start of the first page.
type cursor struct {
	query int
	t     int64
	set   bool
}

// pageResult is one MetricDataResult of a page.
type pageResult struct {
	sr      *series
	ts      []int64
	vals    []float64
	partial bool // datapoints remain for a later page
}

// getMetricData serves GetMetricData on the metrics of scope sc.
func (s *Server) getMetricData(f *cborFields, sc scope) (cbor.Map, *apiError) {
	r, e := parseGMD(f)
	if e != nil {
		return nil, e
	}
	if e := r.validate(); e != nil {
		return nil, e
	}
	fp := r.fingerprint()
	var from cursor
	if r.nextToken != "" {
		c, ok := decodeToken(r.nextToken, fp, len(r.queries))
		if !ok {
			return nil, errInvalidNextToken()
		}
		from = c
	}
	now, fl := s.opts.Now(), s.fleet(sc)
	all := make([]series, len(r.queries))
	for i, q := range r.queries {
		all[i] = s.resolveQuery(fl, q, &r, now)
	}
	limit := int64(maxDatapointsPerRes)
	if r.hasMax {
		limit = min(limit, r.maxDatapoints)
	}
	res, next, n := s.fillPage(all, from, int(limit), r.ascending())
	s.counters.update(sc, func(t *Tally) {
		t.MetricsRequested += int64(len(r.queries))
		t.DatapointsReturned += int64(n)
	})
	s.counters.countQueries(fl, r.queries)
	return gmdOutput(res, next, fp), nil
}

// fillPage collects up to limit datapoints from the cursor on: queries in
// order, each query's datapoints in scan order. next is where the next page
// starts (nil when everything was returned); n is the datapoint count.
func (s *Server) fillPage(all []series, from cursor, limit int, asc bool) (res []pageResult, next *cursor, n int) {
	res = make([]pageResult, len(all))
	for i := range all {
		res[i].sr = &all[i]
	}
	for qi := from.query; qi < len(all); qi++ {
		sr := &all[qi]
		if !sr.returnData || sr.data == nil {
			continue
		}
		t := sr.win.begin(asc)
		if from.set && qi == from.query {
			t = sr.win.resume(from.t, asc)
		}
		for ok := sr.win.contains(t); ok; t, ok = sr.win.next(t, asc) {
			v, has := s.at(sr, t)
			if !has {
				continue
			}
			if n == limit {
				s.markPartial(res, qi, asc)
				return res, &cursor{query: qi, t: t, set: true}, n
			}
			res[qi].add(t, v, min(sr.win.size(), int64(limit-n)))
			n++
		}
	}
	return res, nil, n
}

// add appends a datapoint, allocating room for up to c of them first.
func (pr *pageResult) add(t int64, v float64, c int64) {
	if pr.ts == nil {
		pr.ts, pr.vals = make([]int64, 0, c), make([]float64, 0, c)
	}
	pr.ts = append(pr.ts, t)
	pr.vals = append(pr.vals, v)
}

// markPartial marks the result cut at query qi and every later one that
// still has datapoints as PartialData.
func (s *Server) markPartial(res []pageResult, qi int, asc bool) {
	res[qi].partial = true
	for j := qi + 1; j < len(res); j++ {
		sr := res[j].sr
		res[j].partial = sr.returnData && s.hasDataFrom(sr, sr.win.begin(asc), asc)
	}
}

// gmdOutput encodes a page as GetMetricDataOutput. Results with ReturnData
// false are left out.
func gmdOutput(res []pageResult, next *cursor, fp uint64) cbor.Map {
	list := make(cbor.List, 0, len(res))
	for _, pr := range res {
		if !pr.sr.returnData {
			continue
		}
		status := "Complete"
		if pr.partial {
			status = "PartialData"
		}
		list = append(list, cbor.Map{
			"Id":         cbor.String(pr.sr.id),
			"Label":      cbor.String(pr.sr.label),
			"Timestamps": cborTimes(pr.ts),
			"Values":     cborFloats(pr.vals),
			"StatusCode": cbor.String(status),
		})
	}
	out := cbor.Map{"MetricDataResults": list, "Messages": cbor.List{}}
	if next != nil {
		out["NextToken"] = cbor.String(encodeToken(*next, fp))
	}
	return out
}

// encodeToken encodes a cursor and the request fingerprint as an opaque
// NextToken.
func encodeToken(c cursor, fp uint64) string {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 20), uint32(c.query))
	b = binary.BigEndian.AppendUint64(b, uint64(c.t))
	b = binary.BigEndian.AppendUint64(b, fp)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken decodes a NextToken issued for a request with fingerprint fp
// and nq queries; ok is false for any other token.
func decodeToken(tok string, fp uint64, nq int) (cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 20 || binary.BigEndian.Uint64(b[12:]) != fp {
		return cursor{}, false
	}
	q := int(binary.BigEndian.Uint32(b))
	if q >= nq {
		return cursor{}, false
	}
	return cursor{query: q, t: int64(binary.BigEndian.Uint64(b[4:])), set: true}, true
}
