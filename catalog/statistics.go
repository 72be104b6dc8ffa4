package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Extended statistics, as CloudWatch's "statistics definitions" write
// them: percentiles pNN.NN; the short forms tmNN, wmNN, tcNN, tsNN (the
// lowest NN percent); the range forms TM(a:b), WM(a:b), TC(a:b), TS(a:b)
// with percentages (10%) or values, and PR(a:b) with values, either bound
// optional; IQM. Numbers have up to ten decimals.
var (
	shortStatistic = regexp.MustCompile(`^(p|tm|wm|tc|ts)(\d+(?:\.\d+)?)$`)
	rangeStatistic = regexp.MustCompile(`^(TM|WM|TC|TS|PR)\(([^:()]*):([^:()]*)\)$`)
	boundPattern   = regexp.MustCompile(`^\d+(?:\.\d{1,10})?%?$`)
)

// statisticHint lists what a statistic may be, for error messages.
const statisticHint = "Average, Maximum, Minimum, Sum, SampleCount, or an extended statistic such as p99, p99.9, tm99, wm90, tc90, ts90, TM(10%:90%), WM(:95%), PR(:300) or IQM"

// CheckStatistic returns nil for a statistic CloudWatch computes: the five
// standard ones and the extended ones (see the patterns above), and an
// error that says what is wrong otherwise.
func CheckStatistic(s string) error {
	switch s {
	case Average, Maximum, Minimum, Sum, SampleCount, "IQM":
		return nil
	}
	var err error
	if m := shortStatistic.FindStringSubmatch(s); m != nil {
		err = checkPercent(m[2])
	} else if m := rangeStatistic.FindStringSubmatch(s); m != nil {
		err = checkRange(m[1], m[2], m[3])
	} else {
		return unknownStatistic(s)
	}
	if err != nil {
		return fmt.Errorf("statistic %q: %w", s, err)
	}
	return nil
}

// unknownStatistic says that s is no statistic, with the one it may be
// meant for: statistics are case-sensitive.
func unknownStatistic(s string) error {
	for _, std := range []string{Average, Maximum, Minimum, Sum, SampleCount, "IQM"} {
		if strings.EqualFold(s, std) {
			return fmt.Errorf("unknown statistic %q (did you mean %q? statistics are case-sensitive)", s, std)
		}
	}
	if lower := strings.ToLower(s); lower != s && CheckStatistic(lower) == nil {
		return fmt.Errorf("unknown statistic %q (did you mean %q? statistics are case-sensitive)", s, lower)
	}
	if upper := rangeUpper(s); upper != s && CheckStatistic(upper) == nil {
		return fmt.Errorf("unknown statistic %q (did you mean %q? statistics are case-sensitive)", s, upper)
	}
	return fmt.Errorf("unknown statistic %q (%s)", s, statisticHint)
}

// rangeUpper upper-cases the name of a range statistic: tm(10%:90%) ->
// TM(10%:90%).
func rangeUpper(s string) string {
	name, rest, ok := strings.Cut(s, "(")
	if !ok {
		return s
	}
	return strings.ToUpper(name) + "(" + rest
}

// checkPercent checks the number of a percentile or short form: at most
// 100, at most ten decimals.
func checkPercent(v string) error {
	if !boundPattern.MatchString(v) {
		return fmt.Errorf("%q has more than ten decimals", v)
	}
	f, _ := strconv.ParseFloat(v, 64)
	if f > 100 {
		return fmt.Errorf("percentage %s is above 100", v)
	}
	return nil
}

// bound is one end of a range statistic.
type bound struct {
	set, pct bool
	v        float64
}

// checkRange checks the bounds of TM, WM, TC, TS and PR: at least one,
// both percentages or both values (PR: values only), percentages at most
// 100, the lower below the upper.
func checkRange(name, a, b string) error {
	lo, err := parseBound(a)
	if err != nil {
		return err
	}
	hi, err := parseBound(b)
	if err != nil {
		return err
	}
	switch {
	case !lo.set && !hi.set:
		return fmt.Errorf("%s(:) needs a lower or an upper bound", name)
	case name == "PR" && (lo.pct || hi.pct):
		return errors.New("PR takes values, not percentages, e.g. PR(:300)")
	case lo.set && hi.set && lo.pct != hi.pct:
		return fmt.Errorf("%s(%s:%s) mixes a percentage and a value", name, a, b)
	case (lo.pct && lo.v > 100) || (hi.pct && hi.v > 100):
		return fmt.Errorf("%s(%s:%s) has a percentage above 100", name, a, b)
	case lo.set && hi.set && lo.v >= hi.v:
		return fmt.Errorf("%s(%s:%s): the lower bound is not below the upper", name, a, b)
	}
	return nil
}

// parseBound parses one bound: empty, a number or a percentage.
func parseBound(s string) (bound, error) {
	if s == "" {
		return bound{}, nil
	}
	if !boundPattern.MatchString(s) {
		return bound{}, fmt.Errorf("bound %q is not a number (up to ten decimals) or a percentage such as 10%%", s)
	}
	v, _ := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	return bound{set: true, pct: strings.HasSuffix(s, "%"), v: v}, nil
}
