package testtools

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3Bucket is the bucket an S3 server has.
const S3Bucket = "blocks"

// S3 is an S3 server on 127.0.0.1 for tests (gofakes3, in memory, with one
// bucket, S3Bucket), behind a handler that counts PUTs and injects faults.
// Its methods are safe for concurrent use.
type S3 struct {
	srv *httptest.Server
	mu  sync.Mutex
	// puts counts PUT requests by object key.
	puts map[string]int
	fail func(key string, attempt int) int
	hold func(key string) bool
	held chan string
}

// StartS3 starts an S3 server that stops when the test ends.
func StartS3(tb testing.TB) *S3 {
	tb.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(S3Bucket); err != nil {
		tb.Fatal(err)
	}
	s := &S3{puts: map[string]int{}, held: make(chan string, 100)}
	s.srv = httptest.NewServer(s.handler(gofakes3.New(backend).Server()))
	tb.Cleanup(s.srv.Close)
	return s
}

// SetFaults sets, or with nil clears, the faults of PUTs: fail returns the
// status to answer the attempt-th PUT (from 1) of key with, or 0 to let it
// through; hold makes the PUTs of the keys it accepts wait until the
// client goes away, each reported on Held.
func (s *S3) SetFaults(fail func(key string, attempt int) int, hold func(key string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.hold = fail, hold
}

// Held reports the keys of the PUTs that hold.
func (s *S3) Held() <-chan string { return s.held }

// Puts returns the number of PUT requests so far.
func (s *S3) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.puts {
		n += c
	}
	return n
}

// Config returns objstore's client configuration of the server's bucket,
// without the client's own retries, so that the uploader's are what
// retries.
func (s *S3) Config() []byte {
	conf := "type: S3\nconfig:\n"
	for _, line := range strings.SplitAfter(string(s.clientConfig()), "\n") {
		if line != "" {
			conf += "  " + line
		}
	}
	return []byte(conf)
}

// clientConfig is the config section of Config: the S3 client's.
func (s *S3) clientConfig() []byte {
	return fmt.Appendf(nil, `bucket: %s
endpoint: %s
insecure: true
access_key: test
secret_key: testtesttest
region: us-east-1
bucket_lookup_type: path
max_retries: 1
`, S3Bucket, strings.TrimPrefix(s.srv.URL, "http://"))
}

func (s *S3) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			next.ServeHTTP(w, r)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/"+S3Bucket+"/")
		s.mu.Lock()
		s.puts[key]++
		attempt, fail, hold := s.puts[key], s.fail, s.hold
		s.mu.Unlock()
		if hold != nil && hold(key) {
			s.held <- key
			// Once the body is read, the server notices the client's
			// connection closing and cancels the request's context.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		if fail != nil {
			if code := fail(key, attempt); code != 0 {
				http.Error(w, "injected fault", code)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
