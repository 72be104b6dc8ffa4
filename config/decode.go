package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decode reads the YAML document in data over c: the settings the file has
// replace those of c, the others keep their values. Problems go to p, with
// the line of every field seen.
func decode(data []byte, c *Config, p *problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) { // EOF: empty or comments only
			p.syntax(err)
		}
		return
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.at(next.Line, "", "a second YAML document: the config is one document")
		return
	case !errors.Is(err, io.EOF):
		p.syntax(err)
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	d := decoder{p}
	d.value(doc.Content[0], "", reflect.ValueOf(c).Elem())
}

// syntax records a YAML syntax error, at its line when the parser gives one.
func (p *problems) syntax(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.at(line, "", "invalid YAML: %s", m[2])
		return
	}
	p.at(0, "", "invalid YAML: %s", msg)
}

// decoder walks YAML nodes into Go values by their yaml struct tags,
// refusing unknown keys and values of the wrong type.
type decoder struct {
	*problems
}

// value decodes n into v. A null leaves v as it is, as does any error.
func (d decoder) value(n *yaml.Node, field string, v reflect.Value) {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		d.duration(n, field, v)
		return
	}
	switch v.Kind() {
	case reflect.Pointer: // an optional section: nil when the file leaves it out
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, field, v.Elem())
	case reflect.Struct:
		d.structure(n, field, v)
	case reflect.Slice:
		d.list(n, field, v)
	case reflect.Map:
		d.dict(n, field, v)
	default:
		d.scalar(n, field, v)
	}
}

// structure decodes a mapping into the fields of a struct, by yaml tag.
func (d decoder) structure(n *yaml.Node, field string, v reflect.Value) {
	index := fieldIndex(v.Type(), nil, map[string][]int{})
	names := slices.Sorted(maps.Keys(index))
	d.entries(n, field, func(key, val *yaml.Node) {
		i, ok := index[key.Value]
		if !ok {
			d.at(key.Line, field, "unknown field %q%s", key.Value, didYouMean(key.Value, names))
			return
		}
		sub := joinField(field, key.Value)
		d.lines[sub] = key.Line
		d.value(val, sub, v.FieldByIndex(i))
	})
}

// fieldIndex adds to index the yaml keys of struct type t, whose fields are
// at path in the struct decoded, and returns index. The keys of an embedded
// struct tagged `yaml:",inline"` are keys of t, as go.yaml.in/yaml reads
// them.
func fieldIndex(t reflect.Type, path []int, index map[string][]int) map[string][]int {
	for i := range t.NumField() {
		f := t.Field(i)
		at := append(slices.Clone(path), i)
		switch name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ","); {
		case name == "" && opts == "inline":
			fieldIndex(f.Type, at, index)
		case name != "":
			index[name] = at
		}
	}
	return index
}

// dict decodes a mapping of strings into a map[string]string.
func (d decoder) dict(n *yaml.Node, field string, v reflect.Value) {
	m := reflect.MakeMap(v.Type())
	d.entries(n, field, func(key, val *yaml.Node) {
		if key.Value == "" {
			d.at(key.Line, field, "empty key")
			return
		}
		sub := joinField(field, key.Value)
		d.lines[sub] = key.Line
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, sub, elem)
		m.SetMapIndex(reflect.ValueOf(key.Value), elem)
	})
	v.Set(m)
}

// entries calls f for each key and value of a mapping, refusing other
// nodes, keys that are not scalars, merge keys and repeated keys.
func (d decoder) entries(n *yaml.Node, field string, f func(key, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.at(n.Line, field, "expected a mapping, got %s", describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := resolveAlias(n.Content[i]), n.Content[i+1]
		switch {
		case key.Kind != yaml.ScalarNode:
			d.at(key.Line, field, "expected a key, got %s", describe(key))
		case key.Tag == "!!merge":
			d.at(key.Line, field, "merge keys (<<) are not supported")
		case seen[key.Value] > 0:
			d.at(key.Line, field, "duplicate field %q (first at line %d)", key.Value, seen[key.Value])
		default:
			seen[key.Value] = key.Line
			f(key, val)
		}
	}
}

// list decodes a sequence into a new slice that replaces v.
func (d decoder) list(n *yaml.Node, field string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.at(n.Line, field, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		sub := fmt.Sprintf("%s[%d]", field, i)
		d.lines[sub] = item.Line
		d.value(item, sub, s.Index(i))
	}
	v.Set(s)
}

// scalar decodes a string, bool, int or float64.
func (d decoder) scalar(n *yaml.Node, field string, v reflect.Value) {
	want := map[reflect.Kind]string{
		reflect.String: "a string", reflect.Bool: "a boolean (true or false)",
		reflect.Int: "an integer", reflect.Float64: "a number",
	}[v.Kind()]
	if n.Kind != yaml.ScalarNode {
		d.at(n.Line, field, "expected %s, got %s", want, describe(n))
		return
	}
	var err error
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value) // any scalar: account IDs and external IDs may look like numbers
	case reflect.Bool:
		err = decodeTagged(n, v, "!!bool")
	case reflect.Int:
		err = decodeTagged(n, v, "!!int")
	case reflect.Float64:
		err = decodeTagged(n, v, "!!int", "!!float")
	default:
		panic(fmt.Sprintf("config: field %s of unsupported kind %s", field, v.Kind()))
	}
	if err != nil {
		d.at(n.Line, field, "cannot parse %q as %s", n.Value, want)
	}
}

// decodeTagged decodes n into v when n resolves to one of the YAML tags,
// so that a quoted "5" is not a number and "yes" is not a boolean.
func decodeTagged(n *yaml.Node, v reflect.Value, tags ...string) error {
	for _, t := range tags {
		if n.Tag == t {
			return n.Decode(v.Addr().Interface())
		}
	}
	return fmt.Errorf("tag %s", n.Tag)
}

// duration decodes a Go duration such as "90s", "5m" or "1h30m". A number
// without unit is refused (seconds or nanoseconds?), except 0.
func (d decoder) duration(n *yaml.Node, field string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.at(n.Line, field, "expected a duration, got %s", describe(n))
		return
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		if n.Value == "0" {
			v.SetInt(0)
			return
		}
		d.at(n.Line, field, "cannot parse %q as a duration: it has no unit (e.g. %ss)", n.Value, n.Value)
		return
	}
	dur, err := time.ParseDuration(n.Value)
	switch {
	case err != nil || n.Tag != "!!str":
		d.at(n.Line, field, "cannot parse %q as a duration (e.g. 90s, 5m, 1h)", n.Value)
	case dur < 0:
		d.at(n.Line, field, "must not be negative, got %s", n.Value)
	default:
		v.SetInt(int64(dur))
	}
}

// resolveAlias follows YAML aliases (*name) to the node they stand for.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names a node's kind for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// joinField returns the path of a key of the mapping at field.
func joinField(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}
