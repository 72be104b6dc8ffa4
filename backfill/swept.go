package backfill

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// sweptFile is the file in the output folder that remembers the hours
// CloudWatch had no datapoint for, so that a repeat sweep does not pay for
// them again. Prometheus ignores files in its data folder that are not
// blocks.
const sweptFile = "rds-backfill-empty-hours.json"

// sweptStore remembers, per resource key (its ARN), the hours swept
// without data.
// It is safe for concurrent use.
type sweptStore struct {
	path string
	mu   sync.Mutex
	// hours by resource key, in Unix seconds.
	hours map[string][]int64
}

type sweptJSON struct {
	Comment string             `json:"comment"`
	Empty   map[string][]int64 `json:"empty_hours"`
}

func openSwept(dir string) (*sweptStore, error) {
	s := &sweptStore{path: filepath.Join(dir, sweptFile), hours: map[string][]int64{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read swept hours: %w", err)
	}
	var j sweptJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("read swept hours %s: %w", s.path, err)
	}
	for k, v := range j.Empty {
		// Files written by earlier versions are keyed by account, region
		// and identifier: forgetting those entries costs one more request
		// for their hours, and never skips an hour wrongly.
		if strings.HasPrefix(k, "arn:") {
			s.hours[k] = v
		}
	}
	return s, nil
}

// empty returns the hours of key known to have no data.
func (s *sweptStore) empty(key string) hourSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := hourSet{}
	for _, h := range s.hours[key] {
		out.add(h)
	}
	return out
}

// change is what one sweep learnt about a resource's hours.
type change struct {
	empty  []int64 // swept, no datapoint; ascending
	filled hours   // swept, datapoints written
}

// record adds the new empty hours, forgets the filled ones and those older
// than keepFrom, and saves the file atomically.
func (s *sweptStore) record(changes map[string]change, keepFrom int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, c := range changes {
		kept := slices.DeleteFunc(slices.Clone(s.hours[key]), func(h int64) bool {
			return h < keepFrom || c.filled.has(h)
		})
		kept = append(kept, c.empty...)
		slices.Sort(kept)
		if len(kept) == 0 {
			delete(s.hours, key)
			continue
		}
		s.hours[key] = slices.Compact(kept)
	}
	return s.save()
}

func (s *sweptStore) save() error {
	b, err := json.MarshalIndent(sweptJSON{
		Comment: "Hours (Unix seconds) that rds-backfill-exporter swept and CloudWatch had no datapoint for; delete this file or use --backfill.resweep-empty to ask again.",
		Empty:   s.hours,
	}, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("save swept hours: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("save swept hours: %w", err)
	}
	return nil
}
