package awssim

import (
	"math"
	"time"
)

// trendPeriod is the length in seconds of one sawtooth of a trending metric,
// e.g. FreeStorageSpace falling until a clean-up frees space again.
const trendPeriod = 40 * day

// auroraStorageGiB is the volume size FreeStorageSpace of Aurora instances
// is modeled on (Aurora reports AllocatedStorage 1).
const auroraStorageGiB = 200

// sample is what CloudWatch aggregated for one metric of one instance over
// one period.
type sample struct{ avg, max, min, count float64 }

// Value is the data function of the simulator: the value CloudWatch serves
// for the statistic of the metric of the resource with the given ARN (any
// account and region of the simulator) for the period that starts at
// start. ok is false where CloudWatch has no datapoint: unknown resource,
// metric or statistic, a metric the instance's engine or class does not
// publish, a stopped window of the instance, a period that is not a positive
// multiple of a minute, a period whose first minute is not over yet at Now,
// or one older than CloudWatch keeps data of that period (15, 63 or 455
// days). GetMetricData serves exactly these values at period-aligned
// timestamps. Statistics are Average, Maximum, Minimum, Sum, SampleCount and
// percentiles pNN. Value is O(1) and safe for concurrent use.
func (s *Server) Value(arn, metric, statistic string, start time.Time, period time.Duration) (v float64, ok bool) {
	in, okIn := s.byARN[arn]
	p, okMetric := s.profiles.byName[metric]
	st, okStat := parseStat(statistic)
	per, okPer := periodSeconds(period)
	if !okIn || !okMetric || !okStat || !okPer {
		return 0, false
	}
	t := start.Unix()
	if !available(t, per, s.opts.Now()) {
		return 0, false
	}
	return s.point(in, p, st, t, per)
}

// point is Value without the checks of names and time: the statistic of
// the metric of the instance for the period of per seconds that starts at t.
func (s *Server) point(in *instance, p *profile, st stat, t, per int64) (float64, bool) {
	if !p.publishes(in) || (in.HasGaps && s.inGap(in, t, per)) {
		return 0, false
	}
	return st.of(s.sample(in, p, t, per)), true
}

// sample computes the statistics of metric p of instance in over the period
// of per seconds that starts at Unix time t: a level scaled to the instance,
// a daily cycle, a slow sawtooth trend and noise hashed from (seed,
// instance, metric, period). Maximum >= Average >= Minimum always holds;
// like real one-minute samples, they spike up further than they dip.
func (s *Server) sample(in *instance, p *profile, t, per int64) sample {
	level := p.base * scaleOf(in, p.scale)
	mid := float64(t) + float64(per)/2
	h := hash3(in.hash^p.hash, uint64(t), uint64(per)^s.seedHash)
	g := level * (1 + p.daily*dailyCycle(mid, in.phase)) * (1 - p.trend*sawtooth(mid, in.hash))
	g *= 1 + p.noise/math.Sqrt(float64(per)/60)*signed(h)
	avg := g
	if p.invert {
		avg = p.hi - g
	}
	avg = clamp(avg, p.hi)
	w := level * p.spread * widen(per)
	mx := clamp(avg+w*(0.3+0.7*unit(hash2(h, 1))), p.hi)
	mn := clamp(avg-math.Min(0.8*avg, 0.4*w*(0.3+0.7*unit(hash2(h, 2)))), p.hi)
	if p.integer {
		avg, mx, mn = wholeSamples(avg, mx, mn, per)
	}
	return sample{avg: avg, max: mx, min: mn, count: float64(per / 60)}
}

// scaleOf returns the factor a metric's base level is multiplied with.
func scaleOf(in *instance, k scaleKind) float64 {
	switch k {
	case scaleLoad:
		return in.load
	case scaleMemory:
		return in.class.memGiB * gib
	case scaleStorage:
		if in.AllocatedStorage <= 1 {
			return auroraStorageGiB * gib
		}
		return float64(in.AllocatedStorage) * gib
	case scaleVCPU:
		return 1 / float64(in.class.vcpus)
	case scaleReplica:
		if in.ReplicaSource == "" {
			return 0
		}
	}
	return 1
}

// dailyCycle is a sine with period one day peaking in the UTC afternoon,
// shifted by phase days.
func dailyCycle(t, phase float64) float64 {
	return math.Sin(2 * math.Pi * (t/day - 0.33 - phase))
}

// sawtooth rises from 0 to 1 over trendPeriod, then drops back to 0; h
// shifts it per instance.
func sawtooth(t float64, h uint64) float64 {
	_, f := math.Modf(t/trendPeriod + unit(h))
	return f
}

// widen is how far Maximum and Minimum stray from Average for a period:
// 0 for one minute (RDS publishes one sample a minute), growing with the
// number of samples.
func widen(per int64) float64 {
	return math.Min(1.5, 0.3*math.Log2(float64(per)/60))
}

// clamp bounds v to [0, hi], or to [0, +Inf) when hi is 0.
func clamp(v, hi float64) float64 {
	if hi > 0 && v > hi {
		return hi
	}
	return math.Max(v, 0)
}

// wholeSamples makes the statistics of a whole-number metric consistent:
// one sample a minute means a one-minute Average is whole too.
func wholeSamples(avg, mx, mn float64, per int64) (float64, float64, float64) {
	if per == 60 {
		avg = math.Round(avg)
	}
	return avg, math.Ceil(math.Max(mx, avg)), math.Floor(math.Min(mn, avg))
}
