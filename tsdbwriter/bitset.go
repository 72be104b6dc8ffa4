package tsdbwriter

// bitset is a fixed-size set of small non-negative integers.
type bitset []uint64

// newBitset returns an empty set of integers in [0, n).
func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// hasAll reports whether every integer in [lo, hi] is in the set.
func (b bitset) hasAll(lo, hi int) bool {
	for i := lo; i <= hi; i++ {
		if !b.has(i) {
			return false
		}
	}
	return true
}
