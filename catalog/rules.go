package catalog

import (
	"fmt"
	"slices"

	pmodel "github.com/prometheus/common/model"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Rules choose the metrics and statistics of each resource: the config's
// metrics section, resolved.
type Rules struct {
	// Defaults starts every resource from the default metrics of its kind.
	Defaults bool
	// Statistics are those of every metric without its own; empty means
	// DefaultStatistics.
	Statistics []string
	// Add selects more metrics (any AWS/RDS metric name), or sets the
	// statistics of a default one; empty Statistics means Statistics.
	Add []model.Selection
	// Remove drops metrics by name.
	Remove []string
	// NilToZero is the NilToZero of the selections of default metrics
	// (those of Add carry their own).
	NilToZero bool
}

// For returns the metrics and statistics to fetch for a resource, in
// catalog order and then the unknown added ones in the order of Add, and
// whether they were checked against a listing.
//
// listing is what ListMetrics said of the resource's account and region,
// nil when it is not known. With a listing, a resource gets every default
// metric of its kind and every added metric that the listing has for it
// (whatever kinds the catalog knows the metric for):
// no query for a metric CloudWatch does not have, none left out that it
// has. Without a listing, and for a static resource that the listing does
// not name, a resource gets the defaults whose Rule holds for its engine,
// class, role, storage and Performance Insights, and the added metrics of
// its kind (unknown ones for every kind).
func (r Rules) For(d model.Described, listing model.Listing) ([]model.Selection, bool) {
	have, listed := listing[d.DimensionsKey()]
	listed = listed || (listing != nil && !d.Static)
	own := map[string]model.Selection{}
	var order []string
	want := func(sel model.Selection) {
		if _, ok := own[sel.Metric]; !ok {
			order = append(order, sel.Metric)
		}
		own[sel.Metric] = sel
	}
	known := Metrics()
	byName := make(map[string]Metric, len(known))
	for _, m := range known {
		byName[m.Name] = m
	}
	if r.Defaults {
		for _, m := range known {
			if m.Default != nil && m.AppliesTo(d.Kind) && (listed || m.Default(d)) {
				want(model.Selection{Metric: m.Name, NilToZero: r.NilToZero})
			}
		}
	}
	for _, a := range r.Add {
		// With a listing, an added metric goes to every resource that has
		// it (CloudWatch publishes the instance metrics of an Aurora
		// cluster's members by DBClusterIdentifier too, as YACE serves
		// them); without one, to the kinds the catalog knows it for.
		if m, ok := byName[a.Metric]; !ok || listed || m.AppliesTo(d.Kind) {
			want(a)
		}
	}
	common := r.Statistics
	if len(common) == 0 {
		common = DefaultStatistics()
	}
	out := make([]model.Selection, 0, len(order))
	for _, name := range sortByCatalog(order, known) {
		if slices.Contains(r.Remove, name) || (listed && !have[name]) {
			continue
		}
		sel := own[name]
		if len(sel.Statistics) == 0 {
			sel.Statistics = common
		}
		sel.Statistics = dedupe(sel.Statistics)
		out = append(out, sel)
	}
	return out, listed
}

// sortByCatalog returns names in catalog order, the unknown ones last in
// their order.
func sortByCatalog(names []string, known []Metric) []string {
	rank := make(map[string]int, len(known))
	for i, m := range known {
		rank[m.Name] = i
	}
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(a, b string) int {
		ra, oka := rank[a]
		rb, okb := rank[b]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return out
}

// dedupe returns a copy of s without repeated values, first ones kept.
func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// CheckMetricName returns nil for a name CloudWatch accepts as a metric
// name (1 to 255 characters) whose series get a valid Prometheus name, and
// an error that says what is wrong otherwise.
func CheckMetricName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty metric name")
	case len(name) > 255:
		return fmt.Errorf("metric name of %d characters: CloudWatch takes at most 255", len(name))
	}
	if p := PromName(name, Average); !pmodel.LegacyValidation.IsValidMetricName(p) {
		return fmt.Errorf("metric name %q gives the Prometheus name %q, which is not valid (letters, digits, _ and : only)", name, p)
	}
	return nil
}
