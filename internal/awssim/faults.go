package awssim

import (
	"context"
	"math"
	"sync"
	"time"
)

// faultState holds the injected faults and their state. It is safe for
// concurrent use.
type faultState struct {
	mu      sync.Mutex
	faults  Faults
	since   time.Time                  // when faults were set
	buckets map[bucketKey]*tokenBucket // throttling, per account, region and action
	seq     uint64                     // API requests seen by the error injector
	errs    uint64                     // errors injected
}

// set replaces the faults and refills the throttling buckets.
func (f *faultState) set(fs Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = fs
	f.since = time.Now()
	f.buckets = map[bucketKey]*tokenBucket{}
}

// down reports whether an outage of the action is in progress.
func (f *faultState) down(action string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.faults.Outage
	return o.Action != "" && o.Action == action && (o.For <= 0 || time.Since(f.since) < o.For)
}

// latency returns the latency to add to a request.
func (f *faultState) latency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults.Latency
}

// bucketKey names a throttling bucket: one action in one account and
// region, as AWS's quotas hold.
type bucketKey struct {
	scope  scope
	action string
}

// throttled reports whether an action has a throttling bucket:
// GetMetricData and each CloudWatch Logs and Performance Insights
// operation.
func throttled(action string) bool { return action == opGetMetricData || isJSONOp(action) }

// throttle reports whether a request of the action in scope sc arriving
// now exceeds the rate; like AWS's quotas, the rate holds per account,
// region and action (GetMetricData, or one Logs or PI operation).
func (f *faultState) throttle(sc scope, action string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults.ThrottleAboveRPS <= 0 {
		return false
	}
	now := time.Now()
	k := bucketKey{scope: sc, action: action}
	b := f.buckets[k]
	if b == nil {
		nb := newTokenBucket(f.faults.ThrottleAboveRPS, now)
		b = &nb
		f.buckets[k] = b
	}
	return !b.take(now)
}

// inject returns the error to answer the next API request with, or nil.
// Errors are spread evenly: request n (0-based) fails when
// floor((n+1)*rate) > floor(n*rate), so any window of requests has the
// configured share, within one.
func (f *faultState) inject() *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, r := float64(f.seq), f.faults.ErrorRate
	f.seq++
	if r <= 0 || math.Floor((n+1)*r) <= math.Floor(n*r) {
		return nil
	}
	f.errs++
	if f.errs%2 == 1 {
		return errInternalFailure()
	}
	return errServiceUnavailable()
}

// tokenBucket is a rate limiter holding at most one second of tokens.
type tokenBucket struct {
	rate, tokens, capacity float64
	last                   time.Time
}

// newTokenBucket returns a full bucket refilled at rate tokens a second.
func newTokenBucket(rate float64, now time.Time) tokenBucket {
	c := math.Max(1, rate)
	return tokenBucket{rate: rate, tokens: c, capacity: c, last: now}
}

// take refills the bucket up to now and takes one token; false if empty.
func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = math.Min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// settleDelay holds every API answer back a little. On loopback an answer
// can otherwise arrive before the SDK's HTTP transport has finished its
// request write; the SDK then closes the request body, the transport's final
// read of it fails (smithy-go's safe reader returns io.EOF from WriteTo) and
// the transport closes the connection under the response being read:
// "use of closed network connection", an extra retry (aws-sdk-go-v2#1825,
// #2737). A millisecond makes that race practically vanish; real AWS is
// tens of milliseconds away anyway.
const settleDelay = time.Millisecond

// admit counts an API request of the given action in scope sc and applies
// the faults to it: the settle delay and latency, then throttling
// (GetMetricData and the Logs and PI operations), then outages and
// injected errors. A non-nil result is the answer the request gets instead.
func (s *Server) admit(ctx context.Context, sc scope, action string) *apiError {
	s.counters.update(sc, func(t *Tally) { t.Requests[action]++ })
	sleep(ctx, settleDelay)
	if d := s.faults.latency(); d > 0 {
		sleep(ctx, d)
	}
	if s.faults.down(action) {
		s.counters.update(sc, func(t *Tally) { t.InjectedErrors++ })
		return errServiceUnavailable()
	}
	if throttled(action) && s.faults.throttle(sc, action) {
		s.counters.update(sc, func(t *Tally) { t.Throttled++ })
		return errThrottling()
	}
	if e := s.faults.inject(); e != nil {
		s.counters.update(sc, func(t *Tally) { t.InjectedErrors++ })
		return e
	}
	return nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
