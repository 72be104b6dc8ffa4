package exposition

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// acceptedFormats are the formats served, in order of preference for an
// Accept header that takes several: those Prometheus asks for.
var acceptedFormats = []expfmt.Format{expfmt.FmtOpenMetrics_1_0_0, expfmt.FmtOpenMetrics_0_0_1, expfmt.FmtText}

// Handler serves the exposition: what cached returns (the last rendering;
// nil for none yet), then fresh's families encoded at each request, in the
// format the request's Accept header negotiates (OpenMetrics text or the
// Prometheus text format), gzip-compressed when its Accept-Encoding takes
// gzip. The caller must guarantee that cached and fresh share no metric
// name. Gather errors of fresh are logged and what it returned is served.
func Handler(cached func() *Rendered, fresh prometheus.Gatherer, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format := expfmt.NegotiateAccept(r.Header, acceptedFormats...)
		body, err := renderFresh(cached(), fresh, format)
		if err != nil {
			logger.Error("render metrics", "err", err)
		}
		h := w.Header()
		h.Set("Content-Type", string(format))
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			writeAll(w, body.gzip()...)
			return
		}
		h.Set("Content-Length", strconv.Itoa(body.cached.size+len(body.fresh)))
		if _, err := io.Copy(w, body.cached.plain()); err != nil {
			return // The scraper went away.
		}
		_, _ = w.Write(body.fresh)
	})
}

// writeAll writes bufs to w with their total length as Content-Length.
func writeAll(w http.ResponseWriter, bufs ...[]byte) {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	w.Header().Set("Content-Length", strconv.Itoa(n))
	for _, b := range bufs {
		if _, err := w.Write(b); err != nil {
			return // The scraper went away.
		}
	}
}

// response is what one request is answered: a cached part and the bytes
// encoded for it, which end an OpenMetrics exposition with "# EOF".
type response struct {
	cached *part
	fresh  []byte
}

// renderFresh encodes fresh's families in format after cached's.
func renderFresh(cached *Rendered, fresh prometheus.Gatherer, format expfmt.Format) (response, error) {
	res := response{cached: &part{}}
	var buf bytes.Buffer
	if p, ok := cached.partFor(format); ok {
		res.cached = p
	} else if cached != nil {
		// Not rendered ahead: encode the families now.
		if err := encode(&buf, cached.families, format); err != nil {
			return res, err
		}
	}
	mfs, gerr := fresh.Gather()
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return res, err
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		if err := c.Close(); err != nil {
			return res, err
		}
	}
	res.fresh = buf.Bytes()
	return res, gerr
}

// gzipHeader is a gzip member header (RFC 1952): DEFLATE, no name, no
// time, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// gzip returns the response as one gzip member: the cached part's
// compressed bytes, those of the fresh bytes (ending the DEFLATE stream)
// and the trailer, the CRC-32 and the length of the whole.
func (res response) gzip() [][]byte {
	var tail bytes.Buffer
	zw, _ := flate.NewWriter(&tail, flate.BestSpeed) // A valid level has no error.
	_, _ = zw.Write(res.fresh)                       // A bytes.Buffer does not fail.
	_ = zw.Close()
	crc := crc32.Update(res.cached.crc, crc32.IEEETable, res.fresh)
	size := uint32(res.cached.size + len(res.fresh)) // ISIZE is the length mod 2^32.
	tail.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, crc), size))
	return [][]byte{gzipHeader, res.cached.deflated, tail.Bytes()}
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip: it
// names gzip, or *, with a quality above 0.
func acceptsGzip(header string) bool {
	for _, item := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}
