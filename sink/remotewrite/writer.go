// Package remotewrite sends series to a Prometheus Remote-Write receiver
// (Prometheus, Thanos Receive, Mimir, Cortex, VictoriaMetrics, Amazon
// Managed Service for Prometheus) with client_golang's remote write client,
// in Remote-Write 1.0 or 2.0.
package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/exp/api/remote"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// Stats count what a Write sent.
type Stats struct {
	// Requests is the number of requests that succeeded, Retries the
	// number of attempts that failed and were retried.
	Requests, Retries int
	// Samples is the number of samples in requests the receiver answered
	// with success.
	Samples int
}

func (s *Stats) add(o Stats) {
	s.Requests += o.Requests
	s.Retries += o.Retries
	s.Samples += o.Samples
}

// Writer sends series by remote write. Its methods are safe for concurrent
// use, but concurrent Writes of the same series may interleave its samples.
type Writer struct {
	api *remote.API
	cfg Config
	// v1Only is set once a receiver asked for VersionAuto has shown it
	// speaks only 1.0.
	v1Only atomic.Bool
}

// New returns a Writer for cfg, which is defaulted and validated here.
// logger receives the client's retry logs; nil discards them.
func New(cfg Config, logger *slog.Logger) (*Writer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("remote write config: %w", err)
	}
	client, err := cfg.Client("remote_write")
	if err != nil {
		return nil, fmt.Errorf("remote write: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{cfg: cfg}
	client.Transport = v1Detector{next: client.Transport, v1Only: &w.v1Only}
	api, err := remote.NewAPI(cfg.URL,
		remote.WithAPIHTTPClient(client),
		remote.WithAPILogger(logger),
		remote.WithAPIPath(""), // cfg.URL is the whole endpoint
		remote.WithAPIBackoff(remote.BackoffConfig{Min: cfg.MinBackoff, Max: cfg.MaxBackoff, MaxRetries: cfg.MaxRetries}),
	)
	if err != nil {
		return nil, fmt.Errorf("remote write: %w", err)
	}
	w.api = api
	return w, nil
}

// Write sends the samples of series in requests of at most BatchSize
// samples, each holding pieces of many series, Shards requests at a time.
//
// Series with the same value of the label groupBy are a group (a series
// without that label, or any series when groupBy is "", is a group alone):
// the samples of one group in one hour (aligned to the epoch, sink.Hour)
// always go in the same request, even if that makes it larger than
// BatchSize. So when a request fails, each hour of each group is either
// whole at the receiver or absent from it, never part there: a store
// whose coverage is "any sample of the group in the hour" (see
// promcoverage) never counts an hour that a failure left incomplete. A
// group's requests go one after another, in time order.
//
// The caller must guarantee that each series' labels are valid and its
// samples in strictly ascending time order; a series whose samples are not
// is refused (tsdbwriter.ErrUnordered) before anything is sent. A request
// that fails with a network error, a 5xx or a 429 is retried with backoff
// (plus the Retry-After the receiver asks for); any other failure, or
// MaxRetries retries, ends the Write with an error that carries the
// receiver's answer, once the requests in flight in other shards have
// their answers (none is abandoned, and none is started after the
// failure). Then the requests that succeeded stay written: the
// receiver ignores a sample sent again with the same value, so writing the
// same series again is safe. ctx cancels the Write, also during a backoff.
func (w *Writer) Write(ctx context.Context, series []tsdbwriter.Series, groupBy string) (Stats, error) {
	for _, s := range series {
		if !ascending(s.Samples) {
			return Stats{}, fmt.Errorf("remote write %s: %w", s.Labels, tsdbwriter.ErrUnordered)
		}
	}
	shards := shard(groups(series, groupBy), w.cfg.Shards)
	stats := make([]Stats, len(shards))
	errs := make([]error, len(shards))
	var failed atomic.Bool
	var wg sync.WaitGroup
	for i, sh := range shards {
		wg.Go(func() {
			if errs[i] = w.sendShard(ctx, sh, &stats[i], &failed); errs[i] != nil {
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	var total Stats
	for _, s := range stats {
		total.add(s)
	}
	if err := errors.Join(slices.DeleteFunc(errs, func(err error) bool { return errors.Is(err, errStopped) })...); err != nil {
		return total, fmt.Errorf("remote write: %w", err)
	}
	return total, nil
}

// errStopped ends a shard that stopped because another one failed.
var errStopped = errors.New("stopped: another request failed")

// group is the series that share a value of the group label.
type group struct {
	key    string
	series []tsdbwriter.Series
}

// groups groups series by their value of the label groupBy, in the order
// of their first series. Only a series alone renders its labels as a key:
// a backfill calls Write for every block window with every series.
func groups(series []tsdbwriter.Series, groupBy string) []group {
	var out []group
	index := map[string]int{}
	for _, s := range series {
		var key string
		if groupBy != "" {
			key = s.Labels.Get(groupBy)
		}
		if key == "" {
			key = "\xff" + s.Labels.String() // a series alone
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, group{key: key})
		}
		out[i].series = append(out[i].series, s)
	}
	return out
}

// shard splits groups into at most n shards by a hash of their key,
// keeping their order within each shard.
func shard(groups []group, n int) [][]group {
	shards := make([][]group, n)
	for _, g := range groups {
		h := fnv.New64a()
		_, _ = h.Write([]byte(g.key))
		i := h.Sum64() % uint64(n)
		shards[i] = append(shards[i], g)
	}
	return shards
}

// sendShard sends the groups of one shard in batches, one after another,
// until a request fails, here or, as failed says, in another shard: a
// request in flight is not abandoned, so that when Write returns, the
// receiver has or has not each request it was sent.
func (w *Writer) sendShard(ctx context.Context, groups []group, st *Stats, failed *atomic.Bool) error {
	b := batcher{w: w, st: st, failed: failed}
	b.use(w.version())
	for _, g := range groups {
		if err := b.addGroup(ctx, g.series); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

// version returns the protocol version to send a new batch in.
func (w *Writer) version() string {
	if w.cfg.ProtocolVersion == VersionAuto {
		if w.v1Only.Load() {
			return Version1
		}
		return Version2
	}
	return w.cfg.ProtocolVersion
}

// batcher fills requests up to BatchSize samples and sends them.
type batcher struct {
	w       *Writer
	version string
	enc     encoder
	// pieces are the pieces of series in the request being built, to
	// build it again in 1.0 if the receiver refuses 2.0.
	pieces  []tsdbwriter.Series
	samples int
	st      *Stats
	failed  *atomic.Bool // another shard failed
}

// use makes the batcher build requests of version from now on.
func (b *batcher) use(version string) {
	b.version, b.enc = version, newEncoder(version)
}

// addGroup adds the samples of a group, sending full requests as it goes.
// It cuts the group only at hour boundaries: a request holds whole hours of
// the group, as many as fit, and an hour larger than a request alone.
func (b *batcher) addGroup(ctx context.Context, series []tsdbwriter.Series) error {
	hours := hourCounts(series)
	cursor := make([]int, len(series)) // each series' first sample not added
	for i := 0; i < len(hours); {
		j, n := i, 0
		for j < len(hours) && b.samples+n+hours[j].n <= b.w.cfg.BatchSize {
			n += hours[j].n
			j++
		}
		if j == i && b.samples > 0 { // the next hour needs a request of its own
			if err := b.flush(ctx); err != nil {
				return err
			}
			continue
		}
		j = max(j, i+1)
		b.addUntil(series, cursor, hours[j-1].start+sink.Hour.Milliseconds())
		i = j
		if b.samples >= b.w.cfg.BatchSize {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// addUntil adds the samples of series before end (ms) from cursor on, and
// moves cursor past them.
func (b *batcher) addUntil(series []tsdbwriter.Series, cursor []int, end int64) {
	for k, s := range series {
		rest := s.Samples[cursor[k]:]
		n := sort.Search(len(rest), func(i int) bool { return rest[i].T >= end })
		if n == 0 {
			continue
		}
		b.enc.add(s.Labels, rest[:n])
		b.pieces = append(b.pieces, tsdbwriter.Series{Labels: s.Labels, Samples: rest[:n]})
		b.samples += n
		cursor[k] += n
	}
}

// hourCount is the number of samples of a group in the hour that starts
// at start (ms).
type hourCount struct {
	start int64
	n     int
}

// hourCounts returns the hours in which series have samples, in time
// order, with their number of samples.
func hourCounts(series []tsdbwriter.Series) []hourCount {
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range series {
		if len(s.Samples) > 0 {
			first = min(first, hourOf(s.Samples[0].T))
			last = max(last, hourOf(s.Samples[len(s.Samples)-1].T))
		}
	}
	if first > last {
		return nil
	}
	h := sink.Hour.Milliseconds()
	dense := make([]int, (last-first)/h+1)
	for _, s := range series {
		for _, x := range s.Samples {
			dense[(hourOf(x.T)-first)/h]++
		}
	}
	var out []hourCount
	for i, n := range dense {
		if n > 0 {
			out = append(out, hourCount{first + int64(i)*h, n})
		}
	}
	return out
}

// hourOf returns the start of the hour that holds t (ms).
func hourOf(t int64) int64 {
	h := sink.Hour.Milliseconds()
	return t - ((t%h)+h)%h
}

// flush sends the request being built, if it has samples. When a receiver
// asked for VersionAuto refuses a 2.0 request as a 1.0 receiver would, it
// sends the request again in 1.0.
func (b *batcher) flush(ctx context.Context) error {
	if b.samples == 0 {
		return nil
	}
	if b.failed.Load() {
		return errStopped
	}
	err := b.send(ctx)
	if err != nil && b.version == Version2 && b.w.version() == Version1 {
		b.use(Version1)
		for _, p := range b.pieces {
			b.enc.add(p.Labels, p.Samples)
		}
		err = b.send(ctx)
	}
	if err != nil {
		return err
	}
	b.st.Requests++
	b.st.Samples += b.samples
	b.samples = 0
	b.pieces = b.pieces[:0]
	b.enc.reset()
	return nil
}

// send sends the request being built, with the client's retries.
func (b *batcher) send(ctx context.Context) error {
	msgType := remote.WriteV1MessageType
	if b.version == Version2 {
		msgType = remote.WriteV2MessageType
	}
	retried := func(error) { b.st.Retries++ }
	_, err := b.w.api.Write(ctx, msgType, b.enc.message(), remote.WithWriteRetryCallback(retried))
	return err
}

// ascending reports whether samples are in strictly ascending time order.
func ascending(samples []tsdbwriter.Sample) bool {
	for i := 1; i < len(samples); i++ {
		if samples[i].T <= samples[i-1].T {
			return false
		}
	}
	return true
}
