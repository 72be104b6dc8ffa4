package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools/rwreceiver"
)

// TestBackfillByRemoteWriteIntoPrometheus: a 7-day fleet backfill through
// the exporter arrives by remote write in the pinned Prometheus (receiver
// on, out-of-order window 8d); every instance, metric and hour equals
// what awssim serves; the repeat finds everything covered through the
// coverage query URL and makes no GetMetricData call. The history
// endpoint of every instance, cluster and proxy answers, through the
// coverage query URL, exactly the samples awssim serves for it (no local
// block exists to read).
func TestBackfillByRemoteWriteIntoPrometheus(t *testing.T) {
	sim := startSim(t)
	prom := startPrometheus(t)
	a := startExporter(t, sim, "", exporter.StoreOptions{RemoteWriteURL: prom.url() + "/api/v1/write", CoverageQueryURL: prom.url()})
	from, to, body := a.backfillOK(t)
	if body["blocks_written"] != 0.0 || body["samples_written"].(float64) == 0 {
		t.Fatalf("backfill %v: want samples and no block", body)
	}
	checkStore(t, prom, sim, from, to)
	checkAgainstSim(t, "the history endpoint", sim, from, to, func() (history, error) { return a.historyOf(t, sim) })
	a.checkRepeat(t, sim)
}

// TestBackfillByRemoteWriteIntoVictoriaMetrics: the same into
// VictoriaMetrics single node, which speaks Remote-Write 1.0 only (the
// writer finds out by itself), history endpoint included.
func TestBackfillByRemoteWriteIntoVictoriaMetrics(t *testing.T) {
	sim := startSim(t)
	vm := startVictoriaMetrics(t)
	a := startExporter(t, sim, "", exporter.StoreOptions{RemoteWriteURL: vm.url() + "/api/v1/write", CoverageQueryURL: vm.url()})
	from, to, _ := a.backfillOK(t)
	checkStore(t, vm, sim, from, to)
	checkAgainstSim(t, "the history endpoint", sim, from, to, func() (history, error) { return a.historyOf(t, sim) })
	a.checkRepeat(t, sim)
}

// fastRetries are remote-write settings of the config file that keep the
// tests' retries short.
const fastRetries = `backfill:
  remote_write:
    min_backoff: 10ms
    max_backoff: 100ms
`

// TestRemoteWriteWaitsOut503And429: the receiver (in front of a real
// Prometheus) answers 503 twice and 429 with Retry-After twice; the
// backfill waits, completes, and every sample arrives exactly once.
func TestRemoteWriteWaitsOut503And429(t *testing.T) {
	sim := startSim(t)
	prom := startPrometheus(t)
	r := rwreceiver.Start(t, prom.url()+"/api/v1/write")
	r.FaultsFirst(
		rwreceiver.Fault{Status: 503, Body: "starting"}, rwreceiver.Fault{Status: 503, Body: "starting"},
		rwreceiver.Fault{Status: 429, RetryAfter: "1", Body: "slow down"}, rwreceiver.Fault{Status: 429, RetryAfter: "1", Body: "slow down"})
	a := startExporter(t, sim, fastRetries, exporter.StoreOptions{RemoteWriteURL: r.URL(), CoverageQueryURL: prom.url()})
	from, to, _ := a.backfillOK(t)
	h := history{}
	for _, s := range r.Series() { // add refuses a sample that came twice
		if err := h.add(sim, s.Labels.Map(), samplesOf(s.Samples)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.compare(sim, from, to); err != nil {
		t.Fatalf("what the receiver accepted: %v", err)
	}
	checkStore(t, prom, sim, from, to)
	if got := a.selfMetric(t, "backfill_remote_write_retries_total"); got != 4 {
		t.Errorf("%v retries counted, want 4", got)
	}
	if got := a.selfMetric(t, "backfill_remote_write_requests_total"); got != float64(len(r.Accepted())) {
		t.Errorf("%v requests counted, the receiver accepted %d", got, len(r.Accepted()))
	}
}

// TestRemoteWrite400FailsWithTheReceiversMessage: a receiver that answers
// 400 fails the backfill at once: the API answers 502 (a store failed, as
// for AWS failures) with the receiver's message, and the job says the
// same.
func TestRemoteWrite400FailsWithTheReceiversMessage(t *testing.T) {
	sim := startSim(t)
	prom := startPrometheus(t)
	r := rwreceiver.Start(t, prom.url()+"/api/v1/write")
	const msg = "out of bounds: sample too old for this receiver"
	r.SetFault(func(int) *rwreceiver.Fault { return &rwreceiver.Fault{Status: http.StatusBadRequest, Body: msg} })
	a := startExporter(t, sim, fastRetries, exporter.StoreOptions{RemoteWriteURL: r.URL(), CoverageQueryURL: prom.url()})
	status, body := a.backfill(t)
	errMsg, _ := body["error"].(string)
	if status != http.StatusBadGateway || body["success"] != false || !strings.Contains(errMsg, msg) || !strings.Contains(errMsg, "400") {
		t.Fatalf("backfill: %d %v, want 502 with the receiver's 400 and message", status, body)
	}
	if n := r.Requests(); n > 4 {
		t.Errorf("%d requests: a 400 is not retried, and no request starts after it (4 shards)", n)
	}
	status, job := a.call(t, http.MethodGet, "/api/v1/backfill/jobs/"+body["job_id"].(string))
	if status != http.StatusOK || job["state"] != "failed" || !strings.Contains(job["error"].(string), msg) {
		t.Fatalf("job: %d %v, want failed with the receiver's message", status, job)
	}
}

// TestRemoteWriteFailureMidwayIsRefilled: the receiver (in front of a
// real Prometheus) refuses its 5th request, which fails the backfill
// with some requests written. No hour of an instance is left partly
// written (a resource-hour never spans requests), so the rerun, which
// reads coverage from Prometheus, fetches exactly the hours that are
// missing, and then Prometheus holds every series of every hour.
func TestRemoteWriteFailureMidwayIsRefilled(t *testing.T) {
	sim := startSim(t)
	prom := startPrometheus(t)
	r := rwreceiver.Start(t, prom.url()+"/api/v1/write")
	r.SetFault(func(n int) *rwreceiver.Fault {
		if n == 5 {
			return &rwreceiver.Fault{Status: http.StatusBadRequest, Body: "refused"}
		}
		return nil
	})
	a := startExporter(t, sim, fastRetries+"    batch_size: 500\n", exporter.StoreOptions{RemoteWriteURL: r.URL(), CoverageQueryURL: prom.url()})
	if status, body := a.backfill(t); status != http.StatusBadGateway {
		t.Fatalf("first backfill: %d %v, want 502", status, body)
	}
	if len(r.Accepted()) == 0 {
		t.Fatal("no request was accepted before the failure")
	}
	r.SetFault(nil)
	from, to, body := a.backfillOK(t)
	if body["hours_backfilled"].(float64) == 0 || body["hours_skipped_covered"].(float64) == 0 {
		t.Fatalf("rerun %v: want the hours the first run wrote skipped, and the others written", body)
	}
	checkStore(t, prom, sim, from, to)
}
