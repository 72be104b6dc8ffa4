package backfill

import "math/bits"

// hours is a set of the hours of a range, one bit each: what a resource
// misses of a sweep's range takes 21 bytes a week, whatever it holds.
type hours struct {
	from int64 // Unix seconds of the range's first hour
	bits []uint64
}

// newHours returns an empty set of the hours of r.
func newHours(r Range) hours {
	return hours{from: r.From.Unix(), bits: make([]uint64, (r.Hours()+63)/64)}
}

// bit returns the bit of the hour that starts at t (Unix seconds), and
// false when t is not an hour of the range.
func (h hours) bit(t int64) (int, bool) {
	d := t - h.from
	i := int(d / 3600)
	return i, d >= 0 && d%3600 == 0 && i < 64*len(h.bits)
}

// has reports whether the hour that starts at t is in the set.
func (h hours) has(t int64) bool {
	i, ok := h.bit(t)
	return ok && h.bits[i/64]&(1<<(i%64)) != 0
}

// add adds the hour that starts at t, which must be an hour of the range.
func (h hours) add(t int64) {
	i, _ := h.bit(t)
	h.bits[i/64] |= 1 << (i % 64)
}

// len returns the number of hours in the set.
func (h hours) len() int {
	n := 0
	for _, w := range h.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// each calls fn with the start of each hour in the set, ascending.
func (h hours) each(fn func(t int64)) {
	for wi, w := range h.bits {
		for w != 0 {
			i := bits.TrailingZeros64(w)
			fn(h.from + int64(wi*64+i)*3600)
			w &= w - 1
		}
	}
}

// spans returns the hours of the set as the fewest contiguous spans, in
// time order.
func (h hours) spans() []span {
	var out []span
	h.each(func(t int64) {
		if n := len(out); n > 0 && out[n-1].end == t {
			out[n-1].end = t + 3600
			return
		}
		out = append(out, span{start: t, end: t + 3600})
	})
	return out
}
