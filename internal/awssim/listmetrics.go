package awssim

import (
	"strconv"

	"github.com/aws/smithy-go/encoding/cbor"
)

// listMetricsPage is the number of metrics ListMetrics returns per page.
const listMetricsPage = 500

// listMetrics serves ListMetrics: the series of the caller's fleet (see
// published), filtered by Namespace, MetricName and Dimensions (a series
// matches when it has every filter's dimension, with the filter's value if
// it has one), 500 a page. RecentlyActive and linked accounts are accepted
// and ignored.
func (s *Server) listMetrics(f *cborFields, fl *fleet) (cbor.Map, *apiError) {
	ns, name, tok := f.str("Namespace"), f.str("MetricName"), f.str("NextToken")
	var filters []dimension
	dl := f.list("Dimensions")
	for i := range dl {
		d := f.item(dl, "Dimensions", i)
		filters = append(filters, dimension{d.str("Name"), d.str("Value")})
	}
	if f.err != nil {
		return nil, errSerialization(f.err)
	}
	offset := 0
	if tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return nil, errInvalidNextToken()
		}
		offset = n
	}
	page, more := s.listPage(fl, ns, name, filters, offset)
	out := cbor.Map{"Metrics": metricsList(page)}
	if more {
		out["NextToken"] = cbor.String(strconv.Itoa(offset + len(page)))
	}
	return out, nil
}

// listPage returns the page of the series of a fleet that match the
// request from the offset-th on, and whether more follow.
func (s *Server) listPage(fl *fleet, ns, name string, filters []dimension, offset int) (page []listedMetric, more bool) {
	if ns != "" && ns != namespaceRDS {
		return nil, false
	}
	n := 0
	for _, l := range s.published(fl) {
		if (name != "" && l.metric != name) || !hasDims(l.dims, filters) {
			continue
		}
		switch {
		case n >= offset+listMetricsPage:
			return page, true
		case n >= offset:
			page = append(page, l)
		}
		n++
	}
	return page, false
}

// hasDims reports whether dims has every filter's dimension, with its
// value unless the filter has none.
func hasDims(dims, filters []dimension) bool {
	for _, f := range filters {
		found := false
		for _, d := range dims {
			if d.name == f.name && (f.value == "" || f.value == d.value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// metricsList encodes series as a list of Metric structures.
func metricsList(ls []listedMetric) cbor.List {
	out := make(cbor.List, len(ls))
	for i, l := range ls {
		dims := make(cbor.List, len(l.dims))
		for j, d := range l.dims {
			dims[j] = cbor.Map{"Name": cbor.String(d.name), "Value": cbor.String(d.value)}
		}
		out[i] = cbor.Map{
			"Namespace":  cbor.String(namespaceRDS),
			"MetricName": cbor.String(l.metric),
			"Dimensions": dims,
		}
	}
	return out
}
