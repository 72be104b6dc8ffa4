package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// InstanceJSON is one instance in GET /api/v1/instances.
type InstanceJSON struct {
	ID            string            `json:"id"`
	ARN           string            `json:"arn,omitempty"`
	Provider      string            `json:"provider"`
	Region        string            `json:"region"`
	AccountID     string            `json:"account_id,omitempty"`
	Engine        string            `json:"engine,omitempty"`
	EngineVersion string            `json:"engine_version,omitempty"`
	InstanceClass string            `json:"instance_class,omitempty"`
	Status        string            `json:"status,omitempty"`
	CloudWatch    bool              `json:"cloudwatch"`
	Tags          map[string]string `json:"tags,omitempty"`
	// HoursCovered is how many hours of the last max-days blocks hold data
	// for; nil when the backfill is off.
	HoursCovered *int `json:"hours_covered,omitempty"`
}

func instanceJSON(i model.Instance) InstanceJSON {
	return InstanceJSON{
		ID: i.ID, ARN: i.ARN, Provider: i.ProviderName(), Region: i.Region, AccountID: i.AccountID,
		Engine: i.Engine, EngineVersion: i.EngineVersion, InstanceClass: i.InstanceClass,
		Status: i.Status, CloudWatch: i.ServedByCloudWatch(), Tags: i.Tags,
	}
}

func (s *Server) listInstances(r *http.Request, _ httprouter.Params) (int, any, error) {
	all := s.opts.Instances.All()
	out := make([]InstanceJSON, 0, len(all))
	for _, i := range all {
		out = append(out, instanceJSON(i))
	}
	body := map[string]any{"instances": out}
	if s.opts.History == nil {
		return http.StatusOK, body, nil
	}
	days := s.opts.History.MaxDays()
	cov, rng, err := s.opts.History.Coverage(r.Context(), days)
	if err != nil {
		return 0, nil, err
	}
	for k, i := range all {
		if i.ServedByCloudWatch() {
			n := cov.Count(i.Resource().Key())
			out[k].HoursCovered = &n
		}
	}
	body["coverage_from"], body["coverage_to"], body["coverage_hours"] = rng.From, rng.To, rng.Hours()
	return http.StatusOK, body, nil
}
