package collector_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when goroutines are still running
// after them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
