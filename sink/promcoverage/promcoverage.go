// Package promcoverage asks a store with the Prometheus HTTP query API
// (Prometheus, Thanos Query, Mimir, Cortex, VictoriaMetrics, Amazon Managed
// Service for Prometheus) which hours of which resources hold samples, with
// one range query per chunk of the range, and reads the raw samples of a
// resource's series, with one instant query.
package promcoverage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
)

// DefaultMaxHoursPerQuery is how many hours one query covers unless Config
// says otherwise: 30 days, well under Prometheus's 11,000 points per series
// and the query length limits stores commonly set.
const DefaultMaxHoursPerQuery = 30 * 24

// Config says which store to ask and how.
type Config struct {
	// URL is the base URL of the query API: the one /api/v1/query_range
	// is appended to, e.g. http://prometheus:9090, http://mimir/prometheus
	// or https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>.
	URL string `yaml:"url"`
	// HTTPConfig holds authentication, TLS, headers and the per-request
	// timeout.
	sink.HTTPConfig `yaml:",inline"`
	// MaxHoursPerQuery is the most hours (points per series) one query
	// asks for. Default DefaultMaxHoursPerQuery.
	MaxHoursPerQuery int `yaml:"max_hours_per_query"`
}

// WithDefaults returns c with unset fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxHoursPerQuery == 0 {
		c.MaxHoursPerQuery = DefaultMaxHoursPerQuery
	}
	return c
}

// Validate reports the first invalid setting of c, which must have its
// defaults applied.
func (c Config) Validate() error {
	if err := sink.CheckURL(c.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	return c.ValidateSettings()
}

// ValidateSettings reports the first invalid setting of c other than the
// URL, which a command line may give; c must have its defaults applied.
func (c Config) ValidateSettings() error {
	if c.MaxHoursPerQuery < 1 || c.MaxHoursPerQuery > 11000 {
		return fmt.Errorf("max_hours_per_query %d: want 1 to 11000", c.MaxHoursPerQuery)
	}
	return c.HTTPConfig.Validate()
}

// Query says whose coverage to read.
type Query struct {
	// ResourceLabel is the label that names a resource, e.g. "name" (the
	// ARN). Series without it are not counted.
	ResourceLabel string
	// Matchers select the series that count, e.g. the value series
	// {__name__=~"aws_rds_.+", __name__!="aws_rds_info"} and the target
	// labels (job="rds"). At least one must not match the empty string,
	// as PromQL requires.
	Matchers []*labels.Matcher
	// Mint and Maxt bound the half-open range [Mint, Maxt) in
	// milliseconds. Both must be multiples of an hour.
	Mint, Maxt int64
}

// Reader reads coverage and raw samples from a query API. It is safe for concurrent use.
type Reader struct {
	api      v1.API
	maxHours int
	logger   *slog.Logger
}

// New returns a Reader for cfg, which is defaulted and validated here.
// logger receives the store's query warnings; nil discards them.
func New(cfg Config, logger *slog.Logger) (*Reader, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("coverage query config: %w", err)
	}
	client, err := cfg.Client("coverage_query")
	if err != nil {
		return nil, fmt.Errorf("coverage query: %w", err)
	}
	c, err := api.NewClient(api.Config{Address: withNoCache(cfg.URL), Client: client})
	if err != nil {
		return nil, fmt.Errorf("coverage query: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Reader{api: v1.NewAPI(c), maxHours: cfg.MaxHoursPerQuery, logger: logger}, nil
}

// withNoCache adds nocache=1 to the query of u, which the client sends with
// every query: VictoriaMetrics would otherwise answer from a cache of
// results that predates the samples a backfill just wrote. Other stores
// ignore the parameter.
func withNoCache(u string) string {
	p, _ := url.Parse(u) // validated
	q := p.Query()
	q.Set("nocache", "1")
	p.RawQuery = q.Encode()
	return p.String()
}

// Coverage returns the hours of [q.Mint, q.Maxt) that hold at least one
// sample of a series that matches q.Matchers, per value of
// q.ResourceLabel. An hour h is held when such a sample has a timestamp in
// [h, h+1h). It asks one range query per MaxHoursPerQuery hours:
//
//	count by (<label>) (last_over_time({<matchers>}[1h] offset 1ms))
//
// evaluated at every h+1h with a step of 1h. A range selector at time T
// takes the samples in (T-1h, T]; the offset of 1 ms makes it [h, h+1h).
// last_over_time keeps the metric name in Prometheus 3, so series of
// several metrics of one resource stay apart until count merges them.
// Engines that drop the name refuse the query ("vector cannot contain
// metrics with the same labelset"); then Coverage lists the metric names
// the matchers select in the chunk and asks one such query per name.
func (r *Reader) Coverage(ctx context.Context, q Query) (*sink.Coverage, error) {
	if err := q.check(); err != nil {
		return nil, fmt.Errorf("coverage query: %w", err)
	}
	cov := sink.NewCoverage(q.Mint, q.Maxt)
	step := sink.Hour.Milliseconds()
	for from := q.Mint; from < q.Maxt; from += int64(r.maxHours) * step {
		to := min(q.Maxt, from+int64(r.maxHours)*step)
		if err := r.chunk(ctx, q, from, to, cov); err != nil {
			return nil, fmt.Errorf("coverage query: %w", err)
		}
	}
	return cov, nil
}

// chunk reads the coverage of [from, to) into cov: with one query, or one
// per metric name where the engine needs that.
func (r *Reader) chunk(ctx context.Context, q Query, from, to int64, cov *sink.Coverage) error {
	err := r.query(ctx, q.ResourceLabel, expr(q.ResourceLabel, q.Matchers), from, to, cov)
	if err == nil || !strings.Contains(err.Error(), "same labelset") {
		return err
	}
	names, _, _, err := r.api.LabelValues(ctx, pmodel.MetricNameLabel, []string{selector(q.Matchers)},
		time.UnixMilli(from), time.UnixMilli(to))
	if err != nil {
		return fmt.Errorf("list metric names: %w", err)
	}
	for _, name := range names {
		ms := append(slices.Clone(q.Matchers), labels.MustNewMatcher(labels.MatchEqual, pmodel.MetricNameLabel, string(name)))
		if err := r.query(ctx, q.ResourceLabel, expr(q.ResourceLabel, ms), from, to, cov); err != nil {
			return err
		}
	}
	return nil
}

// check reports the first invalid field of q.
func (q Query) check() error {
	h := sink.Hour.Milliseconds()
	switch {
	case !pmodel.LegacyValidation.IsValidLabelName(q.ResourceLabel):
		return fmt.Errorf("resource label %q is not a valid label name", q.ResourceLabel)
	case len(q.Matchers) == 0:
		return errors.New("no matchers")
	case q.Maxt <= q.Mint || q.Mint%h != 0 || q.Maxt%h != 0:
		return fmt.Errorf("range [%d, %d) is empty or not aligned to the hour", q.Mint, q.Maxt)
	}
	return nil
}

// expr returns the query of the hours that hold samples of ms, by label.
func expr(label string, ms []*labels.Matcher) string {
	return fmt.Sprintf("count by (%s) (last_over_time(%s[1h] offset 1ms))", label, selector(ms))
}

// selector returns the series selector of ms.
func selector(ms []*labels.Matcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// query asks for the hours of [from, to) and adds those held to cov.
func (r *Reader) query(ctx context.Context, label, expr string, from, to int64, cov *sink.Coverage) error {
	h := sink.Hour
	rng := v1.Range{Start: time.UnixMilli(from).Add(h), End: time.UnixMilli(to), Step: h}
	val, warnings, _, err := r.api.QueryRange(ctx, expr, rng)
	if err != nil {
		return fmt.Errorf("%s from %s to %s: %w", expr, rng.Start.UTC(), rng.End.UTC(), err)
	}
	if len(warnings) > 0 {
		r.logger.Warn("Coverage query returned warnings", "query", expr, "warnings", warnings)
	}
	m, ok := val.(pmodel.Matrix)
	if !ok {
		return fmt.Errorf("%s: got a %s, want a matrix", expr, val.Type())
	}
	for _, s := range m {
		res := string(s.Metric[pmodel.LabelName(label)])
		for _, p := range s.Values {
			if res != "" && p.Value > 0 {
				cov.Add(res, int64(p.Timestamp)-h.Milliseconds())
			}
		}
	}
	return nil
}
