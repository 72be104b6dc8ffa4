package awssim

import (
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
	statPercentile
)

// stat is a parsed statistic; p is the percentile of statPercentile.
type stat struct {
	kind statKind
	p    float64
}

// parseStat parses a statistic: the five standard ones or a percentile
// "pNN" / "pNN.NN" between p0 and p100. Extended statistics such as tm99
// are not simulated.
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
	}
	num, ok := strings.CutPrefix(s, "p")
	if !ok || num == "" || strings.Trim(num, "0123456789.") != "" {
		return stat{}, false
	}
	p, err := strconv.ParseFloat(num, 64)
	if err != nil || p > 100 {
		return stat{}, false
	}
	return stat{kind: statPercentile, p: p}, true
}

// of returns the statistic of a sample. Percentiles interpolate between
// Minimum, Average (p50) and Maximum.
func (st stat) of(sm sample) float64 {
	switch st.kind {
	case statMaximum:
		return sm.max
	case statMinimum:
		return sm.min
	case statSum:
		return sm.avg * sm.count
	case statSampleCount:
		return sm.count
	case statPercentile:
		if st.p >= 50 {
			return sm.avg + (sm.max-sm.avg)*(st.p-50)/50
		}
		return sm.avg - (sm.avg-sm.min)*(50-st.p)/50
	}
	return sm.avg
}
