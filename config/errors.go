package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a config file.
type Error struct {
	// File is the file name given to Parse or Load.
	File string
	// Line is the 1-based line of the problem, 0 when it is not at one place
	// of the file (e.g. a default that conflicts with a setting).
	Line int
	// Field is the path of the field, e.g. "poll.period" or "static[1].id";
	// empty for the file as a whole.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as "file:line: field: message".
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// problems collects the errors of one file, with the line of every field seen.
type problems struct {
	file  string
	lines map[string]int // field path -> line of its key or list item
	errs  []*Error
}

// at records a problem at a known line.
func (p *problems) at(line int, field, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// errorf records a problem of a field, at the line of the field or, when the
// file does not set it, of its closest parent that the file sets.
func (p *problems) errorf(field, format string, args ...any) {
	line := 0
	for f := field; f != "" && line == 0; f = parentField(f) {
		line = p.lines[f]
	}
	p.at(line, field, format, args...)
}

// defaultWord returns "the default " when the file does not set field, so
// that a message about its value says where the value comes from.
func (p *problems) defaultWord(field string) string {
	if _, set := p.lines[field]; set {
		return ""
	}
	return "the default "
}

// err returns the problems in file order, joined, or nil.
func (p *problems) err() error {
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// parentField returns the path of the field that contains field:
// "static[1].id" -> "static[1]" -> "static" -> "".
func parentField(field string) string {
	i := strings.LastIndexAny(field, ".[")
	if i < 0 {
		return ""
	}
	return field[:i]
}

// didYouMean returns ` (did you mean "x"?)` with the candidate closest to
// word, or "" when none is close: at most a third of the letters differ,
// ignoring case.
func didYouMean(word string, candidates []string) string {
	best, bestDist := "", len(word)/3+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || best == word {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
