package inventory

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// merge lists discovered resources and the static ones, dropping a static
// entry that discovery already found (discovery knows more about it): the
// same resource, so the same key. Static entries without an ARN (not
// served by CloudWatch) are never discovered. The list is new; its
// entries are copies.
func merge(static []model.Described, discovered map[model.Target][]model.Described) []model.Described {
	seen := map[string]bool{}
	var all []model.Described
	add := func(d model.Described) {
		k := d.Key()
		if k == "" || !seen[k] {
			seen[k] = true
			all = append(all, copyDescribed(d))
		}
	}
	for _, tg := range sortedTargets(discovered) {
		for _, d := range discovered[tg] {
			add(d)
		}
	}
	for _, d := range static {
		add(d)
	}
	return all
}

// linkWriters marks the writer of each Aurora cluster among the DB
// instances of its account and region: DescribeDBInstances does not say
// which member writes, DescribeDBClusters does.
func linkWriters(all []model.Described) {
	writers := map[model.Target]map[string]bool{}
	for _, d := range all {
		if d.Kind == model.KindCluster && d.Cluster.Writer != "" {
			if writers[d.Target] == nil {
				writers[d.Target] = map[string]bool{}
			}
			writers[d.Target][d.Cluster.Writer] = true
		}
	}
	for i := range all {
		if d := &all[i]; d.Kind == model.KindDBInstance && d.Instance.ClusterID != "" {
			d.Instance.Writer = writers[d.Target][d.ID]
		}
	}
}

// aggregates returns the aggregates of kinds over the resources of all:
// per account and region, one per class and per engine of its DB
// instances, and one per Aurora cluster and role (WRITER when it has a
// writer, READER when it has readers).
func aggregates(all []model.Described, kinds []model.Kind) []model.Described {
	var out []model.Described
	seen := map[string]bool{}
	add := func(d model.Described) {
		if k := d.Key(); !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	for _, d := range all {
		if !d.ServedByCloudWatch() {
			continue
		}
		for _, k := range kinds {
			for _, a := range aggregatesOf(d, k) {
				add(a)
			}
		}
	}
	return out
}

// aggregatesOf returns the aggregates of kind k that d belongs to.
func aggregatesOf(d model.Described, k model.Kind) []model.Described {
	agg := func(id string) model.Described {
		return model.Described{Resource: model.Resource{Target: d.Target, Kind: k, ID: id}, Provider: model.ProviderAWS, Engine: d.Engine}
	}
	switch {
	case k == model.KindDatabaseClass && d.Kind == model.KindDBInstance && d.Instance.Class != "":
		a := agg(d.Instance.Class)
		a.Instance.Class = d.Instance.Class
		a.Engine = ""
		return []model.Described{a}
	case k == model.KindEngineName && d.Kind == model.KindDBInstance && d.Engine != "":
		return []model.Described{agg(d.Engine)}
	case k == model.KindClusterRole && d.Kind == model.KindCluster:
		var out []model.Described
		for role, has := range map[string]bool{model.RoleWriter: d.Cluster.Writer != "", model.RoleReader: len(d.Cluster.Readers) > 0} {
			if has {
				a := agg(d.ID)
				a.ARN, a.Role, a.Cluster = d.ARN, role, d.Cluster
				out = append(out, a)
			}
		}
		return out
	}
	return nil
}

// sortResources sorts by region, account, kind (in model.Kinds order),
// identifier and role.
func sortResources(all []model.Described) {
	rank := map[model.Kind]int{}
	for i, k := range model.Kinds() {
		rank[k] = i
	}
	slices.SortStableFunc(all, func(a, b model.Described) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.AccountID, b.AccountID),
			cmp.Compare(rank[a.Kind], rank[b.Kind]), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Role, b.Role))
	})
}

// sortedTargets returns the targets of m, sorted by key.
func sortedTargets[V any](m map[model.Target]V) []model.Target {
	return slices.SortedFunc(maps.Keys(m), func(a, b model.Target) int { return cmp.Compare(a.Key(), b.Key()) })
}

// selectionSets holds one copy of each list of metrics: resources of the
// same kind, engine and role get equal lists, and a fleet of thousands
// keeps a few instead of one each. The lists are shared: nobody modifies
// a resource's Metrics.
type selectionSets map[string][]model.Selection

// intern returns the list equal to sel that s holds, adding sel if none.
func (s selectionSets) intern(sel []model.Selection) []model.Selection {
	var k strings.Builder
	for _, m := range sel {
		k.WriteString(strconv.Quote(m.Metric))
		for _, st := range m.Statistics {
			k.WriteString(strconv.Quote(st))
		}
		k.WriteString(strconv.FormatBool(m.NilToZero))
		k.WriteByte(';')
	}
	if have, ok := s[k.String()]; ok {
		return have
	}
	s[k.String()] = sel
	return sel
}
