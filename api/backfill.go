package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go"
	"github.com/julienschmidt/httprouter"
	pmodel "github.com/prometheus/common/model"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// Backfill runs and tracks backfills; *backfill.Jobs implements it.
type Backfill interface {
	Run(ctx context.Context, req backfill.Request) (backfill.JobStatus, error)
	Start(req backfill.Request) (backfill.JobStatus, error)
	Get(id string) (backfill.JobStatus, error)
	List() []backfill.JobStatus
	Cancel(id string) (backfill.JobStatus, error)
}

// History reads what the store and the blocks hold; *backfill.Backfiller
// implements it.
type History interface {
	MaxDays() int
	Coverage(ctx context.Context, days int) (*backfill.Coverage, backfill.Range, error)
	History(ctx context.Context, r model.Resource, from, to time.Time) ([]tsdbwriter.Series, error)
}

// MaxHistoryRange bounds ?range= of the history endpoint: what CloudWatch
// keeps, so what a backfill can have written.
const MaxHistoryRange = backfill.MaxDays * 24 * time.Hour

func (s *Server) backfillRoutes() {
	if s.opts.Backfill == nil && s.opts.BackfillUnavailable == nil {
		return
	}
	r := s.router
	on := s.backfillRoute
	r.POST("/api/v1/metrics/backfill", on(s.backfillAll, kindPath{}))
	r.GET("/api/v1/backfill/jobs", on(s.listJobs, kindPath{}))
	r.GET("/api/v1/backfill/jobs/:job", on(s.getJob, kindPath{}))
	r.DELETE("/api/v1/backfill/jobs/:job", on(s.cancelJob, kindPath{}))
	for _, kp := range kindPaths() {
		r.POST("/api/v1/"+kp.path+"/:id/metrics/backfill", on(s.backfillOne(kp), kp))
		r.GET("/api/v1/"+kp.path+"/:id/metrics/history", on(s.history(kp), kp))
	}
}

// backfillRoute serves a backfill route with h, or, when the backfill
// could not start, with backfillUnavailable.
func (s *Server) backfillRoute(h handler, kp kindPath) httprouter.Handle {
	if s.opts.Backfill == nil {
		return s.wrap(s.backfillUnavailable(kp))
	}
	return s.wrap(h)
}

// backfillUnavailable answers every backfill route when the backfill could
// not start: 503 with the reason (Options.BackfillUnavailable), naming the
// resource of the path of kind kp, if any.
func (s *Server) backfillUnavailable(kp kindPath) handler {
	return func(_ *http.Request, p httprouter.Params) (int, any, error) {
		e := &Error{Status: http.StatusServiceUnavailable, Message: "Backfill unavailable: " + s.opts.BackfillUnavailable.Error(), Fields: map[string]any{}}
		if id := p.ByName("id"); id != "" && kp.idField != "" {
			e.Fields[kp.idField] = id
		}
		return 0, nil, e
	}
}

// subject names the resource a request is about in its error body: the
// JSON field of its kind (instance_id, cluster_id, proxy_id) and its
// identifier. The zero subject is the whole fleet.
type subject struct{ field, id string }

func (kp kindPath) subject(id string) subject { return subject{kp.idField, id} }

// backfillError builds the contract's error body.
func backfillError(status int, sub subject, format string, args ...any) *Error {
	e := &Error{Status: status, Message: "Backfill failed: " + fmt.Sprintf(format, args...), Fields: map[string]any{}}
	if sub.id != "" {
		e.Fields[sub.field] = sub.id
	}
	return e
}

// backfillOne backfills one resource of the path's kind.
func (s *Server) backfillOne(kp kindPath) handler {
	return func(r *http.Request, p httprouter.Params) (int, any, error) {
		id := p.ByName("id")
		sub := kp.subject(id)
		d, ok := s.lookup(r, kp.kind, id)
		if !ok {
			return 0, nil, backfillError(http.StatusNotFound, sub, "unknown %s %q; GET /api/v1/%s lists the known ones", kp.noun, id, kp.path)
		}
		if !d.ServedByCloudWatch() {
			return 0, nil, backfillError(http.StatusBadRequest, sub,
				"%s %q has provider %q, which CloudWatch does not serve; only provider %q resources can be backfilled", kp.noun, id, d.Provider, model.ProviderAWS)
		}
		return s.runBackfill(r, []model.Described{d}, sub)
	}
}

// lookup finds a resource of kind k by identifier and, when the request
// names them (?region=, ?account_id=), by region and account: identifiers
// are unique only per account, region and kind.
func (s *Server) lookup(r *http.Request, k model.Kind, id string) (model.Described, bool) {
	q := r.URL.Query()
	return model.Find(s.opts.Resources.All(), k, id, q.Get("region"), q.Get("account_id"))
}

func (s *Server) backfillAll(r *http.Request, _ httprouter.Params) (int, any, error) {
	all := model.Backfillable(s.opts.Resources.All())
	if len(all) == 0 {
		return 0, nil, backfillError(http.StatusConflict, subject{}, "no AWS resources known yet")
	}
	return s.runBackfill(r, all, subject{})
}

func (s *Server) runBackfill(r *http.Request, resources []model.Described, sub subject) (int, any, error) {
	days, err := parseDays(r.URL.Query().Get("days"))
	if err != nil {
		return 0, nil, backfillError(http.StatusBadRequest, sub, "%v", err)
	}
	async, err := parseBool(r.URL.Query().Get("async"))
	if err != nil {
		return 0, nil, backfillError(http.StatusBadRequest, sub, "async: %v", err)
	}
	sources, err := model.ParseSources(r.URL.Query().Get("source"))
	if err != nil {
		return 0, nil, backfillError(http.StatusBadRequest, sub, "source: %v", err)
	}
	if err := backfill.CheckSources(resources, sources); err != nil {
		return 0, nil, backfillError(http.StatusBadRequest, sub, "%v", err)
	}
	req := backfill.Request{Resources: resources, Days: days, Sources: sources}
	if async {
		st, err := s.opts.Backfill.Start(req)
		if err != nil {
			return 0, nil, s.backfillFailure(err, sub)
		}
		body := newBackfillJSON(st)
		return http.StatusAccepted, withHeaders{header: http.Header{"Location": {body.Location}}, body: body}, nil
	}
	st, err := s.opts.Backfill.Run(r.Context(), req)
	if err != nil {
		e := s.backfillFailure(err, sub)
		if st.ID != "" { // the sweep ran: say what it committed
			body := newBackfillJSON(st)
			body.Error = e.Message
			e.Body = body
		}
		return 0, nil, e
	}
	return http.StatusOK, newBackfillJSON(st), nil
}

// parseDays parses ?days=: default backfill.DefaultDays, a whole number
// that backfill.CheckDays accepts.
func parseDays(v string) (int, error) {
	if v == "" {
		return backfill.DefaultDays, nil
	}
	d, err := strconv.Atoi(v)
	if err == nil {
		err = backfill.CheckDays(d)
	}
	if err != nil {
		return 0, fmt.Errorf("days=%q: %w", v, backfill.ErrBadDays)
	}
	return d, nil
}

func parseBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	return strconv.ParseBool(v)
}

// backfillFailure maps a backfill error to its status: 409 when busy, 400
// for a caller's mistake, 502 when AWS or the store (remote-write
// receiver, bucket, query API) failed, 503 when canceled, 507 when the
// output folder lacks space, 500 otherwise.
func (s *Server) backfillFailure(err error, sub subject) *Error {
	var busy *backfill.BusyError
	var apiErr smithy.APIError
	var storeErr *backfill.StoreError
	switch {
	case errors.As(err, &busy):
		e := backfillError(http.StatusConflict, sub, "%v", err)
		e.Fields["job_id"] = busy.JobID
		e.Fields["job"] = jobPath(busy.JobID)
		return e
	case errors.Is(err, backfill.ErrNotCloudWatch), errors.Is(err, backfill.ErrNoTarget), errors.Is(err, backfill.ErrBadDays),
		errors.Is(err, model.ErrSourceOff), errors.Is(err, model.ErrBadSource):
		return backfillError(http.StatusBadRequest, sub, "%v", err)
	case errors.As(err, &apiErr):
		return backfillError(http.StatusBadGateway, sub, "%v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return backfillError(http.StatusServiceUnavailable, sub, "%v", err)
	case errors.Is(err, tsdbwriter.ErrNoSpace):
		return backfillError(http.StatusInsufficientStorage, sub, "%v", err)
	case errors.As(err, &storeErr):
		return backfillError(http.StatusBadGateway, sub, "%v", err)
	}
	s.opts.Logger.Error("backfill failed", "resource", sub.id, "err", err)
	return backfillError(http.StatusInternalServerError, sub, "%v", err)
}

// BackfillJSON is the one answer of the backfill endpoints: a finished
// POST (200), a started one (202), a failed one (its error status, with
// what the sweep committed before it failed), GET and DELETE of a job, and
// each job of the list. README.md documents it.
type BackfillJSON struct {
	// Success is false when the job failed or was canceled.
	Success bool `json:"success"`
	// InstanceID, ClusterID or ProxyID is the resource of a job of one
	// DB instance, Aurora cluster or RDS Proxy.
	InstanceID string `json:"instance_id,omitempty"`
	ClusterID  string `json:"cluster_id,omitempty"`
	ProxyID    string `json:"proxy_id,omitempty"`
	// Location is the job's path.
	Location string `json:"location"`
	backfill.JobStatus
}

func newBackfillJSON(st backfill.JobStatus) BackfillJSON {
	b := BackfillJSON{
		Success:   st.State != backfill.StateFailed && st.State != backfill.StateCanceled,
		Location:  jobPath(st.ID),
		JobStatus: st,
	}
	if len(st.Resources) == 1 {
		switch r := st.Resources[0]; r.Kind {
		case model.KindDBInstance:
			b.InstanceID = r.ID
		case model.KindCluster:
			b.ClusterID = r.ID
		case model.KindProxy:
			b.ProxyID = r.ID
		}
	}
	return b
}

func jobPath(id string) string { return "/api/v1/backfill/jobs/" + id }

func (s *Server) listJobs(_ *http.Request, _ httprouter.Params) (int, any, error) {
	list := s.opts.Backfill.List()
	jobs := make([]BackfillJSON, len(list))
	for i, st := range list {
		jobs[i] = newBackfillJSON(st)
	}
	return http.StatusOK, map[string]any{"jobs": jobs}, nil
}

func (s *Server) getJob(_ *http.Request, p httprouter.Params) (int, any, error) {
	return s.jobAnswer(s.opts.Backfill.Get(p.ByName("job")))
}

func (s *Server) cancelJob(_ *http.Request, p httprouter.Params) (int, any, error) {
	return s.jobAnswer(s.opts.Backfill.Cancel(p.ByName("job")))
}

// jobAnswer answers with a job, or 404 for an unknown one.
func (s *Server) jobAnswer(st backfill.JobStatus, err error) (int, any, error) {
	if err != nil {
		return 0, nil, &Error{Status: http.StatusNotFound, Message: err.Error()}
	}
	return http.StatusOK, newBackfillJSON(st), nil
}

// HistorySeries is one series of GET .../metrics/history.
type HistorySeries struct {
	Metric  string            `json:"metric"`
	Labels  map[string]string `json:"labels"`
	Samples [][2]float64      `json:"samples"` // [unix seconds, value]
}

// history answers the samples the store (its query API, else the local
// blocks) holds for one resource of the path's kind: 400 for too many
// samples, 502 when the store's query API fails.
func (s *Server) history(kp kindPath) handler {
	return func(r *http.Request, p httprouter.Params) (int, any, error) {
		id := p.ByName("id")
		fields := map[string]any{kp.idField: id}
		d, ok := s.lookup(r, kp.kind, id)
		if !ok {
			return 0, nil, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("unknown %s %q", kp.noun, id), Fields: fields}
		}
		rng, err := parseRange(r.URL.Query().Get("range"))
		if err != nil {
			return 0, nil, &Error{Status: http.StatusBadRequest, Message: err.Error(), Fields: fields}
		}
		to := time.Now()
		series, err := s.opts.History.History(r.Context(), d.Resource, to.Add(-rng), to)
		var storeErr *backfill.StoreError
		switch {
		case errors.Is(err, tsdbwriter.ErrTooManySamples):
			return 0, nil, &Error{Status: http.StatusBadRequest, Message: err.Error() + "; ask for a shorter range", Fields: fields}
		case errors.As(err, &storeErr):
			return 0, nil, &Error{Status: http.StatusBadGateway, Message: err.Error(), Fields: fields}
		case err != nil:
			return 0, nil, err
		}
		body := map[string]any{kp.idField: id, "from": to.Add(-rng).UTC(), "to": to.UTC(), "series": historyJSON(series)}
		return http.StatusOK, body, nil
	}
}

// historyJSON converts series read from blocks to their JSON form.
func historyJSON(series []tsdbwriter.Series) []HistorySeries {
	out := make([]HistorySeries, 0, len(series))
	for _, sr := range series {
		hs := HistorySeries{Metric: sr.Labels.Get("__name__"), Labels: sr.Labels.Map(), Samples: make([][2]float64, len(sr.Samples))}
		delete(hs.Labels, "__name__")
		for i, smp := range sr.Samples {
			hs.Samples[i] = [2]float64{float64(smp.T) / 1000, smp.V}
		}
		out = append(out, hs)
	}
	return out
}

// parseRange parses ?range=: a Go or Prometheus duration (24h, 7d), default
// 24h, at most MaxHistoryRange.
func parseRange(v string) (time.Duration, error) {
	if v == "" {
		return 24 * time.Hour, nil
	}
	d, err := parsePromDuration(v)
	if err != nil || d <= 0 || d > MaxHistoryRange {
		return 0, fmt.Errorf("range=%q: want a duration such as 24h or 7d, at most %dd", v, backfill.MaxDays)
	}
	return d, nil
}

func parsePromDuration(v string) (time.Duration, error) {
	d, err := pmodel.ParseDuration(v)
	return time.Duration(d), err
}
