package cloudwatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// CBOR major types (RFC 8949) that a GetMetricData response holds.
const (
	cborUint   = 0
	cborNegint = 1
	cborText   = 3
	cborArray  = 4
	cborMap    = 5
	cborTag    = 6
	cborSimple = 7
	// cborTagEpoch is the tag of a timestamp in epoch seconds.
	cborTagEpoch = 1
	// maxCBORDepth bounds the nesting of skipped items.
	maxCBORDepth = 32
)

// cborReader reads CBOR items from p in place, as the Smithy RPCv2 CBOR
// protocol encodes them: definite or indefinite lengths, floats of any
// width, timestamps as tag 1 around epoch seconds.
type cborReader struct {
	p   []byte
	off int
}

// head reads an item's initial byte and argument. indef is true for an
// indefinite length; for major type 7, arg holds a float's bits.
func (r *cborReader) head() (major byte, info byte, arg uint64, err error) {
	if r.off >= len(r.p) {
		return 0, 0, 0, io.ErrUnexpectedEOF
	}
	b := r.p[r.off]
	r.off++
	major, info = b>>5, b&0x1f
	switch {
	case info < 24:
		return major, info, uint64(info), nil
	case info == 31:
		return major, info, 0, nil
	case info > 27:
		return 0, 0, 0, fmt.Errorf("cbor: reserved additional information %d", info)
	}
	n := 1 << (info - 24)
	if len(r.p)-r.off < n {
		return 0, 0, 0, io.ErrUnexpectedEOF
	}
	var buf [8]byte
	copy(buf[8-n:], r.p[r.off:r.off+n])
	r.off += n
	return major, info, binary.BigEndian.Uint64(buf[:]), nil
}

// atBreak reports whether the next byte ends an indefinite-length item,
// and reads it if so.
func (r *cborReader) atBreak() bool {
	if r.off < len(r.p) && r.p[r.off] == 0xff {
		r.off++
		return true
	}
	return false
}

// container reads the head of an array or map.
func (r *cborReader) container(want byte) (n uint64, indef bool, err error) {
	major, info, arg, err := r.head()
	switch {
	case err != nil:
		return 0, false, err
	case major != want:
		return 0, false, fmt.Errorf("cbor: major type %d, want %d", major, want)
	case info == 31:
		return 0, true, nil
	case arg > uint64(len(r.p)-r.off):
		return 0, false, fmt.Errorf("cbor: %d items in %d bytes", arg, len(r.p)-r.off)
	}
	return arg, false, nil
}

// eachItem calls fn to read each item of an array; if sized is set, it
// first calls it with the number of items of a definite-length array.
func (r *cborReader) eachItem(sized func(n int), fn func() error) error {
	n, indef, err := r.container(cborArray)
	if err != nil {
		return err
	}
	if sized != nil && !indef {
		sized(int(n))
	}
	for i := uint64(0); indef || i < n; i++ {
		if indef && r.atBreak() {
			return nil
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}

// eachMember calls fn with each key of a map whose keys are text; fn
// reads the value.
func (r *cborReader) eachMember(fn func(key string) error) error {
	n, indef, err := r.container(cborMap)
	if err != nil {
		return err
	}
	for i := uint64(0); indef || i < n; i++ {
		if indef && r.atBreak() {
			return nil
		}
		key, err := r.string()
		if err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// string reads a text string, definite or in chunks.
func (r *cborReader) string() (string, error) {
	major, info, arg, err := r.head()
	switch {
	case err != nil:
		return "", err
	case major != cborText:
		return "", fmt.Errorf("cbor: major type %d, want a text string", major)
	case info == 31:
		var s []byte
		for !r.atBreak() {
			chunk, err := r.string()
			if err != nil {
				return "", err
			}
			s = append(s, chunk...)
		}
		return string(s), nil
	case arg > uint64(len(r.p)-r.off):
		return "", io.ErrUnexpectedEOF
	}
	s := string(r.p[r.off : r.off+int(arg)])
	r.off += int(arg)
	return s, nil
}

// stringOrNull reads a text string, or null as "".
func (r *cborReader) stringOrNull() (string, error) {
	if r.off < len(r.p) && r.p[r.off] == 0xf6 {
		r.off++
		return "", nil
	}
	return r.string()
}

// float reads a number: an integer or a half, single or double float.
func (r *cborReader) float() (float64, error) {
	major, info, arg, err := r.head()
	if err != nil {
		return 0, err
	}
	switch {
	case major == cborUint:
		return float64(arg), nil
	case major == cborNegint:
		return -1 - float64(arg), nil
	case major == cborSimple && info == 25:
		return halfFloat(uint16(arg)), nil
	case major == cborSimple && info == 26:
		return float64(math.Float32frombits(uint32(arg))), nil
	case major == cborSimple && info == 27:
		return math.Float64frombits(arg), nil
	}
	return 0, fmt.Errorf("cbor: major type %d (%d) is not a number", major, info)
}

// epochMillis reads a timestamp, tag 1 around epoch seconds, as Unix
// milliseconds.
func (r *cborReader) epochMillis() (int64, error) {
	major, _, arg, err := r.head()
	switch {
	case err != nil:
		return 0, err
	case major != cborTag || arg != cborTagEpoch:
		return 0, errors.New("cbor: a timestamp is not tag 1 (epoch seconds)")
	}
	s, err := r.float()
	return int64(math.Round(s * 1000)), err
}

// skip reads any item and drops it.
func (r *cborReader) skip(depth int) error {
	if depth > maxCBORDepth {
		return errors.New("cbor: nested too deep")
	}
	start := r.off
	major, info, arg, err := r.head()
	if err != nil {
		return err
	}
	switch major {
	case cborUint, cborNegint, cborSimple:
		return nil
	case cborTag:
		return r.skip(depth + 1)
	case cborArray, cborMap:
		r.off = start
		return r.skipContainer(major, depth)
	}
	// Byte and text strings.
	if info == 31 {
		for !r.atBreak() {
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	if arg > uint64(len(r.p)-r.off) {
		return io.ErrUnexpectedEOF
	}
	r.off += int(arg)
	return nil
}

// skipContainer skips an array or a map.
func (r *cborReader) skipContainer(major byte, depth int) error {
	n, indef, err := r.container(major)
	if err != nil {
		return err
	}
	per := uint64(1)
	if major == cborMap {
		per = 2
	}
	for i := uint64(0); indef || i < n*per; i++ {
		if indef && i%per == 0 && r.atBreak() {
			return nil
		}
		if err := r.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// halfFloat returns the value of an IEEE 754 half-precision float.
func halfFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(h>>10&0x1f), float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}
