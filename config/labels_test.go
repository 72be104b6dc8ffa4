package config

import (
	"slices"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// nil_to_zero of metrics is the default of every selected metric; that of
// an added metric overrides it. exported_tags_on_metrics and the command
// line's snake case make the labeling.
func TestYACEOptions(t *testing.T) {
	c, err := Parse([]byte(`
discovery: {exported_tags_on_metrics: [team, Owner]}
metrics:
  nil_to_zero: true
  add:
    - {name: ReplicaLag, nil_to_zero: false}
    - {name: EngineUptime}
`), "yace.yml")
	if err != nil {
		t.Fatal(err)
	}
	d := model.Described{Resource: model.Resource{Kind: model.KindDBInstance, ID: "db"}, Provider: "aws", Engine: "postgres"}
	got := map[string]bool{}
	sels, _ := c.MetricRules().For(d, nil)
	for _, s := range sels {
		got[s.Metric] = s.NilToZero
	}
	if !got["CPUUtilization"] || got["ReplicaLag"] || !got["EngineUptime"] {
		t.Errorf("nil_to_zero by metric: %v", got)
	}
	l := c.Labeling(true)
	if !l.SnakeCase || !slices.Equal(l.ExportedTags, []string{"team", "Owner"}) {
		t.Errorf("Labeling(true) = %+v", l)
	}
	if l := Default().Labeling(false); l.SnakeCase || len(l.ExportedTags) != 0 {
		t.Errorf("default labeling %+v, want YACE's default", l)
	}
}
