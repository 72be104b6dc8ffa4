package remotewrite

import (
	"net/http"
	"strings"
	"sync/atomic"
)

// samplesWrittenHeader is the header a Remote-Write 2.0 receiver answers
// with; a 1.0 receiver does not know it.
const samplesWrittenHeader = "X-Prometheus-Remote-Write-Samples-Written"

// v1Detector watches the answers to 2.0 requests and notes when the
// receiver shows it speaks only 1.0: it answers 415 Unsupported Media Type,
// or 2xx without the written-samples header (an older receiver that reads
// any body as 1.0 and so stores nothing).
type v1Detector struct {
	next   http.RoundTripper
	v1Only *atomic.Bool
}

func (d v1Detector) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(req)
	if err != nil || !strings.Contains(req.Header.Get("Content-Type"), "io.prometheus.write.v2.Request") {
		return resp, err
	}
	ok := resp.StatusCode/100 == 2
	if resp.StatusCode == http.StatusUnsupportedMediaType || ok && resp.Header.Get(samplesWrittenHeader) == "" {
		d.v1Only.Store(true)
	}
	return resp, err
}
