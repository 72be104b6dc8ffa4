package dashboards_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/dashboards"
)

// The parts of Grafana's dashboard JSON the tests read. They read the
// committed JSON, what users import, not the Go values it is generated from.
type (
	grafanaDashboard struct {
		UID         string         `json:"uid"`
		Title       string         `json:"title"`
		Description string         `json:"description"`
		Panels      []grafanaPanel `json:"panels"`
		Templating  struct {
			List []grafanaVariable `json:"list"`
		} `json:"templating"`
	}
	grafanaPanel struct {
		ID          int              `json:"id"`
		Type        string           `json:"type"`
		Title       string           `json:"title"`
		Description string           `json:"description"`
		Datasource  *grafanaDSRef    `json:"datasource"`
		Targets     []grafanaTarget  `json:"targets"`
		FieldConfig grafanaFieldConf `json:"fieldConfig"`
	}
	grafanaFieldConf struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []struct {
			Matcher struct {
				ID      string `json:"id"`
				Options any    `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	}
	grafanaTarget struct {
		RefID      string        `json:"refId"`
		Expr       string        `json:"expr"`
		Instant    bool          `json:"instant"`
		Range      bool          `json:"range"`
		Format     string        `json:"format"`
		Datasource *grafanaDSRef `json:"datasource"`
	}
	grafanaVariable struct {
		Type       string        `json:"type"`
		Name       string        `json:"name"`
		Query      string        `json:"query"`
		Multi      bool          `json:"multi"`
		IncludeAll bool          `json:"includeAll"`
		AllValue   string        `json:"allValue"`
		Datasource *grafanaDSRef `json:"datasource"`
	}
	grafanaDSRef struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
)

// loadDashboards reads the committed dashboard JSON files.
func loadDashboards(t testing.TB) []grafanaDashboard {
	t.Helper()
	return loadDashboardsIn(t, dashboards.JSONDir)
}

// loadDashboardsIn reads the committed dashboard JSON files of dir.
func loadDashboardsIn(t testing.TB, dir string) []grafanaDashboard {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no dashboards in %s: %v", dir, err)
	}
	var ds []grafanaDashboard
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var d grafanaDashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		ds = append(ds, d)
	}
	return ds
}

// panels returns the panels that show data: all but rows.
func (d grafanaDashboard) panels() []grafanaPanel {
	var ps []grafanaPanel
	for _, p := range d.Panels {
		if p.Type != "row" {
			ps = append(ps, p)
		}
	}
	return ps
}

// variable returns the dashboard's variable of that name.
func (d grafanaDashboard) variable(name string) (grafanaVariable, bool) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, true
		}
	}
	return grafanaVariable{}, false
}

// allVars are the values Grafana substitutes into a query with every
// variable set to All, at a step over a range, for a datasource whose scrape
// interval is scrape: $__interval is the step, and $__rate_interval is
// max($__interval + scrape interval, 4 * scrape interval).
func (d grafanaDashboard) allVars(step, rng, scrape time.Duration) map[string]string {
	vars := map[string]string{
		"__interval":      model.Duration(step).String(),
		"__rate_interval": model.Duration(max(step+scrape, 4*scrape)).String(),
		"__range":         fmt.Sprintf("%ds", int64(rng.Seconds())),
	}
	for _, v := range d.Templating.List {
		if v.IncludeAll {
			vars[v.Name] = v.AllValue
		}
	}
	return vars
}

// variableRef matches Grafana's variable syntaxes: $name, ${name},
// ${name:format} and [[name]].
func variableRef() *regexp.Regexp {
	return regexp.MustCompile(`\$(\w+)|\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]`)
}

// expand substitutes variables as Grafana does before it sends a query. A
// variable without a value is an error.
func expand(s string, vars map[string]string) (string, error) {
	var missing []string
	re := variableRef()
	out := re.ReplaceAllStringFunc(s, func(ref string) string {
		m := re.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for variables %s in %q", strings.Join(missing, ", "), s)
	}
	return out, nil
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"job": ".*", "__rate_interval": "4m"}
	tests := []struct{ in, want, err string }{
		{`rate(x{job=~"$job"}[$__rate_interval])`, `rate(x{job=~".*"}[4m])`, ""},
		{`x{job=~"${job}"} or y{job=~"${job:regex}"} or z{job=~"[[job]]"}`, `x{job=~".*"} or y{job=~".*"} or z{job=~".*"}`, ""},
		{`x{region=~"$region"}`, "", "no value for variables region"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, vars)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("expand(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// scrapeInterval is the scrape interval the provisioned datasource declares
// (jsonData.timeInterval), the one Grafana uses for $__rate_interval.
func scrapeInterval(t testing.TB) time.Duration {
	t.Helper()
	var f struct {
		Datasources []struct {
			Type     string `yaml:"type"`
			JSONData struct {
				TimeInterval string `yaml:"timeInterval"`
			} `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, filepath.Join("provisioning", "datasources", "prometheus.yml"), &f)
	for _, ds := range f.Datasources {
		if ds.Type == "prometheus" {
			d, err := model.ParseDuration(ds.JSONData.TimeInterval)
			if err != nil {
				t.Fatalf("datasource timeInterval: %v", err)
			}
			return time.Duration(d)
		}
	}
	t.Fatal("no prometheus datasource provisioned")
	return 0
}

// readYAML decodes a YAML file.
func readYAML(t testing.TB, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
