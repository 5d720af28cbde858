package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/export/parquet"
)

// Defaults of ParquetStore.
const (
	DefaultParquetEvery = time.Minute
	DefaultParquetRows  = 1_000_000
)

// ParquetStore writes every host's events as Parquet files
// (export/parquet, docs/parquet-schema.md):
// DIR/host=<host>/kind=<kind>/seg<first>-<n>.parquet, the host also in the
// source column. DuckDB reads the lot with
// read_parquet('DIR/**/*.parquet', hive_partitioning=true).
//
// A Parquet file is readable only once closed, so the store gathers events
// into segments: one set of files per host and kind, closed (and only then
// acknowledged) when the segment has Rows events or is Every old, or when
// the collector stops. Each segment's files are named after the stream
// sequence of its first event, and the state file records the last
// sequence committed; opening the store removes the files of a segment that
// was never committed (and hidden temporaries), whose events the broker
// delivers again. So every event is stored once.
type ParquetStore struct {
	dir     string
	every   time.Duration
	rows    int
	now     func() time.Time
	state   dirState
	writers map[string]*parquet.Writer
	first   uint64 // stream sequence of the segment's first event
	n       int    // events in the segment
	opened  time.Time
	// Rejected counts lines that could not become rows (an event kind the
	// Parquet schema lacks, or a malformed line from a foreign publisher);
	// they are skipped, not retried.
	Rejected uint64
	// Log, when set, is told of rejected lines.
	Log func(format string, a ...any)
}

// OpenParquetStore opens (or makes) a Parquet store; every and rows bound a
// segment (the defaults when 0).
func OpenParquetStore(dir string, every time.Duration, rows int) (*ParquetStore, error) {
	if every <= 0 {
		every = DefaultParquetEvery
	}
	if rows <= 0 {
		rows = DefaultParquetRows
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	state, err := readState(dir)
	if err != nil {
		return nil, err
	}
	s := &ParquetStore{dir: dir, every: every, rows: rows, now: time.Now, writers: map[string]*parquet.Writer{}, state: state}
	if err := s.removeUncommitted(); err != nil {
		return nil, err
	}
	return s, nil
}

// segPrefix names a segment's files by the sequence of its first event.
func segPrefix(first uint64) string { return fmt.Sprintf("seg%020d", first) }

// removeUncommitted deletes the files of segments after the last commit.
func (s *ParquetStore) removeUncommitted() error {
	// The pattern * matches hidden names too.
	files, _ := filepath.Glob(filepath.Join(s.dir, "host=*", "kind=*", "*"))
	for _, f := range files {
		base := filepath.Base(f)
		var first uint64
		if strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".tmp") {
			// A file the writer had not finished.
		} else if _, err := fmt.Sscanf(base, "seg%d-", &first); err != nil || first <= s.state.Seq {
			continue
		}
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("remove uncommitted %s: %w", f, err)
		}
	}
	return nil
}

// Write implements Store.
func (s *ParquetStore) Write(seq uint64, host string, line []byte) error {
	if s.n == 0 {
		s.first, s.opened = seq, s.now()
	}
	w, ok := s.writers[host]
	if !ok {
		var err error
		w, err = parquet.NewWriter(filepath.Join(s.dir, "host="+host), parquet.Options{
			Source: host, Prefix: segPrefix(s.first), MaxRows: s.rows,
		})
		if err != nil {
			return err
		}
		s.writers[host] = w
	}
	if err := w.WriteEvent(line); err != nil {
		// The writer stays usable; this line cannot be a row, now or later.
		s.Rejected++
		if s.Log != nil {
			s.Log("host %s, stream sequence %d: %v", host, seq, err)
		}
		return nil
	}
	s.n++
	return nil
}

// Commit implements Store: it closes the segment's files when the segment
// is full or old enough, or when forced.
func (s *ParquetStore) Commit(seq uint64, force bool) (bool, error) {
	if s.n > 0 && !force && s.n < s.rows && s.now().Sub(s.opened) < s.every {
		return false, nil
	}
	var errs []error
	for _, w := range s.writers {
		errs = append(errs, w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return false, fmt.Errorf("parquet segment %s: %w", segPrefix(s.first), err)
	}
	clear(s.writers)
	s.n = 0
	s.state.Seq = seq
	b, err := json.Marshal(s.state)
	if err != nil {
		return false, err
	}
	if err := WriteFileAtomic(filepath.Join(s.dir, stateName), b); err != nil {
		return false, fmt.Errorf("collect state: %w", err)
	}
	return true, nil
}

// Committed implements Store.
func (s *ParquetStore) Committed() uint64 { return s.state.Seq }

// Rollback implements PositionedStore: the open segment's files are
// removed.
func (s *ParquetStore) Rollback() error {
	err := s.Close()
	s.n = 0
	return errors.Join(err, s.removeUncommitted())
}

// AckWait implements AckWaiter: a segment stays open up to Every.
func (s *ParquetStore) AckWait() time.Duration { return 2*s.every + 30*time.Second }

// Close implements Store. An uncommitted segment's files are closed but
// not recorded: the next open removes them, and the broker delivers their
// events again.
func (s *ParquetStore) Close() error {
	var errs []error
	for _, w := range s.writers {
		errs = append(errs, w.Close())
	}
	clear(s.writers)
	return errors.Join(errs...)
}
