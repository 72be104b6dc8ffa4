// Command s3server serves an in-memory S3 bucket (gofakes3) for
// scripts/bench.sh: the bucket sink's figures then include the S3 wire
// protocol, as in production, without a cloud account.
//
// Usage: go run ./internal/testtools/s3server -listen 127.0.0.1:9000 -bucket blocks
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to listen on")
	name := flag.String("bucket", "blocks", "the bucket to create")
	flag.Parse()
	backend := s3mem.New()
	if err := backend.CreateBucket(*name); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Addr: *listen, Handler: gofakes3.New(backend).Server(), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
