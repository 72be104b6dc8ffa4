package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// prometheusAccept is the Accept header of a Prometheus v3 scrape with the
// default scrape protocols.
const prometheusAccept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"

func scrapeCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("scrape", flag.ContinueOnError)
	target := fs.String("url", "", "the /metrics URL")
	n := fs.Int("n", 200, "scrapes (without -during)")
	interval := fs.Duration("interval", 50*time.Millisecond, "pause between scrapes")
	during := fs.String("during", "", "backfill URL to POST (async) and scrape until its job ends")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s := &scraper{client: &http.Client{Transport: &http.Transport{DisableCompression: true}}, url: *target}
	var lat []time.Duration
	var err error
	if *during == "" {
		lat, err = s.times(ctx, *n, *interval, nil)
	} else {
		lat, err = s.duringJob(ctx, *during, *interval)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, summary(lat))
	return nil
}

// scraper scrapes one URL.
type scraper struct {
	client *http.Client
	url    string
	bytes  int
}

// times scrapes n times (until done says stop, if set) with a pause
// between scrapes, and returns each scrape's time.
func (s *scraper) times(ctx context.Context, n int, pause time.Duration, done func() (bool, error)) ([]time.Duration, error) {
	var out []time.Duration
	for i := 0; i < n; i++ {
		if done != nil {
			if stop, err := done(); stop || err != nil {
				return out, err
			}
		}
		d, err := s.scrape(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, d)
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(pause):
		}
	}
	return out, nil
}

// scrape fetches the URL as Prometheus does and reads the whole body,
// decompressed; it returns how long that took.
func (s *scraper) scrape(ctx context.Context) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", prometheusAccept)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scrape: %s", resp.Status)
	}
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return 0, err
		}
		body = zr
	}
	n, err := io.Copy(io.Discard, body)
	s.bytes = int(n)
	return time.Since(start), err
}

// duringJob starts an asynchronous backfill job by POSTing to backfill and
// scrapes until the job is no longer running.
func (s *scraper) duringJob(ctx context.Context, backfill string, pause time.Duration) ([]time.Duration, error) {
	job, err := startJob(ctx, s.client, backfill)
	if err != nil {
		return nil, err
	}
	lat, err := s.times(ctx, int(^uint(0)>>1), pause, func() (bool, error) {
		var st jobState
		if err := getJSON(ctx, s.client, job, http.StatusOK, &st); err != nil {
			return false, err
		}
		if st.State != "running" && !st.Success {
			return true, fmt.Errorf("backfill job %s: %s", st.State, st.Error)
		}
		return st.State != "running", nil
	})
	if err == nil && len(lat) == 0 {
		err = errors.New("the backfill ended before the first scrape")
	}
	return lat, err
}

// jobState is what a backfill job answers.
type jobState struct {
	State    string  `json:"state"`
	Success  bool    `json:"success"`
	Error    string  `json:"error"`
	Location string  `json:"location"`
	Samples  int64   `json:"samples_written"`
	Requests int     `json:"cloudwatch_requests"`
	Seconds  float64 `json:"duration_seconds"`
}

// startJob POSTs an asynchronous backfill and returns the job's URL.
func startJob(ctx context.Context, c *http.Client, backfill string) (string, error) {
	u, err := url.Parse(backfill)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("async", "true")
	u.RawQuery = q.Encode()
	var st jobState
	if err := postJSON(ctx, c, u.String(), http.StatusAccepted, &st); err != nil {
		return "", err
	}
	return u.ResolveReference(&url.URL{Path: st.Location}).String(), nil
}

func postJSON(ctx context.Context, c *http.Client, u string, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return err
	}
	return doJSON(c, req, want, v)
}

func getJSON(ctx context.Context, c *http.Client, u string, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return doJSON(c, req, want, v)
}

func doJSON(c *http.Client, req *http.Request, want int, v any) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// sortedCopy returns a sorted copy of d.
func sortedCopy(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

// summary says how many scrapes took how long: p50, p99 and the slowest.
func summary(lat []time.Duration) string {
	s := sortedCopy(lat)
	return fmt.Sprintf("%d scrapes: p50 %.1f ms, p99 %.1f ms, max %.1f ms", len(s), ms(quantile(s, 0.5)), ms(quantile(s, 0.99)), ms(s[len(s)-1]))
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
