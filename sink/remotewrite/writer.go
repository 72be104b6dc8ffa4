// Package remotewrite sends series to a Prometheus Remote-Write receiver
// (Prometheus, Thanos Receive, Mimir, Cortex, VictoriaMetrics, Amazon
// Managed Service for Prometheus) with client_golang's remote write client,
// in Remote-Write 1.0 or 2.0.
package remotewrite

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/prometheus/model/labels"
	"golang.org/x/sync/errgroup"

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
// The caller must guarantee that each series' labels are valid and its
// samples in strictly ascending time order; a series whose samples are not
// is refused (tsdbwriter.ErrUnordered) before anything is sent. The
// samples of one series arrive in time order: its requests go one after
// another. A request that fails with a network error, a 5xx or a 429 is
// retried with backoff (plus the Retry-After the receiver asks for); any
// other failure, or MaxRetries retries, ends the Write with an error that
// carries the receiver's answer. Then the requests that succeeded stay
// written: the receiver ignores a sample sent again with the same value,
// so writing the same series again is safe. ctx cancels the Write, also
// during a backoff.
func (w *Writer) Write(ctx context.Context, series []tsdbwriter.Series) (Stats, error) {
	for _, s := range series {
		if !ascending(s.Samples) {
			return Stats{}, fmt.Errorf("remote write %s: %w", s.Labels, tsdbwriter.ErrUnordered)
		}
	}
	shards := shard(series, w.cfg.Shards)
	stats := make([]Stats, len(shards))
	g, gctx := errgroup.WithContext(ctx)
	for i, sh := range shards {
		g.Go(func() error { return w.sendShard(gctx, sh, &stats[i]) })
	}
	err := g.Wait()
	var total Stats
	for _, s := range stats {
		total.add(s)
	}
	if err != nil {
		return total, fmt.Errorf("remote write: %w", err)
	}
	return total, nil
}

// shard splits series into at most n shards by a hash of their labels,
// keeping their order within each shard.
func shard(series []tsdbwriter.Series, n int) [][]tsdbwriter.Series {
	shards := make([][]tsdbwriter.Series, n)
	for _, s := range series {
		i := s.Labels.Hash() % uint64(n)
		shards[i] = append(shards[i], s)
	}
	return shards
}

// sendShard sends the series of one shard in batches, one after another.
func (w *Writer) sendShard(ctx context.Context, series []tsdbwriter.Series, st *Stats) error {
	b := batcher{w: w, st: st}
	b.use(w.version())
	for _, s := range series {
		if err := b.addSeries(ctx, s.Labels, s.Samples); err != nil {
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
}

// use makes the batcher build requests of version from now on.
func (b *batcher) use(version string) {
	b.version, b.enc = version, newEncoder(version)
}

// addSeries adds the samples of a series, sending full requests as it goes.
func (b *batcher) addSeries(ctx context.Context, lbls labels.Labels, samples []tsdbwriter.Sample) error {
	for len(samples) > 0 {
		n := min(len(samples), b.w.cfg.BatchSize-b.samples)
		b.enc.add(lbls, samples[:n])
		b.pieces = append(b.pieces, tsdbwriter.Series{Labels: lbls, Samples: samples[:n]})
		b.samples += n
		samples = samples[n:]
		if b.samples == b.w.cfg.BatchSize {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush sends the request being built, if it has samples. When a receiver
// asked for VersionAuto refuses a 2.0 request as a 1.0 receiver would, it
// sends the request again in 1.0.
func (b *batcher) flush(ctx context.Context) error {
	if b.samples == 0 {
		return nil
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
