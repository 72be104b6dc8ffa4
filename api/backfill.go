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

// History reads what the blocks hold; *backfill.Backfiller implements it.
type History interface {
	MaxDays() int
	Coverage(ctx context.Context, days int) (*tsdbwriter.Coverage, backfill.Range, error)
	History(ctx context.Context, inst model.Instance, from, to time.Time) ([]tsdbwriter.Series, error)
}

// MaxHistoryRange bounds ?range= of the history endpoint: what CloudWatch
// keeps, so what a backfill can have written.
const MaxHistoryRange = backfill.MaxDays * 24 * time.Hour

func (s *Server) backfillRoutes() {
	wrap := s.wrap
	switch {
	case s.opts.Backfill != nil:
	case s.opts.BackfillUnavailable != nil:
		wrap = func(handler) httprouter.Handle { return s.wrap(s.backfillUnavailable) }
	default:
		return
	}
	r := s.router
	r.POST("/api/v1/instances/:id/metrics/backfill", wrap(s.backfillInstance))
	r.POST("/api/v1/metrics/backfill", wrap(s.backfillAll))
	r.GET("/api/v1/backfill/jobs", wrap(s.listJobs))
	r.GET("/api/v1/backfill/jobs/:job", wrap(s.getJob))
	r.DELETE("/api/v1/backfill/jobs/:job", wrap(s.cancelJob))
	r.GET("/api/v1/instances/:id/metrics/history", wrap(s.history))
}

// backfillUnavailable answers every backfill route when the backfill could
// not start: 503 with the reason (Options.BackfillUnavailable).
func (s *Server) backfillUnavailable(_ *http.Request, p httprouter.Params) (int, any, error) {
	e := &Error{Status: http.StatusServiceUnavailable, Message: "Backfill unavailable: " + s.opts.BackfillUnavailable.Error(), Fields: map[string]any{}}
	if id := p.ByName("id"); id != "" {
		e.Fields["instance_id"] = id
	}
	return 0, nil, e
}

// backfillError builds the contract's error body.
func backfillError(status int, instanceID string, format string, args ...any) *Error {
	e := &Error{Status: status, Message: "Backfill failed: " + fmt.Sprintf(format, args...), Fields: map[string]any{}}
	if instanceID != "" {
		e.Fields["instance_id"] = instanceID
	}
	return e
}

func (s *Server) backfillInstance(r *http.Request, p httprouter.Params) (int, any, error) {
	id := p.ByName("id")
	inst, ok := s.lookup(r, id)
	if !ok {
		return 0, nil, backfillError(http.StatusNotFound, id, "unknown DB instance %q; GET /api/v1/instances lists the known ones", id)
	}
	if !inst.ServedByCloudWatch() {
		return 0, nil, backfillError(http.StatusBadRequest, id,
			"instance %q has provider %q, which CloudWatch does not serve; only provider %q instances can be backfilled", id, inst.Provider, model.ProviderAWS)
	}
	return s.runBackfill(r, []model.Instance{inst}, id)
}

// lookup finds an instance by identifier and, when the request names them
// (?region=, ?account_id=), by region and account: identifiers are unique
// only per account and region.
func (s *Server) lookup(r *http.Request, id string) (model.Instance, bool) {
	q := r.URL.Query()
	return model.Find(s.opts.Instances.All(), id, q.Get("region"), q.Get("account_id"))
}

func (s *Server) backfillAll(r *http.Request, _ httprouter.Params) (int, any, error) {
	aws := model.CloudWatchInstances(s.opts.Instances.All())
	if len(aws) == 0 {
		return 0, nil, backfillError(http.StatusConflict, "", "no AWS instances known yet")
	}
	return s.runBackfill(r, aws, "")
}

func (s *Server) runBackfill(r *http.Request, instances []model.Instance, id string) (int, any, error) {
	days, err := parseDays(r.URL.Query().Get("days"))
	if err != nil {
		return 0, nil, backfillError(http.StatusBadRequest, id, "%v", err)
	}
	async, err := parseBool(r.URL.Query().Get("async"))
	if err != nil {
		return 0, nil, backfillError(http.StatusBadRequest, id, "async: %v", err)
	}
	req := backfill.Request{Instances: instances, Days: days}
	if async {
		st, err := s.opts.Backfill.Start(req)
		if err != nil {
			return 0, nil, s.backfillFailure(err, id)
		}
		body := newBackfillJSON(st)
		return http.StatusAccepted, withHeaders{header: http.Header{"Location": {body.Location}}, body: body}, nil
	}
	st, err := s.opts.Backfill.Run(r.Context(), req)
	if err != nil {
		e := s.backfillFailure(err, id)
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
// for a caller's mistake, 502 when AWS failed, 503 when canceled, 507 when
// the output folder lacks space, 500 otherwise.
func (s *Server) backfillFailure(err error, id string) *Error {
	var busy *backfill.BusyError
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &busy):
		e := backfillError(http.StatusConflict, id, "%v", err)
		e.Fields["job_id"] = busy.JobID
		e.Fields["job"] = jobPath(busy.JobID)
		return e
	case errors.Is(err, backfill.ErrNotCloudWatch), errors.Is(err, backfill.ErrNoTarget), errors.Is(err, backfill.ErrBadDays):
		return backfillError(http.StatusBadRequest, id, "%v", err)
	case errors.As(err, &apiErr):
		return backfillError(http.StatusBadGateway, id, "%v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return backfillError(http.StatusServiceUnavailable, id, "%v", err)
	case errors.Is(err, tsdbwriter.ErrNoSpace):
		return backfillError(http.StatusInsufficientStorage, id, "%v", err)
	}
	s.opts.Logger.Error("backfill failed", "instance_id", id, "err", err)
	return backfillError(http.StatusInternalServerError, id, "%v", err)
}

// BackfillJSON is the one answer of the backfill endpoints: a finished
// POST (200), a started one (202), a failed one (its error status, with
// what the sweep committed before it failed), GET and DELETE of a job, and
// each job of the list. README.md documents it.
type BackfillJSON struct {
	// Success is false when the job failed or was canceled.
	Success bool `json:"success"`
	// InstanceID is the instance of a job of one instance.
	InstanceID string `json:"instance_id,omitempty"`
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
	if len(st.InstanceIDs) == 1 {
		b.InstanceID = st.InstanceIDs[0]
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

func (s *Server) history(r *http.Request, p httprouter.Params) (int, any, error) {
	id := p.ByName("id")
	inst, ok := s.lookup(r, id)
	if !ok {
		return 0, nil, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("unknown DB instance %q", id), Fields: map[string]any{"instance_id": id}}
	}
	rng, err := parseRange(r.URL.Query().Get("range"))
	if err != nil {
		return 0, nil, &Error{Status: http.StatusBadRequest, Message: err.Error(), Fields: map[string]any{"instance_id": id}}
	}
	to := time.Now()
	series, err := s.opts.History.History(r.Context(), inst, to.Add(-rng), to)
	if errors.Is(err, tsdbwriter.ErrTooManySamples) {
		return 0, nil, &Error{Status: http.StatusBadRequest, Message: err.Error() + "; ask for a shorter range", Fields: map[string]any{"instance_id": id}}
	}
	if err != nil {
		return 0, nil, err
	}
	out := make([]HistorySeries, 0, len(series))
	for _, sr := range series {
		hs := HistorySeries{Metric: sr.Labels.Get("__name__"), Labels: sr.Labels.Map(), Samples: make([][2]float64, len(sr.Samples))}
		delete(hs.Labels, "__name__")
		for i, smp := range sr.Samples {
			hs.Samples[i] = [2]float64{float64(smp.T) / 1000, smp.V}
		}
		out = append(out, hs)
	}
	return http.StatusOK, map[string]any{"instance_id": id, "from": to.Add(-rng).UTC(), "to": to.UTC(), "series": out}, nil
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
