package dashboards

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// SnakeCaseDir is the folder, in RulesDir, of the variants of the rules
// for an exporter run with --labels.snake-case (YACE's
// -labels-snake-case): the same rules with the dimension labels named in
// snake case (dimension_dbinstance_identifier).
const SnakeCaseDir = "snake-case"

// SnakeCaseJSONDir is the folder, next to JSONDir (a folder of its own, so
// that Grafana's provisioning of JSONDir, which reads subfolders, does not
// load both), of the snake-case variants of the dashboards.
const SnakeCaseJSONDir = "json-snake-case"

// RulesDir is the folder, relative to this package, of the rule files.
const RulesDir = "rules"

// SnakeCase rewrites the dimension label names of the camelCase dashboards
// and rules (dimension_DBInstanceIdentifier) into those of
// --labels.snake-case, both as catalog.Labeling names them, for every
// dimension of every kind of resource.
func SnakeCase(b []byte) []byte {
	camel, snake := catalog.Labeling{}, catalog.Labeling{SnakeCase: true}
	var dims, pairs []string
	for _, k := range model.Kinds() {
		for _, d := range k.Dimensions() {
			if !slices.Contains(dims, d) {
				dims = append(dims, d)
				pairs = append(pairs, camel.DimensionLabel(d), snake.DimensionLabel(d))
			}
		}
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(b)))
}

// snakeCaseVariant returns the variant of a dashboard for snake-case
// labels: its own UID and title, so that both import side by side.
func snakeCaseVariant(d dashboard.Dashboard) dashboard.Dashboard {
	if d.Uid != nil {
		uid := *d.Uid + "-snake-case"
		d.Uid = &uid
	}
	d.Title = ptr(deref(d.Title) + " (snake_case labels)")
	return d
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RenderSnakeCase returns the JSON of the snake-case variant of a
// dashboard, as it is committed in SnakeCaseJSONDir.
func RenderSnakeCase(d dashboard.Dashboard) ([]byte, error) {
	b, err := Render(snakeCaseVariant(d))
	if err != nil {
		return nil, err
	}
	return SnakeCase(b), nil
}

// SnakeCaseRules returns the snake-case variants of the rule files and
// their promtool tests, by path relative to RulesDir (in SnakeCaseDir),
// read from the rule files in rulesDir.
func SnakeCaseRules(rulesDir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, pattern := range []string{"*.rules.yml", filepath.Join("tests", "*.test.yml")} {
		paths, err := filepath.Glob(filepath.Join(rulesDir, pattern))
		if err != nil {
			return nil, fmt.Errorf("snake-case rules: %w", err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("snake-case rules: %w", err)
			}
			rel, err := filepath.Rel(rulesDir, p)
			if err != nil {
				return nil, fmt.Errorf("snake-case rules: %w", err)
			}
			header := fmt.Sprintf("# Generated from ../%s by `go generate ./dashboards` for an exporter run with\n"+
				"# --labels.snake-case: edit the original, not this file.\n", rel)
			if strings.HasPrefix(rel, "tests") {
				header = strings.Replace(header, "../", "../../", 1)
			}
			out[filepath.Join(SnakeCaseDir, rel)] = append([]byte(header), SnakeCase(b)...)
		}
	}
	return out, nil
}
