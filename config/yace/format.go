// Package yace reads the config file of YACE (yet-another-cloudwatch-exporter)
// and converts its AWS/RDS jobs into this exporter's config, saying what it
// could not carry over. The format is YACE's own, mirrored from its
// documentation (docs/configuration.md) and decoded strictly: a key YACE
// does not know is an error here, where YACE only logs it.
package yace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is a YACE config file.
type File struct {
	APIVersion      string            `yaml:"apiVersion"`
	StsRegion       string            `yaml:"sts-region"`
	Discovery       Discovery         `yaml:"discovery"`
	Static          []Static          `yaml:"static"`
	CustomNamespace []CustomNamespace `yaml:"customNamespace"`
}

// Discovery holds the auto-discovery jobs.
type Discovery struct {
	// ExportedTagsOnMetrics lists, per namespace (or, in older YACE
	// versions, service alias), the tag keys added to every metric.
	ExportedTagsOnMetrics map[string][]string `yaml:"exportedTagsOnMetrics"`
	Jobs                  []Job               `yaml:"jobs"`
}

// JobMetricFields are the settings of a job that its metrics inherit.
type JobMetricFields struct {
	Statistics             []string `yaml:"statistics"`
	Period                 int64    `yaml:"period"`
	Length                 int64    `yaml:"length"`
	Delay                  int64    `yaml:"delay"`
	NilToZero              *bool    `yaml:"nilToZero"`
	AddCloudwatchTimestamp *bool    `yaml:"addCloudwatchTimestamp"`
	ExportAllDataPoints    *bool    `yaml:"exportAllDataPoints"`
}

// Job is an auto-discovery job.
type Job struct {
	Regions                     []string         `yaml:"regions"`
	Type                        string           `yaml:"type"`
	Roles                       []Role           `yaml:"roles"`
	SearchTags                  []Tag            `yaml:"searchTags"`
	CustomTags                  []Tag            `yaml:"customTags"`
	DimensionNameRequirements   []string         `yaml:"dimensionNameRequirements"`
	RoundingPeriod              *int64           `yaml:"roundingPeriod"`
	RecentlyActiveOnly          bool             `yaml:"recentlyActiveOnly"`
	IncludeContextOnInfoMetrics bool             `yaml:"includeContextOnInfoMetrics"`
	EnhancedMetrics             []EnhancedMetric `yaml:"enhancedMetrics"`
	JobMetricFields             `yaml:",inline"`
	Metrics                     []Metric `yaml:"metrics"`
}

// Static is a static job: one set of dimensions.
type Static struct {
	Name       string      `yaml:"name"`
	Namespace  string      `yaml:"namespace"`
	Regions    []string    `yaml:"regions"`
	Roles      []Role      `yaml:"roles"`
	CustomTags []Tag       `yaml:"customTags"`
	Dimensions []Dimension `yaml:"dimensions"`
	Metrics    []Metric    `yaml:"metrics"`
}

// CustomNamespace is a job of a custom CloudWatch namespace.
type CustomNamespace struct {
	Name                      string   `yaml:"name"`
	Namespace                 string   `yaml:"namespace"`
	Regions                   []string `yaml:"regions"`
	Roles                     []Role   `yaml:"roles"`
	CustomTags                []Tag    `yaml:"customTags"`
	DimensionNameRequirements []string `yaml:"dimensionNameRequirements"`
	RoundingPeriod            *int64   `yaml:"roundingPeriod"`
	RecentlyActiveOnly        bool     `yaml:"recentlyActiveOnly"`
	JobMetricFields           `yaml:",inline"`
	Metrics                   []Metric `yaml:"metrics"`
}

// Metric is one metric of a job; its settings override the job's.
type Metric struct {
	Name            string `yaml:"name"`
	JobMetricFields `yaml:",inline"`
}

// Role is an IAM role to assume; the empty role is the default
// credentials.
type Role struct {
	RoleArn    string `yaml:"roleArn"`
	ExternalID string `yaml:"externalId"`
}

// Tag is a key and value: a search tag (the value is a regular
// expression) or a custom tag.
type Tag struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
}

// Dimension is a CloudWatch dimension of a static job.
type Dimension struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// EnhancedMetric names a metric YACE reads from another API than
// CloudWatch (for AWS/RDS: AllocatedStorage).
type EnhancedMetric struct {
	Name string `yaml:"name"`
}

// Parsed is a YACE config file and where its keys are, for messages.
type Parsed struct {
	File
	// Name is the file name messages start with.
	Name string
	root *yaml.Node
}

// Parse decodes a YACE config file strictly: unknown keys and wrong types
// are errors naming the file and line. name is used in messages only.
func Parse(data []byte, name string) (*Parsed, error) {
	p := &Parsed{Name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p.File); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file: not a YACE config", name)
		}
		return nil, decodeError(name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, decodeError(name, err)
	}
	if len(doc.Content) > 0 {
		p.root = doc.Content[0]
	}
	if p.APIVersion != "" && p.APIVersion != "v1alpha1" {
		return nil, fmt.Errorf("%s:%d: apiVersion: %q is not YACE's v1alpha1", name, p.Line("apiVersion"), p.APIVersion)
	}
	if len(p.Discovery.Jobs) == 0 && len(p.Static) == 0 && len(p.CustomNamespace) == 0 {
		return nil, fmt.Errorf("%s: no discovery, static or customNamespace job: not a YACE config", name)
	}
	return p, nil
}

// decodeError turns the YAML decoder's messages into "file:line: problem"
// lines, naming YACE's keys rather than Go types.
func decodeError(name string, err error) error {
	var te *yaml.TypeError
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	lineRE := regexp.MustCompile(`^line (\d+): (.*)$`)
	unknown := regexp.MustCompile(`^field (\S+) not found in type yace\.(\w+)$`)
	out := make([]string, len(msgs))
	for i, m := range msgs {
		line := ""
		if g := lineRE.FindStringSubmatch(m); g != nil {
			line, m = g[1]+":", g[2]
		}
		if g := unknown.FindStringSubmatch(m); g != nil {
			m = fmt.Sprintf("unknown key %q in a YACE %s", g[1], strings.ToLower(g[2]))
		}
		out[i] = fmt.Sprintf("%s:%s %s", name, line, m)
	}
	return errors.New(strings.Join(out, "\n"))
}

// Line returns the line of the key or list item at path, as
// "discovery.jobs[0].metrics[2].name", or of its closest parent found; 0
// when none is.
func (p *Parsed) Line(path string) int {
	for ; path != ""; path = parent(path) {
		if n := lookup(p.root, path); n != nil {
			return n.Line
		}
	}
	return 0
}

// At prefixes a message with the file and the line of path.
func (p *Parsed) At(path, format string, args ...any) string {
	return fmt.Sprintf("%s:%d: %s: ", p.Name, p.Line(path), path) + fmt.Sprintf(format, args...)
}

// lookup finds the node of path under n: the key node of a mapping entry,
// the item of a list.
func lookup(n *yaml.Node, path string) *yaml.Node {
	parts := strings.FieldsFunc(strings.NewReplacer("[", ".", "]", "").Replace(path), func(r rune) bool { return r == '.' })
	for k, part := range parts {
		if n == nil {
			return nil
		}
		var key, val *yaml.Node
		if i, err := strconv.Atoi(part); err == nil {
			if n.Kind == yaml.SequenceNode && i < len(n.Content) {
				key, val = n.Content[i], n.Content[i]
			}
		} else if n.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == part {
					key, val = n.Content[j], n.Content[j+1]
				}
			}
		}
		if k == len(parts)-1 {
			return key
		}
		n = val
	}
	return nil
}

// parent returns the path of the key or item that holds path.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}
