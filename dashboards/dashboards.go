// Package dashboards holds the Grafana dashboards of rds-backfill-exporter as
// Go code built with the Grafana foundation SDK. `go generate ./dashboards`
// writes them as JSON into the json folder, which is committed; a test fails
// when the committed JSON differs from what this code generates. The rules
// folder holds the Prometheus alerting and recording rules, the provisioning
// folder Grafana provisioning files for both.
package dashboards

//go:generate go run ./cmd/gen -out json -out-snake-case json-snake-case -rules rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// JSONDir is the folder, relative to this package, of the generated JSON.
const JSONDir = "json"

// Tag is on every dashboard; the dashboards link to each other through it.
const Tag = "rds-backfill-exporter"

// File is one generated dashboard.
type File struct {
	// Name is the file name in JSONDir, e.g. "rds-fleet-overview.json".
	Name      string
	Dashboard dashboard.Dashboard
}

// All builds every dashboard, in a stable order.
func All() ([]File, error) {
	layouts := []layout{fleetOverview(), instanceDetail(), clustersAndProxies(), exporterHealth()}
	files := make([]File, 0, len(layouts))
	for _, l := range layouts {
		d, err := l.build()
		if err != nil {
			return nil, fmt.Errorf("build dashboard %s: %w", l.uid, err)
		}
		files = append(files, File{Name: l.uid + ".json", Dashboard: d})
	}
	return files, nil
}

// Render returns the JSON of a dashboard as it is committed: indented, keys
// in a stable order, with a final newline.
func Render(d dashboard.Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("render dashboard: %w", err)
	}
	return buf.Bytes(), nil
}

// Write renders every dashboard into dir, which must exist, and its
// snake-case variant into snakeDir, created if needed.
func Write(dir, snakeDir string) error {
	files, err := All()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(snakeDir, 0o755); err != nil {
		return fmt.Errorf("write dashboard: %w", err)
	}
	for _, f := range files {
		for _, v := range []struct {
			path   string
			render func(dashboard.Dashboard) ([]byte, error)
		}{{filepath.Join(dir, f.Name), Render}, {filepath.Join(snakeDir, f.Name), RenderSnakeCase}} {
			b, err := v.render(f.Dashboard)
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			if err := os.WriteFile(v.path, b, 0o644); err != nil {
				return fmt.Errorf("write dashboard: %w", err)
			}
		}
	}
	return nil
}

// WriteRules writes the snake-case variants of the rule files of rulesDir
// and their tests into rulesDir/SnakeCaseDir.
func WriteRules(rulesDir string) error {
	files, err := SnakeCaseRules(rulesDir)
	if err != nil {
		return err
	}
	for rel, b := range files {
		path := filepath.Join(rulesDir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write rules: %w", err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("write rules: %w", err)
		}
	}
	return nil
}

// row is a titled group of panels; an empty title puts the panels above the
// first row.
type row struct {
	title  string
	panels []cog.Builder[dashboard.Panel]
}

// layout describes one dashboard.
type layout struct {
	uid         string
	title       string
	description string
	// jobSource is the series whose job label values fill the job variable.
	jobSource string
	// kinds are the kinds of resources whose variables the dashboard has,
	// after job, account and region; default DB instances.
	kinds []resourceKind
	rows  []row
}

func (l layout) build() (dashboard.Dashboard, error) {
	b := dashboard.NewDashboardBuilder(l.title).
		Uid(l.uid).
		Description(l.description).
		Tags([]string{Tag, "aws", "rds"}).
		Time("now-7d", "now").
		Refresh("5m").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Editable().
		Link(dashboard.NewDashboardLinkBuilder("RDS dashboards").
			Type(dashboard.DashboardLinkTypeDashboards).
			Icon("external link").
			Tooltip("Other rds-backfill-exporter dashboards").
			Tags([]string{Tag}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true))
	kinds := l.kinds
	if len(kinds) == 0 {
		kinds = []resourceKind{instances()}
	}
	for _, v := range variables(l.jobSource, kinds) {
		b = b.WithVariable(v)
	}
	for _, r := range l.rows {
		if r.title != "" {
			b = b.WithRow(dashboard.NewRowBuilder(r.title))
		}
		for _, p := range r.panels {
			b = b.WithPanel(p)
		}
	}
	d, err := b.Build()
	if err != nil {
		return dashboard.Dashboard{}, err
	}
	numberPanels(&d)
	return d, nil
}

// numberPanels gives every panel and row a unique id, in layout order, so
// that Grafana keeps links to panels stable across imports.
func numberPanels(d *dashboard.Dashboard) {
	for i := range d.Panels {
		id := uint32(i + 1)
		if p := d.Panels[i].Panel; p != nil {
			p.Id = &id
		}
		if r := d.Panels[i].RowPanel; r != nil {
			r.Id = id
		}
	}
}

// variables returns the datasource, job, account, region and resource
// variables (one per kind). Account and region list the values of the
// first kind's RDS series, each resource variable those of its kind; job
// lists those of jobSource. Every query variable is multi-select with an
// All value of ".*", so that "All" is a short regex however large the
// fleet.
func variables(jobSource string, kinds []resourceKind) []cog.Builder[dashboard.VariableModel] {
	rdsSource := kinds[0].source
	vars := []cog.Builder[dashboard.VariableModel]{
		dashboard.NewDatasourceVariableBuilder(varDatasource).
			Label("Data source").
			Type("prometheus"),
		queryVariable(varJob, "Job", fmt.Sprintf("label_values(%s, job)", jobSource)),
		queryVariable(varAccount, "Account",
			fmt.Sprintf(`label_values(%s{job=~"$%s"}, %s)`, rdsSource, varJob, catalog.LabelAccountID)),
		queryVariable(varRegion, "Region",
			fmt.Sprintf(`label_values(%s{job=~"$%s", %s=~"$%s"}, %s)`, rdsSource, varJob, catalog.LabelAccountID, varAccount, catalog.LabelRegion)),
	}
	for _, k := range kinds {
		vars = append(vars, queryVariable(k.variable, k.title,
			fmt.Sprintf(`label_values(%s{job=~"$%s", %s=~"$%s", %s=~"$%s"}, %s)`,
				k.source, varJob, catalog.LabelAccountID, varAccount, catalog.LabelRegion, varRegion, k.label)))
	}
	return vars
}

func queryVariable(name, label, q string) cog.Builder[dashboard.VariableModel] {
	all := "$__all"
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Query(dashboard.StringOrMap{String: &q}).
		Definition(q).
		Datasource(datasource()).
		Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{all}},
		}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc)
}
