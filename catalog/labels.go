package catalog

import (
	"maps"
	"slices"
	"strings"

	pmodel "github.com/prometheus/common/model"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// LabelAccountAlias is the label of the account's IAM alias, on the series
// of resources whose account has one (YACE's account_alias).
const LabelAccountAlias = "account_alias"

// Label is one label of a series.
type Label struct{ Name, Value string }

// Labeling says how the labels of the aws_rds_* series are named and which
// optional ones they carry: YACE's -labels-snake-case and
// exportedTagsOnMetrics. The zero value is YACE's default: camelCase
// dimension labels (dimension_DBInstanceIdentifier) and no tags on value
// series.
//
// It is the one place the labels of RDS series are built and named: the
// live collector, the backfill, the history endpoint, the per-resource
// self-metrics and the dashboards use it, so that a live series and its
// backfilled history have the same labels.
type Labeling struct {
	// SnakeCase names dimension and tag labels in YACE's snake case
	// (dimension_dbinstance_identifier, tag_cost_center), as YACE's
	// -labels-snake-case does.
	SnakeCase bool
	// ExportedTags are resource tag keys carried by every value series as
	// tag_<key> labels, empty for a resource without the tag (YACE's
	// exportedTagsOnMetrics). Keys whose label is not a valid label name
	// are left out, as YACE does.
	ExportedTags []string
}

// labelPart converts a dimension name or a tag key into the part of a
// label name after its prefix, as YACE's PromStringTag does: its snake
// case with SnakeCase, else its sanitizing (space , tab / \ . - : = @ < >
// ( ) and “ become _, % becomes _percent).
func (l Labeling) labelPart(s string) string {
	if l.SnakeCase {
		return snake(s)
	}
	var b []byte
	for _, c := range s {
		switch c {
		case ' ', ',', '\t', '/', '\\', '.', '-', ':', '=', '@', '<', '>', '(', ')', '“':
			b = append(b, '_')
		case '%':
			b = append(b, "_percent"...)
		default:
			b = append(b, string(c)...)
		}
	}
	return string(b)
}

// DimensionLabel returns the name of the label that carries a CloudWatch
// dimension, as YACE names it: "dimension_DBInstanceIdentifier", or
// "dimension_dbinstance_identifier" in snake case.
func (l Labeling) DimensionLabel(dimension string) string {
	return "dimension_" + l.labelPart(dimension)
}

// TagLabel returns the label name of a resource tag, as YACE builds it:
// "tag_" and the key converted. ok is false when the result is not a
// valid label name (YACE then drops the tag).
func (l Labeling) TagLabel(key string) (string, bool) {
	name := "tag_" + l.labelPart(key)
	return name, pmodel.LegacyValidation.IsValidLabelName(name)
}

// Identity returns the identity labels of every series of a resource, in
// YACE's order and with YACE's values: name (the ARN; for an Aurora
// cluster's role aggregate its cluster's ARN; "global" for the
// DatabaseClass and EngineName aggregates), a dimension label per
// CloudWatch dimension of the kind, region, account_id. The per-resource
// self-metrics carry these; value series carry Series.
func (l Labeling) Identity(r model.Resource) []Label {
	name := r.ARN
	if r.Kind == model.KindDatabaseClass || r.Kind == model.KindEngineName {
		name = NameGlobal
	}
	dims := r.Dimensions()
	out := make([]Label, 0, len(dims)+3)
	out = append(out, Label{LabelName, name})
	for _, d := range dims {
		out = append(out, Label{l.DimensionLabel(d.Name), d.Value})
	}
	return append(out, Label{LabelRegion, r.Region}, Label{LabelAccountID, r.AccountID})
}

// Series returns the labels of every value series of a resource, live and
// backfilled: its Identity, account_alias when its account has an alias,
// and a label per exported tag (ExportedTagLabels), in that order.
func (l Labeling) Series(d model.Described) []Label {
	out := l.Identity(d.Resource)
	if d.AccountAlias != "" {
		out = append(out, Label{LabelAccountAlias, d.AccountAlias})
	}
	for _, t := range l.exportedTags() {
		out = append(out, Label{t.Name, d.Tags[t.Value]})
	}
	return out
}

// ExportedTagLabels returns the label names of the exported tags, valid
// ones only, sorted; two keys with the same label name count once, the
// first in ExportedTags.
func (l Labeling) ExportedTagLabels() []string {
	tags := l.exportedTags()
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Name
	}
	return out
}

// exportedTags returns the exported tags' label names (Name) and keys
// (Value), as ExportedTagLabels orders them.
func (l Labeling) exportedTags() []Label {
	byName := map[string]string{}
	for _, key := range l.ExportedTags {
		if name, ok := l.TagLabel(key); ok {
			if _, dup := byName[name]; !dup {
				byName[name] = key
			}
		}
	}
	out := make([]Label, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, Label{name, byName[name]})
	}
	return out
}

// Tags returns every tag of a resource as a label, sorted by label name,
// leaving out the tags whose label name is not valid (as YACE does) and
// returning their keys in dropped. Two keys with the same label name count
// once, the first in key order.
func (l Labeling) Tags(tags map[string]string) (labels []Label, dropped []string) {
	seen := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		name, ok := l.TagLabel(k)
		switch {
		case !ok:
			dropped = append(dropped, k)
		case !seen[name]:
			seen[name] = true
			labels = append(labels, Label{name, tags[k]})
		}
	}
	slices.SortFunc(labels, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return labels, dropped
}

// Names returns the names of labels, in order.
func Names(labels []Label) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l.Name
	}
	return out
}

// Values returns the values of labels, in order.
func Values(labels []Label) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l.Value
	}
	return out
}
