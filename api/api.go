// Package api is the exporter's HTTP surface: the metrics endpoint, the
// landing page, health and readiness, and the JSON API under /api/v1.
// Handlers return a result or a typed error; one function maps errors to
// status codes and JSON bodies.
package api

import (
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/julienschmidt/httprouter"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/exposition"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Resources lists the known resources; *inventory.Inventory implements it.
type Resources interface {
	All() []model.Described
}

// DefaultTelemetryPath is where metrics are served unless Options says
// otherwise.
const DefaultTelemetryPath = "/metrics"

// Options configure the HTTP surface.
type Options struct {
	// TelemetryPath is where metrics are served, default
	// DefaultTelemetryPath.
	TelemetryPath string
	// Exposition returns the live series rendered at the last poll, if
	// set; /metrics serves it and then Gatherer's metrics, encoded per
	// scrape. The two must share no metric name.
	Exposition func() *exposition.Rendered
	Gatherer   prometheus.Gatherer
	Resources  Resources
	// Ready is closed when the exporter has finished its first poll of
	// the complete resource list.
	Ready <-chan struct{}
	// Backfill and History serve the backfill API; without them its
	// routes are not registered.
	Backfill Backfill
	History  History
	Version  string
	Logger   *slog.Logger

	// BackfillUnavailable, if set without Backfill, is why the backfill
	// could not start (its output folder cannot be written): its routes
	// answer 503 with it.
	BackfillUnavailable error
}

// Server routes the exporter's endpoints.
type Server struct {
	opts        Options
	router      *httprouter.Router
	landingTmpl *template.Template
}

// New returns a Server with every route registered.
func New(opts Options) *Server {
	if opts.TelemetryPath == "" {
		opts.TelemetryPath = DefaultTelemetryPath
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, router: httprouter.New(), landingTmpl: template.Must(template.New("landing").Parse(landingHTML))}
	s.routes()
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.router }

func (s *Server) routes() {
	r := s.router
	// A cleaned path (no //, ./ or ../, letter case fixed) names another
	// identifier: answer 404 rather than redirect to it.
	r.RedirectFixedPath = false
	cached := s.opts.Exposition
	if cached == nil {
		cached = func() *exposition.Rendered { return nil }
	}
	metrics := exposition.Handler(cached, s.opts.Gatherer, s.opts.Logger)
	// HEAD answers as GET without a body (net/http drops it).
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		r.Handler(m, s.opts.TelemetryPath, metrics)
		r.Handle(m, "/-/healthy", s.healthy)
		r.Handle(m, "/-/ready", s.ready)
	}
	r.GET("/", s.landing)
	r.GET("/api/v1/resources", s.wrap(s.listResources("", "resources")))
	for _, kp := range kindPaths() {
		r.GET("/api/v1/"+kp.path, s.wrap(s.listResources(kp.kind, kp.path)))
	}
	s.backfillRoutes()
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, &Error{Status: http.StatusNotFound, Message: "no such endpoint; see / for the endpoints"})
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, &Error{Status: http.StatusMethodNotAllowed, Message: "method " + req.Method + " not allowed; allowed: " + w.Header().Get("Allow")})
	})
}

func (s *Server) healthy(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("Healthy.\n"))
}

func (s *Server) ready(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	select {
	case <-s.opts.Ready:
		_, _ = w.Write([]byte("Ready.\n"))
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("Not ready: the first instance discovery or CloudWatch poll has not finished.\n"))
	}
}

// Error is an error with the HTTP status it maps to and extra JSON fields,
// or a whole JSON body.
type Error struct {
	Status  int
	Message string
	Fields  map[string]any
	// Body, if set, is the answer's body instead of Message and Fields;
	// it must say Message itself.
	Body any
}

func (e *Error) Error() string { return e.Message }

// handler is a JSON endpoint: it returns the body, or an error.
type handler func(r *http.Request, p httprouter.Params) (status int, body any, err error)

func (s *Server) wrap(h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
		status, body, err := h(r, p)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) {
				s.opts.Logger.Error("request failed", "path", r.URL.Path, "err", err)
				ae = &Error{Status: http.StatusInternalServerError, Message: err.Error()}
			}
			writeError(w, ae)
			return
		}
		if wh, ok := body.(withHeaders); ok {
			for k, vs := range wh.header {
				w.Header()[k] = vs
			}
			body = wh.body
		}
		writeJSON(w, status, body)
	}
}

// withHeaders is a handler's body that also sets response headers.
type withHeaders struct {
	header http.Header
	body   any
}

func writeError(w http.ResponseWriter, e *Error) {
	if e.Body != nil {
		writeJSON(w, e.Status, e.Body)
		return
	}
	body := map[string]any{"error": e.Message}
	for k, v := range e.Fields {
		body[k] = v
	}
	writeJSON(w, e.Status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(body)
}
