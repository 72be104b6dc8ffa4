package awssim

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The five standard statistics of CloudWatch.
const (
	statNameAverage     = "Average"
	statNameMaximum     = "Maximum"
	statNameMinimum     = "Minimum"
	statNameSum         = "Sum"
	statNameSampleCount = "SampleCount"
)

// statKind is a CloudWatch statistic awssim computes.
type statKind uint8

const (
	statAverage statKind = iota
	statMaximum
	statMinimum
	statSum
	statSampleCount
	statPercentile     // pNN
	statTrimmedMean    // TM, tmNN, IQM
	statWinsorizedMean // WM, wmNN
	statTrimmedCount   // TC, tcNN
	statTrimmedSum     // TS, tsNN
	statPercentileRank // PR
)

// bound is one boundary of a range statistic: a percentage of the
// datapoints or an absolute value; unset is open.
type bound struct {
	v        float64
	set, pct bool
}

// stat is a parsed statistic: p is the percentile of statPercentile, lo
// and hi the range of the range statistics.
type stat struct {
	kind   statKind
	p      float64
	lo, hi bound
}

// Extended statistics, as "CloudWatch statistics definitions" writes them:
// numbers have up to ten decimals; the short forms tmNN, wmNN, tcNN, tsNN
// keep the lowest NN percent; the range forms TM(a:b), WM(a:b), TC(a:b),
// TS(a:b) take percentages (10%) or values, PR(a:b) values; either bound
// may be left out.
var (
	shortStat = regexp.MustCompile(`^(p|tm|wm|tc|ts)(\d{1,3}(?:\.\d{1,10})?)$`)
	rangeStat = regexp.MustCompile(`^(TM|WM|TC|TS|PR)\((\d+(?:\.\d{1,10})?%?)?:(\d+(?:\.\d{1,10})?%?)?\)$`)
)

// rangeKind returns the kind of an extended statistic's name.
func rangeKind(name string) statKind {
	switch strings.ToUpper(name) {
	case "P":
		return statPercentile
	case "TM":
		return statTrimmedMean
	case "WM":
		return statWinsorizedMean
	case "TC":
		return statTrimmedCount
	case "TS":
		return statTrimmedSum
	}
	return statPercentileRank
}

// parseStat parses a statistic: the five standard ones, percentiles pNN
// and pNN.NN, the trimmed and winsorized means, trimmed counts and sums in
// their short (tm99) and range (TM(10%:90%), TM(150:1000)) forms, IQM, and
// percentile ranks PR(a:b). ok is false for anything CloudWatch rejects.
func parseStat(s string) (stat, bool) {
	switch s {
	case statNameAverage:
		return stat{kind: statAverage}, true
	case statNameMaximum:
		return stat{kind: statMaximum}, true
	case statNameMinimum:
		return stat{kind: statMinimum}, true
	case statNameSum:
		return stat{kind: statSum}, true
	case statNameSampleCount:
		return stat{kind: statSampleCount}, true
	case "IQM":
		return stat{kind: statTrimmedMean, lo: bound{25, true, true}, hi: bound{75, true, true}}, true
	}
	if m := shortStat.FindStringSubmatch(s); m != nil {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil || v > 100 {
			return stat{}, false
		}
		return stat{kind: rangeKind(m[1]), p: v, hi: bound{v, true, true}}, true
	}
	if m := rangeStat.FindStringSubmatch(s); m != nil {
		return parseRange(rangeKind(m[1]), m[2], m[3])
	}
	return stat{}, false
}

// parseRange checks the bounds of a range statistic: at least one, both of
// the same kind (percentages or values), percentages at most 100, and the
// lower below the upper; percentile ranks take values only.
func parseRange(kind statKind, a, b string) (stat, bool) {
	lo, okLo := parseBound(a)
	hi, okHi := parseBound(b)
	switch {
	case !okLo || !okHi || (!lo.set && !hi.set):
		return stat{}, false
	case lo.set && hi.set && (lo.pct != hi.pct || lo.v >= hi.v):
		return stat{}, false
	case kind == statPercentileRank && (lo.pct || hi.pct):
		return stat{}, false
	}
	return stat{kind: kind, lo: lo, hi: hi}, true
}

// parseBound parses "", "NN" or "NN%".
func parseBound(s string) (bound, bool) {
	if s == "" {
		return bound{}, true
	}
	num, pct := strings.CutSuffix(s, "%")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || (pct && v > 100) {
		return bound{}, false
	}
	return bound{v: v, set: true, pct: pct}, true
}

// of returns the statistic of a sample; ok is false when it has no value
// (a range with no datapoint in it).
func (st stat) of(sm sample) (float64, bool) {
	switch st.kind {
	case statMaximum:
		return sm.max, true
	case statMinimum:
		return sm.min, true
	case statSum:
		return sm.avg * sm.count, true
	case statSampleCount:
		return sm.count, true
	case statAverage:
		return sm.avg, true
	}
	d := newDist(sm)
	if st.kind == statPercentile {
		return d.quantile(st.p / 100), true
	}
	if st.kind == statPercentileRank {
		return 100 * (d.below(st.hi, 1) - d.below(st.lo, 0)), true
	}
	return d.ranged(st.kind, d.rank(st.lo, 0), d.rank(st.hi, 1), sm.count)
}

// dist is the distribution of the samples of a period: values from lo to
// hi with the quantile function Q(q) = lo + (hi-lo)·q^g, g chosen so that
// its mean is the period's Average. It is right-skewed (a long tail of
// high values) when the Average lies nearer the Minimum, as latencies are.
type dist struct{ lo, hi, g float64 }

// maxSkew bounds g where the Average equals the Minimum.
const maxSkew = 1e12

// newDist returns the distribution of a sample.
func newDist(sm sample) dist {
	w := sm.max - sm.min
	if w <= 0 {
		return dist{sm.min, sm.max, 1}
	}
	f := (sm.avg - sm.min) / w
	if f <= 1/maxSkew {
		return dist{sm.min, sm.max, maxSkew}
	}
	return dist{sm.min, sm.max, math.Max(1/f-1, 0)}
}

// quantile returns Q(q), q in [0, 1]: exactly the Minimum at 0 and the
// Maximum at 1.
func (d dist) quantile(q float64) float64 {
	switch {
	case q <= 0:
		return d.lo
	case q >= 1:
		return d.hi
	}
	return d.lo + (d.hi-d.lo)*math.Pow(q, d.g)
}

// integral returns the integral of Q over [a, b].
func (d dist) integral(a, b float64) float64 {
	return d.lo*(b-a) + (d.hi-d.lo)*(math.Pow(b, d.g+1)-math.Pow(a, d.g+1))/(d.g+1)
}

// cdf returns the share of values at most v.
func (d dist) cdf(v float64) float64 {
	switch {
	case v >= d.hi:
		return 1
	case v < d.lo:
		return 0
	case d.g == 0:
		return 0
	}
	return math.Pow((v-d.lo)/(d.hi-d.lo), 1/d.g)
}

// rank returns the quantile a bound stands for (open: def). A value bound
// v keeps the values above v at the low end and at most v at the high end.
func (d dist) rank(b bound, def float64) float64 {
	switch {
	case !b.set:
		return def
	case b.pct:
		return b.v / 100
	}
	return d.cdf(b.v)
}

// below returns the share of values at most a bound's value (open: def).
func (d dist) below(b bound, def float64) float64 {
	if !b.set {
		return def
	}
	return d.cdf(b.v)
}

// ranged returns a range statistic over the quantiles [a, b] of n
// samples: the trimmed mean, winsorized mean, trimmed count or trimmed
// sum. The means have no value when the range holds no datapoint.
func (d dist) ranged(kind statKind, a, b, n float64) (float64, bool) {
	in := math.Max(b-a, 0)
	switch kind {
	case statTrimmedCount:
		return math.Round(n * in), true
	case statTrimmedSum:
		return n * d.integral(a, math.Max(a, b)), true
	case statWinsorizedMean:
		b = math.Max(a, b)
		return d.within(a*d.quantile(a) + d.integral(a, b) + (1-b)*d.quantile(b)), true
	}
	if in == 0 {
		return 0, false
	}
	return d.within(d.integral(a, b) / in), true
}

// within bounds a mean to [lo, hi] against rounding.
func (d dist) within(v float64) float64 { return math.Min(math.Max(v, d.lo), d.hi) }
