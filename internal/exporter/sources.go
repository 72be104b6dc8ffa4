package exporter

import (
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// newSources builds the live collector of Enhanced Monitoring and
// Performance Insights, which reads what the config's sections enable.
func (x *Exporter) newSources() *collector.Sources {
	em, pi := x.cfg.EnhancedMonitoring, x.cfg.PerformanceInsights
	return collector.NewSources(collector.SourcesOptions{
		Readers: clientsAs(x.clients, func(c *cloudwatch.Client) collector.SourceReaders {
			return collector.SourceReaders{Target: c.Target, OS: c.EnhancedMonitoring(), PI: c.PerformanceInsights()}
		}),
		Resources:           x.inventory,
		EnhancedMonitoring:  liveSource(em.LiveSource),
		PerformanceInsights: liveSource(pi.LiveSource),
		PIWaitEvents:        pi.TopWaitEvents,
		PIStatements:        pi.TopStatements,
		Labeling:            x.labeling(),
		Env:                 x.componentEnv("sources"),
	})
}

func liveSource(l config.LiveSource) collector.LiveSource {
	return collector.LiveSource{Enabled: l.Enabled, Filter: l.Filter(), Interval: l.Interval}
}

// liveSources returns the sources read live, CloudWatch first, and the
// selection of each: what the automatic backfill sweeps, so that it fills
// what downtime lost of every series the exporter serves.
func (x *Exporter) liveSources() ([]model.Source, func(model.Source, model.Described) bool) {
	out := []model.Source{model.SourceCloudWatch}
	filters := map[model.Source]model.SourceFilter{}
	for _, s := range []struct {
		src model.Source
		cfg config.LiveSource
	}{{model.SourceEnhancedMonitoring, x.cfg.EnhancedMonitoring.LiveSource}, {model.SourcePerformanceInsights, x.cfg.PerformanceInsights.LiveSource}} {
		if s.cfg.Enabled {
			out = append(out, s.src)
			filters[s.src] = s.cfg.Filter()
		}
	}
	return out, func(src model.Source, d model.Described) bool {
		f, ok := filters[src]
		return !ok || f.Keeps(d)
	}
}
