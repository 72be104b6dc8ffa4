//go:build !unix

package backfill

// newArena returns n zero values and the n bits that say which are set,
// on the Go heap.
func newArena(n int) (values []float64, present []uint64, free func() error, err error) {
	return make([]float64, n), make([]uint64, (n+63)/64), func() error { return nil }, nil
}
