package exporter_test

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// With YACE's options (--labels.snake-case, exported tags, the account's
// alias), the backfill writes the labels the live series have, the
// history endpoint finds them, and the coverage gauge carries the same
// identity labels.
func TestYACELabelsLiveAndBackfilled(t *testing.T) {
	for _, snake := range []bool{false, true} {
		t.Run(map[bool]string{false: "camelCase", true: "snake_case"}[snake], func(t *testing.T) {
			sim := startSim(t, awssim.Options{Instances: 2, IAM: awssim.IAMOptions{Aliases: map[string]string{awssim.DefaultAccountID: "acme-prod"}}})
			dir := t.TempDir()
			x := newExporterWith(t, sim, "regions: [us-east-1]\ndiscovery: {exported_tags_on_metrics: [team, Name, missing]}\n", exporter.Options{
				LabelsSnakeCase: snake,
				Backfill:        exporter.BackfillOptions{OutputDir: dir, Labels: map[string]string{"job": "rds"}},
			})
			if err := x.Poll(t.Context()); err != nil {
				t.Fatal(err)
			}
			inst := model.OfKind(x.Resources(), model.KindDBInstance)[0]
			if _, err := x.Jobs().Run(t.Context(), backfill.Request{Resources: []model.Described{inst}, Days: 1}); err != nil {
				t.Fatal(err)
			}
			l := catalog.Labeling{SnakeCase: snake}
			idLabel, nameTag := l.DimensionLabel(model.DimInstance), map[bool]string{false: "tag_Name", true: "tag_name"}[snake]
			live := liveSeriesBy(t, x, idLabel, inst.ID)
			if len(live) < 30 {
				t.Fatalf("%d live series of %s, want the default metrics", len(live), inst.ID)
			}
			for name, ls := range live {
				if ls.Get("account_alias") != "acme-prod" || ls.Get("tag_team") != inst.Tags["team"] || ls.Get(nameTag) != inst.ID || ls.Has("tag_missing") {
					t.Errorf("%s: live %s lacks the alias or the exported tags", name, ls)
				}
				written := blockSeriesBy(t, dir, name, idLabel, inst.ID)
				if len(written) != 1 {
					t.Errorf("%s: %d backfilled series of %s, want 1", name, len(written), inst.ID)
					continue
				}
				if got := labels.NewBuilder(written[0].Labels).Del("job", "__name__").Labels(); !labels.Equal(got, ls) {
					t.Errorf("%s: backfilled %s, live %s", name, got, ls)
				}
			}
			now := time.Now()
			history, err := x.Backfiller().History(t.Context(), inst.Resource, now.Add(-3*24*time.Hour), now)
			if err != nil || len(history) != len(live) {
				t.Errorf("history of %s: %d series, %v; want %d", inst.ID, len(history), err, len(live))
			}
			coverage := 0
			families, err := x.Gatherer().Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range families {
				for _, m := range f.GetMetric() {
					if f.GetName() == "rds_backfill_exporter_backfill_coverage_seconds" && pairs(m.GetLabel()).Get(idLabel) == inst.ID {
						coverage++
					}
				}
			}
			if coverage != 1 {
				t.Errorf("%d coverage gauges with %s=%s, want 1", coverage, idLabel, inst.ID)
			}
		})
	}
}
