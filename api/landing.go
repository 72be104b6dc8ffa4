package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

const landingHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>RDS Backfill Exporter</title>
<style>
body { font-family: -apple-system, system-ui, sans-serif; margin: 0; color: #222; }
header { background: #e6522c; color: #fff; padding: 0.8em 1.5em; }
header h1 { margin: 0; font-size: 1.5em; }
main { padding: 1em 1.5em; }
table { border-collapse: collapse; margin-top: 0.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f3f3f3; }
code { background: #f3f3f3; padding: 0 0.2em; }
.muted { color: #777; }
</style>
</head>
<body>
<header><h1>RDS Backfill Exporter</h1></header>
<main>
<p>Prometheus exporter for AWS RDS CloudWatch metrics, with backfill of history into TSDB blocks. Version {{.Version}}.</p>
<h2>Endpoints</h2>
<ul>
<li><a href="{{.TelemetryPath}}">{{.TelemetryPath}}</a>: metrics (aws_rds_* and rds_backfill_exporter_*)</li>
<li><a href="/-/healthy">/-/healthy</a>: liveness</li>
<li><a href="/-/ready">/-/ready</a>: readiness (after the first discovery and CloudWatch poll)</li>
<li><a href="/api/v1/resources">/api/v1/resources</a>: known resources with their metrics (JSON); <a href="/api/v1/instances">/api/v1/instances</a>, <a href="/api/v1/clusters">/api/v1/clusters</a>, <a href="/api/v1/proxies">/api/v1/proxies</a>: by kind</li>
{{range .Extra}}<li><code>{{.}}</code></li>
{{end}}</ul>
{{with .BackfillUnavailable}}<p id="backfill-unavailable">Backfill unavailable: {{.}}</p>
{{end}}<h2>Resources ({{len .Resources}})</h2>
{{if .Resources}}<table id="instances">
<tr><th>Kind</th><th>Identifier</th><th>Provider</th><th>Region</th><th>Account</th><th>Engine</th><th>Class</th><th>Role</th><th>Status</th><th>Metrics</th></tr>
{{range .Resources}}<tr><td>{{.Kind}}</td><td>{{.ID}}</td><td>{{.Provider}}</td><td>{{.Region}}</td><td>{{.AccountID}}</td><td>{{.Engine}}{{.EngineFamily}} {{.EngineVersion}}</td><td>{{.InstanceClass}}</td><td>{{.Role}}</td><td>{{.Status}}</td><td>{{len .Metrics}}</td></tr>
{{end}}</table>
{{else}}<p class="muted">No resources known yet.</p>{{end}}
</main>
</body>
</html>
`

type landingData struct {
	Version             string
	TelemetryPath       string
	Extra               []string
	BackfillUnavailable string
	Resources           []ResourceJSON
}

func (s *Server) landing(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	data := landingData{Version: s.opts.Version, TelemetryPath: s.opts.TelemetryPath, Extra: s.extraEndpoints()}
	if err := s.opts.BackfillUnavailable; err != nil && s.opts.Backfill == nil {
		data.BackfillUnavailable = err.Error()
	}
	for _, d := range s.opts.Resources.All() {
		data.Resources = append(data.Resources, resourceJSON(d))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.landingTmpl.Execute(w, data); err != nil {
		s.opts.Logger.Error("render landing page", "err", err)
	}
}

// extraEndpoints lists the API endpoints that take parameters.
func (s *Server) extraEndpoints() []string {
	if s.opts.Backfill == nil {
		return nil
	}
	return []string{
		"POST /api/v1/{instances|clusters|proxies}/{id}/metrics/backfill?days=N[&async=true]: backfill one resource's history as TSDB blocks",
		"POST /api/v1/metrics/backfill?days=N[&async=true]: backfill every AWS instance, cluster and proxy",
		"GET|DELETE /api/v1/backfill/jobs/{job}: backfill job progress, cancel",
		"GET /api/v1/{instances|clusters|proxies}/{id}/metrics/history?range=24h: samples the blocks hold",
	}
}
