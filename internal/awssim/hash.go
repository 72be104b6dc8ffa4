package awssim

// mix64 is the SplitMix64 finalizer: a fast, well-spread 64-bit mixing step.
// All randomness of the simulator derives from it, so data is deterministic.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hash2 mixes two words into one hash.
func hash2(a, b uint64) uint64 { return mix64(mix64(a) ^ b) }

// hash3 mixes three words into one hash.
func hash3(a, b, c uint64) uint64 { return mix64(hash2(a, b) ^ c) }

// strHash is the 64-bit FNV-1a hash of s.
func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// unit maps a hash to a float in [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// signed maps a hash to a float in [-1, 1).
func signed(h uint64) float64 { return 2*unit(h) - 1 }

// pick returns an element of xs chosen by h.
func pick[T any](xs []T, h uint64) T { return xs[h%uint64(len(xs))] }
