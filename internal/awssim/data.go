package awssim

import (
	"math"
	"strings"
	"time"
)

// trendPeriod is the length in seconds of one sawtooth of a trending metric,
// e.g. FreeStorageSpace falling until a clean-up frees space again; it is
// also the time between restarts of an engine (EngineUptime).
const trendPeriod = 40 * day

// sample is what CloudWatch aggregated for one series over one period.
type sample struct{ avg, max, min, count float64 }

// combine merges the samples of two series of one period, as CloudWatch
// aggregates the instances of a cluster, class or engine.
func combine(a, b sample) sample {
	n := a.count + b.count
	return sample{avg: (a.avg*a.count + b.avg*b.count) / n, max: math.Max(a.max, b.max), min: math.Min(a.min, b.min), count: n}
}

// Value is the data function of the simulator for the resource with the
// given ARN, in any account and region of the simulator: an instance (its
// series by DBInstanceIdentifier), an Aurora cluster (by
// DBClusterIdentifier) or an RDS Proxy (by ProxyName). It is SeriesValue
// of that series.
func (s *Server) Value(arn, metric, statistic string, start time.Time, period time.Duration) (v float64, ok bool) {
	fl, dims, ok := s.dimsOfARN(arn)
	if !ok {
		return 0, false
	}
	return s.seriesValue(fl, metric, dims, statistic, start, period)
}

// SeriesValue is the data function of the simulator: the value CloudWatch
// serves for the statistic of the series for the period that starts at
// start. ok is false where CloudWatch has no datapoint: a series that does
// not exist (see PublishedSeries), an unknown statistic, a stopped window
// of every instance the series covers, a period without a sample of a
// five-minute metric, a period that is not a positive multiple of a
// minute, a period whose first minute is not over yet at Now, one older
// than CloudWatch keeps data of that period (15, 63 or 455 days), or a
// trimmed mean over a range without datapoints. GetMetricData serves
// exactly these values at period-aligned timestamps. Statistics are
// Average, Maximum, Minimum, Sum, SampleCount and the extended ones
// (pNN.NN, tmNN, wmNN, tcNN, tsNN, TM(a:b), WM(a:b), TC(a:b), TS(a:b),
// PR(a:b), IQM). SeriesValue is safe for concurrent use; it is O(1) for
// one resource's series and O(instances) for aggregates.
func (s *Server) SeriesValue(sr Series, statistic string, start time.Time, period time.Duration) (v float64, ok bool) {
	fl, ok := s.fleets[scope{account: sr.AccountID, region: sr.Region}]
	if !ok {
		return 0, false
	}
	return s.seriesValue(fl, sr.Metric, sortedDims(sr.Dimensions), statistic, start, period)
}

// seriesValue is SeriesValue in a fleet, with sorted dimensions.
func (s *Server) seriesValue(fl *fleet, metric string, dims []dimension, statistic string, start time.Time, period time.Duration) (float64, bool) {
	st, okStat := parseStat(statistic)
	per, okPer := periodSeconds(period)
	t := start.Unix()
	if !okStat || !okPer || !available(t, per, s.opts.Now()) {
		return 0, false
	}
	r, ok := s.resolve(fl, metric, dims)
	if !ok {
		return 0, false
	}
	return s.point(&r, st, t, per)
}

// dimsOfARN returns the fleet of the resource an ARN names and the
// dimension that names it.
func (s *Server) dimsOfARN(arn string) (*fleet, []dimension, bool) {
	sc, kind, name, ok := splitRDSARN(arn)
	fl, okFleet := s.fleets[sc]
	if !ok || !okFleet {
		return nil, nil, false
	}
	switch kind {
	case "db":
		return fl, []dimension{{dimInstance, name}}, true
	case "cluster":
		return fl, []dimension{{dimCluster, name}}, true
	case "db-proxy":
		for i := range fl.proxies {
			if fl.proxies[i].ARN == arn {
				return fl, []dimension{{dimProxy, fl.proxies[i].Name}}, true
			}
		}
	}
	return nil, nil, false
}

// instanceOfARN returns the instance an ARN names, in any account and
// region of the simulator.
func (s *Server) instanceOfARN(arn string) (*instance, bool) {
	sc, kind, id, ok := splitRDSARN(arn)
	fl, okFleet := s.fleets[sc]
	if !ok || !okFleet || kind != "db" {
		return nil, false
	}
	in, ok := fl.byID[id]
	return in, ok
}

// splitRDSARN returns the scope, resource type ("db", "cluster",
// "db-proxy") and name of an RDS ARN; ok is false for anything else.
func splitRDSARN(arn string) (sc scope, kind, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	_, rest, ok2 := strings.Cut(rest, ":") // partition
	service, rest, ok3 := strings.Cut(rest, ":")
	region, rest, ok4 := strings.Cut(rest, ":")
	account, rest, ok5 := strings.Cut(rest, ":")
	kind, name, ok6 := strings.Cut(rest, ":")
	if !ok || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || service != "rds" {
		return scope{}, "", "", false
	}
	return scope{account: account, region: region}, kind, name, true
}

// point is SeriesValue without the checks of names and time: the
// statistic of a resolved series for the period of per seconds that
// starts at t.
func (s *Server) point(r *resolved, st stat, t, per int64) (float64, bool) {
	sm, ok := s.sampleOf(r, t, per)
	if !ok {
		return 0, false
	}
	return st.of(sm)
}

// sampleOf returns the samples of a resolved series over a period: its
// owner's, or those of its instances outside their stopped windows,
// combined.
func (s *Server) sampleOf(r *resolved, t, per int64) (sample, bool) {
	if r.own != nil {
		return s.sample(r.own, r.shape, t, per)
	}
	var acc sample
	n := 0
	for _, in := range r.members {
		if in.gaps && s.inGap(&in.owner, t, per) {
			continue
		}
		sm, ok := s.sample(&in.owner, r.shape, t, per)
		switch {
		case !ok:
			continue
		case n == 0:
			acc = sm
		default:
			acc = combine(acc, sm)
		}
		n++
	}
	return acc, n > 0
}

// sample computes the statistics of metric p of an owner over the period
// of per seconds that starts at Unix time t, from the metric's samples in
// it (one a minute, or one every five minutes): a level scaled to the
// owner, a daily cycle, a slow sawtooth trend and noise hashed from (seed,
// owner, metric, samples). Maximum >= Average >= Minimum always holds;
// like real samples, they spike up further than they dip. ok is false when
// the period holds no sample.
func (s *Server) sample(o *owner, p *shape, t, per int64) (sample, bool) {
	first := ceilDiv(t, p.every) * p.every
	n := floorDiv(t+per-1, p.every) - first/p.every + 1
	if n <= 0 {
		return sample{}, false
	}
	mid := float64(first) + float64(n*p.every)/2
	if p.scale == scaleUptime {
		return uptimeSample(o, first, first+(n-1)*p.every, mid, n), true
	}
	level := p.base * scaleOf(o, p.scale)
	h := hash3(o.hash^p.hash, uint64(first), uint64(n)^s.seedHash)
	g := level * (1 + p.daily*dailyCycle(mid, o.phase)) * (1 - p.trend*sawtooth(mid, o.hash))
	g *= 1 + p.noise/math.Sqrt(float64(n))*signed(h)
	avg := g
	if p.invert {
		avg = p.hi - g
	}
	avg = clamp(avg, p.hi)
	w := level * p.spread * widen(n)
	mx := clamp(avg+w*(0.3+0.7*unit(hash2(h, 1))), p.hi)
	mn := clamp(avg-math.Min(0.8*avg, 0.4*w*(0.3+0.7*unit(hash2(h, 2)))), p.hi)
	if p.integer {
		avg, mx, mn = wholeSamples(avg, mx, mn, n)
	}
	return sample{avg: avg, max: mx, min: mn, count: float64(n)}, true
}

// scaleOf returns the factor a metric's base level is multiplied with.
func scaleOf(o *owner, k scaleKind) float64 {
	switch k {
	case scaleLoad:
		return o.load
	case scaleMemory:
		return o.memGiB * gib
	case scaleStorage:
		return o.storageGiB * gib
	case scaleVCPU:
		return 1 / math.Max(o.vcpus, 1)
	case scaleACU:
		return o.acuMax
	}
	return 1
}

// uptimeSample is EngineUptime over samples from first to last: the
// seconds since the engine last restarted, which it does every
// trendPeriod (shifted per owner).
func uptimeSample(o *owner, first, last int64, mid float64, n int64) sample {
	shift := int64(unit(hash2(o.hash, 3)) * trendPeriod)
	up := func(t float64) float64 { return math.Mod(t-float64(o.born)+float64(shift), trendPeriod) }
	a, b := up(float64(first)), up(float64(last))
	mn, mx := math.Min(a, b), math.Max(a, b)
	return sample{avg: math.Min(math.Max(up(mid), mn), mx), max: mx, min: mn, count: float64(n)}
}

// dailyCycle is a sine with period one day peaking in the UTC afternoon,
// shifted by phase days.
func dailyCycle(t, phase float64) float64 {
	return math.Sin(2 * math.Pi * (t/day - 0.33 - phase))
}

// sawtooth rises from 0 to 1 over trendPeriod, then drops back to 0; h
// shifts it per owner.
func sawtooth(t float64, h uint64) float64 {
	_, f := math.Modf(t/trendPeriod + unit(h))
	return f
}

// widen is how far Maximum and Minimum stray from Average for n samples:
// 0 for one, growing with their number.
func widen(n int64) float64 {
	return math.Min(1.5, 0.3*math.Log2(float64(n)))
}

// clamp bounds v to [0, hi], or to [0, +Inf) when hi is 0.
func clamp(v, hi float64) float64 {
	if hi > 0 && v > hi {
		return hi
	}
	return math.Max(v, 0)
}

// wholeSamples makes the statistics of a whole-number metric consistent:
// one sample is one whole number.
func wholeSamples(avg, mx, mn float64, n int64) (float64, float64, float64) {
	if n == 1 {
		avg = math.Round(avg)
		return avg, avg, avg
	}
	return avg, math.Ceil(math.Max(mx, avg)), math.Floor(math.Min(mn, avg))
}
