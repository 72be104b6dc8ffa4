// Package exposition serves /metrics from an exposition rendered once per
// poll: the live series are encoded in every text format Prometheus asks
// for, plain and compressed, when a poll ends, and a scrape writes those
// bytes and appends the metrics that change between polls (the exporter's
// own), encoded fresh. A scrape of 41,000 live series then costs a copy
// instead of an encoding.
package exposition

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
)

// formatTypes are the formats rendered ahead: Prometheus's text format and
// OpenMetrics text (whose versions 0.0.1 and 1.0.0 encode alike).
var formatTypes = [...]expfmt.FormatType{expfmt.TypeTextPlain, expfmt.TypeOpenMetrics}

// Rendered is an exposition rendered once, in each of formatTypes,
// compressed: a tenth of the plain bytes, which a scrape that does not take
// gzip gets inflated on the fly. It is immutable.
type Rendered struct {
	parts [len(formatTypes)]part
	// anyEscaping: every metric and label name is a legacy Prometheus name,
	// so that every escaping scheme a scraper may ask for encodes it alike.
	anyEscaping bool
	families    []*dto.MetricFamily // for the formats not rendered ahead
}

// part is one format's rendering: the encoded families (without an
// OpenMetrics "# EOF") compressed as a raw DEFLATE stream ended by a sync
// flush, not final, so that a scrape can go on compressing after it, with
// the length and CRC-32 of the plain bytes for the gzip trailer.
type part struct {
	deflated []byte
	size     int
	crc      uint32
}

// Render gathers g and renders its families. With an error, it renders
// the families g returned along with it, as promhttp serves them with
// ContinueOnError, and returns the error too.
func Render(g prometheus.Gatherer) (*Rendered, error) {
	mfs, gerr := g.Gather()
	r := &Rendered{anyEscaping: legacyNames(mfs), families: mfs}
	for i, t := range formatTypes {
		p, err := renderPart(mfs, expfmt.NewFormat(t))
		if err != nil {
			return &Rendered{}, errors.Join(gerr, err)
		}
		r.parts[i] = p
	}
	if r.anyEscaping {
		r.families = nil // The parts serve every request.
	}
	return r, gerr
}

// renderPart encodes mfs in format f and compresses them.
func renderPart(mfs []*dto.MetricFamily, f expfmt.Format) (part, error) {
	var plain bytes.Buffer
	if err := encode(&plain, mfs, f); err != nil {
		return part{}, err
	}
	var deflated bytes.Buffer
	zw, err := flate.NewWriter(&deflated, flate.DefaultCompression)
	if err != nil {
		return part{}, err
	}
	if _, err := zw.Write(plain.Bytes()); err != nil {
		return part{}, err
	}
	if err := zw.Flush(); err != nil { // A sync flush: byte-aligned, not final.
		return part{}, err
	}
	return part{deflated: deflated.Bytes(), size: plain.Len(), crc: crc32.ChecksumIEEE(plain.Bytes())}, nil
}

// encode writes mfs in format f, without closing the encoder: no
// OpenMetrics "# EOF".
func encode(w *bytes.Buffer, mfs []*dto.MetricFamily, f expfmt.Format) error {
	enc := expfmt.NewEncoder(w, f)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("encode %s: %w", mf.GetName(), err)
		}
	}
	return nil
}

// legacyNames reports whether every metric and label name of mfs is a
// legacy Prometheus name, which no escaping scheme changes.
func legacyNames(mfs []*dto.MetricFamily) bool {
	for _, mf := range mfs {
		if !pmodel.LegacyValidation.IsValidMetricName(mf.GetName()) {
			return false
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if !pmodel.LegacyValidation.IsValidLabelName(l.GetName()) {
					return false
				}
			}
		}
	}
	return true
}

// finalBlock is an empty final DEFLATE block (fixed Huffman codes): after
// a part's sync flush, it ends the stream.
var finalBlock = []byte{0x03, 0x00}

// plain returns the part's plain bytes, inflated.
func (p *part) plain() io.Reader {
	return flate.NewReader(io.MultiReader(bytes.NewReader(p.deflated), bytes.NewReader(finalBlock)))
}

// partFor returns the rendering that serves format f, or false when f is
// not rendered ahead or its escaping could change names.
func (r *Rendered) partFor(f expfmt.Format) (*part, bool) {
	if r == nil || !r.anyEscaping {
		return nil, false
	}
	for i, t := range formatTypes {
		if f.FormatType() == t {
			return &r.parts[i], true
		}
	}
	return nil, false
}
