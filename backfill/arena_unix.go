//go:build unix

package backfill

import (
	"fmt"
	"syscall"
	"unsafe"
)

// newArena returns n zero values and the n bits that say which are set,
// in memory mapped outside the Go heap, and the function that unmaps it.
// The Go collector sizes the heap it lets grow at twice the live heap: a
// grid of 54 MB on the heap would add 54 MB more of garbage room, which
// memory outside the heap does not. The caller must not use the slices
// after calling free.
func newArena(n int) (values []float64, present []uint64, free func() error, err error) {
	words := (n + 63) / 64
	size := 8 * (n + words)
	if size == 0 {
		return nil, nil, func() error { return nil }, nil
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("allocate %d values: %w", n, err)
	}
	values = unsafe.Slice((*float64)(unsafe.Pointer(&mem[0])), n)
	present = unsafe.Slice((*uint64)(unsafe.Pointer(&mem[8*n])), words)
	return values, present, func() error { return syscall.Munmap(mem) }, nil
}
