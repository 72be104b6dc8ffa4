// Package e2e tests the sinks against real stores: the pinned Prometheus
// (go tool prometheus) and VictoriaMetrics single node (built in
// isolation), both on 127.0.0.1. It has no code of its own.
package e2e
