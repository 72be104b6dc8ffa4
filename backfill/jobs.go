package backfill

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Job states.
const (
	StateRunning   = "running"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
	StateCanceled  = "canceled"
)

// keepJobs is how many finished jobs Jobs remembers.
const keepJobs = 100

// BusyError says a resource already has a backfill running.
type BusyError struct {
	Kind  model.Kind
	ID    string
	JobID string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("a backfill of %s %s is already running as job %s", e.Kind, e.ID, e.JobID)
}

// ErrUnknownJob is returned for a job ID Jobs does not know.
var ErrUnknownJob = errors.New("unknown backfill job")

// JobStatus is a snapshot of a job. Its Result holds the days of the
// request from the start, and the sweep's counts once it has finished
// (successfully or not: a failed sweep counts what it committed).
type JobStatus struct {
	ID    string `json:"job_id"`
	State string `json:"state"`
	// Source is the source being swept while the job runs.
	Source model.Source `json:"source,omitempty"`
	Phase  string       `json:"phase,omitempty"`
	// InstanceIDs are the identifiers of the job's DB instances.
	InstanceIDs []string `json:"instance_ids"`
	// Resources are all the job's resources.
	Resources []ResourceRef `json:"resources"`
	// HoursDone of HoursToFetch are the resource-hours fetched so far.
	HoursDone    int        `json:"hours_done"`
	HoursToFetch int        `json:"hours_to_fetch"`
	Created      time.Time  `json:"created"`
	Finished     *time.Time `json:"finished,omitempty"`
	Error        string     `json:"error,omitempty"`
	Result
}

// ResourceRef names one resource of a job.
type ResourceRef struct {
	Kind      model.Kind `json:"kind"`
	ID        string     `json:"id"`
	ARN       string     `json:"arn"`
	Region    string     `json:"region"`
	AccountID string     `json:"account_id"`
}

// refOf returns the reference of a resource.
func refOf(d model.Described) ResourceRef {
	return ResourceRef{Kind: d.Kind, ID: d.ID, ARN: d.ARN, Region: d.Region, AccountID: d.AccountID}
}

type job struct {
	status JobStatus
	keys   []string
	cancel context.CancelFunc
	done   chan struct{}
}

// Jobs runs backfills, at most one at a time per resource, synchronously
// or in the background, and remembers the last finished ones.
type Jobs struct {
	b    *Backfiller
	base context.Context

	mu      sync.Mutex
	jobs    map[string]*job
	order   []string          // job IDs, oldest first
	running map[string]string // resource key -> job ID
	wg      sync.WaitGroup
}

// NewJobs returns a job manager. Background jobs stop when base ends.
func NewJobs(base context.Context, b *Backfiller) *Jobs {
	return &Jobs{b: b, base: base, jobs: map[string]*job{}, running: map[string]string{}}
}

// Run runs a backfill now and returns the finished job's status, also
// when the sweep failed. It fails with a *BusyError, and a zero status, if
// one of the resources has a backfill running.
func (j *Jobs) Run(ctx context.Context, req Request) (JobStatus, error) {
	jb, ctx, err := j.register(ctx, req)
	if err != nil {
		return JobStatus{}, err
	}
	err = j.execute(ctx, jb, req)
	return j.status(jb), err
}

// Start starts a backfill in the background and returns its status.
func (j *Jobs) Start(req Request) (JobStatus, error) {
	jb, ctx, err := j.register(j.base, req)
	if err != nil {
		return JobStatus{}, err
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		_ = j.execute(ctx, jb, req)
	}()
	return j.status(jb), nil
}

// Get returns the status of a job.
func (j *Jobs) Get(id string) (JobStatus, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jb, ok := j.jobs[id]
	if !ok {
		return JobStatus{}, fmt.Errorf("%w %q", ErrUnknownJob, id)
	}
	return jb.status, nil
}

// List returns every job remembered, newest first.
func (j *Jobs) List() []JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JobStatus, 0, len(j.order))
	for _, id := range slices.Backward(j.order) {
		out = append(out, j.jobs[id].status)
	}
	return out
}

// Cancel cancels a running job and waits until it has stopped.
func (j *Jobs) Cancel(id string) (JobStatus, error) {
	j.mu.Lock()
	jb, ok := j.jobs[id]
	j.mu.Unlock()
	if !ok {
		return JobStatus{}, fmt.Errorf("%w %q", ErrUnknownJob, id)
	}
	jb.cancel()
	<-jb.done
	return j.status(jb), nil
}

// Wait waits for the background jobs to end (cancel base first to make them).
func (j *Jobs) Wait() { j.wg.Wait() }

func (j *Jobs) register(ctx context.Context, req Request) (*job, context.Context, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	keys := make([]string, 0, len(req.Resources))
	ids := []string{}
	refs := make([]ResourceRef, 0, len(req.Resources))
	for _, d := range req.Resources {
		k := d.Key()
		if other, busy := j.running[k]; busy {
			return nil, nil, &BusyError{Kind: d.Kind, ID: d.ID, JobID: other}
		}
		keys = append(keys, k)
		if d.Kind == model.KindDBInstance {
			ids = append(ids, d.ID)
		}
		refs = append(refs, refOf(d))
	}
	ctx, cancel := context.WithCancel(ctx)
	jb := &job{
		status: JobStatus{ID: newJobID(), State: StateRunning, InstanceIDs: ids, Resources: refs,
			Created: time.Now().UTC(), Result: j.b.newResult(req.Days)},
		keys: keys, cancel: cancel, done: make(chan struct{}),
	}
	for _, k := range keys {
		j.running[k] = jb.status.ID
	}
	j.jobs[jb.status.ID] = jb
	j.order = append(j.order, jb.status.ID)
	j.forget()
	j.b.opts.Telemetry.BackfillJobsRunning.Inc()
	return jb, ctx, nil
}

// forget drops the oldest finished jobs beyond keepJobs. j.mu is held.
func (j *Jobs) forget() {
	for len(j.order) > keepJobs {
		i := slices.IndexFunc(j.order, func(id string) bool { return j.jobs[id].status.State != StateRunning })
		if i < 0 {
			return
		}
		delete(j.jobs, j.order[i])
		j.order = slices.Delete(j.order, i, i+1)
	}
}

func (j *Jobs) execute(ctx context.Context, jb *job, req Request) error {
	defer close(jb.done)
	defer jb.cancel()
	req.Progress = func(p Progress) {
		j.mu.Lock()
		jb.status.Source, jb.status.Phase, jb.status.HoursDone, jb.status.HoursToFetch = p.Source, p.Phase, p.HoursDone, p.HoursTotal
		j.mu.Unlock()
	}
	res, err := j.b.Backfill(ctx, req)
	j.finish(jb, res, err, ctx.Err() != nil)
	return err
}

func (j *Jobs) finish(jb *job, res Result, err error, canceled bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now().UTC()
	jb.status.Finished = &now
	jb.status.Phase, jb.status.Source = "", ""
	jb.status.Result = res
	switch {
	case err == nil:
		jb.status.State = StateSucceeded
	case canceled:
		jb.status.State = StateCanceled
		jb.status.Error = err.Error()
	default:
		jb.status.State = StateFailed
		jb.status.Error = err.Error()
	}
	for _, k := range jb.keys {
		delete(j.running, k)
	}
	tm := j.b.opts.Telemetry
	tm.BackfillJobsRunning.Dec()
	outcome := map[string]string{StateSucceeded: "success", StateFailed: "failure", StateCanceled: "canceled"}[jb.status.State]
	tm.BackfillJobs.WithLabelValues(outcome).Inc()
}

func (j *Jobs) status(jb *job) JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return jb.status
}

func newJobID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
