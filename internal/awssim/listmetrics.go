package awssim

import (
	"strconv"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The CloudWatch namespace and the instance dimension of RDS metrics.
const (
	namespaceRDS = "AWS/RDS"
	dimInstance  = "DBInstanceIdentifier"
)

// listMetricsPage is the number of metrics ListMetrics returns per page.
const listMetricsPage = 500

// metricRef is one metric of one instance.
type metricRef struct {
	in     *instance
	metric string
}

// listMetrics serves ListMetrics: the published instance-level metrics of
// the caller's fleet, filtered by Namespace, MetricName and Dimensions, 500
// a page. RecentlyActive and linked accounts are accepted and ignored.
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
	all := s.listAll(fl, ns, name, filters)
	offset = min(offset, len(all))
	end := min(offset+listMetricsPage, len(all))
	out := cbor.Map{"Metrics": metricsList(all[offset:end])}
	if end < len(all) {
		out["NextToken"] = cbor.String(strconv.Itoa(end))
	}
	return out, nil
}

// listAll returns the metrics of a fleet that match the filters, in the
// order of the profile table and within a metric in instance order.
func (s *Server) listAll(fl *fleet, ns, name string, filters []dimension) []metricRef {
	if ns != "" && ns != namespaceRDS {
		return nil
	}
	var out []metricRef
	for _, p := range s.profiles.order {
		if name != "" && p.name != name {
			continue
		}
		for i := range fl.instances {
			in := &fl.instances[i]
			if p.publishes(in) && dimensionsMatch(in.ID, filters) {
				out = append(out, metricRef{in, p.name})
			}
		}
	}
	return out
}

// dimensionsMatch reports whether an instance's one dimension,
// DBInstanceIdentifier, satisfies every dimension filter.
func dimensionsMatch(id string, filters []dimension) bool {
	for _, d := range filters {
		if d.name != dimInstance || (d.value != "" && d.value != id) {
			return false
		}
	}
	return true
}

// metricsList encodes metrics as a list of Metric structures.
func metricsList(refs []metricRef) cbor.List {
	out := make(cbor.List, len(refs))
	for i, r := range refs {
		out[i] = cbor.Map{
			"Namespace":  cbor.String(namespaceRDS),
			"MetricName": cbor.String(r.metric),
			"Dimensions": cbor.List{cbor.Map{
				"Name":  cbor.String(dimInstance),
				"Value": cbor.String(r.in.ID),
			}},
		}
	}
	return out
}
