package agent

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// WriterStore writes every line to one writer (standard output), hosts
// mixed in stream order. It keeps no state: a collector that restarts may
// write the last unacknowledged batch again.
type WriterStore struct {
	w    *bufio.Writer
	last uint64
}

// NewWriterStore writes to w.
func NewWriterStore(w io.Writer) *WriterStore { return &WriterStore{w: bufio.NewWriterSize(w, 1<<16)} }

// Write implements Store.
func (s *WriterStore) Write(_ uint64, _ string, line []byte) error {
	s.w.Write(line)
	return s.w.WriteByte('\n')
}

// Commit implements Store: it flushes.
func (s *WriterStore) Commit(seq uint64, _ bool) (bool, error) {
	s.last = seq
	return true, s.w.Flush()
}

// Committed implements Store.
func (s *WriterStore) Committed() uint64 { return s.last }

// Close implements Store.
func (s *WriterStore) Close() error { return s.w.Flush() }

// DirStore keeps one NDJSON file per host, DIR/host=<host>/events.ndjson
// (a Hive-style partition: DuckDB's read_json('DIR/*/*.ndjson',
// hive_partitioning=true) gives every line its host column), and a state
// file, DIR/.collect-state.json, with the last stream sequence committed
// and the size of each file then. Opening the store cuts every file back
// to its committed size, so that lines written after the last commit
// (a collector killed before its ack) are not there twice when the broker
// delivers them again: the directory holds every event exactly once.
type DirStore struct {
	dir   string
	state dirState
	files map[string]*hostFile
}

type hostFile struct {
	f *os.File
	w *bufio.Writer
	n int64 // bytes written, committed or not
}

// dirState is the committed state, written atomically (temp + rename).
type dirState struct {
	Seq   uint64           `json:"stream_seq"`
	Sizes map[string]int64 `json:"sizes"`
}

const stateName = ".collect-state.json"

// readState reads a store's committed state; a store without one is new.
func readState(dir string) (dirState, error) {
	st := dirState{Sizes: map[string]int64{}}
	name := filepath.Join(dir, stateName)
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s: %w", name, err)
	}
	if st.Sizes == nil {
		st.Sizes = map[string]int64{}
	}
	return st, nil
}

// OpenDirStore opens (or makes) a store directory.
func OpenDirStore(dir string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	state, err := readState(dir)
	if err != nil {
		return nil, err
	}
	s := &DirStore{dir: dir, files: map[string]*hostFile{}, state: state}
	// Cut back what was written after the last commit.
	matches, _ := filepath.Glob(filepath.Join(dir, "host=*", "events.ndjson"))
	for _, m := range matches {
		host := filepath.Base(filepath.Dir(m))[len("host="):]
		st, err := os.Stat(m)
		if err != nil {
			return nil, err
		}
		if want := s.state.Sizes[host]; st.Size() > want {
			if err := os.Truncate(m, want); err != nil {
				return nil, fmt.Errorf("cut %s back to its committed %d bytes: %w", m, want, err)
			}
		}
	}
	return s, nil
}

func (s *DirStore) file(host string) (*hostFile, error) {
	if f, ok := s.files[host]; ok {
		return f, nil
	}
	dir := filepath.Join(s.dir, "host="+host)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "events.ndjson"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	hf := &hostFile{f: f, w: bufio.NewWriterSize(f, 1<<16), n: st.Size()}
	s.files[host] = hf
	return hf, nil
}

// Write implements Store.
func (s *DirStore) Write(_ uint64, host string, line []byte) error {
	f, err := s.file(host)
	if err != nil {
		return err
	}
	f.w.Write(line)
	if err := f.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("host=%s: %w", host, err)
	}
	f.n += int64(len(line)) + 1
	return nil
}

// Commit implements Store: flush and fsync every file, then write the
// state atomically. It commits at every batch.
func (s *DirStore) Commit(seq uint64, _ bool) (bool, error) {
	return true, s.commit(seq)
}

func (s *DirStore) commit(seq uint64) error {
	hosts := make([]string, 0, len(s.files))
	for h := range s.files {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		f := s.files[h]
		if err := f.w.Flush(); err != nil {
			return fmt.Errorf("host=%s: %w", h, err)
		}
		if err := f.f.Sync(); err != nil {
			return fmt.Errorf("host=%s: %w", h, err)
		}
		s.state.Sizes[h] = f.n
	}
	s.state.Seq = seq
	b, err := json.Marshal(s.state)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(s.dir, stateName), b); err != nil {
		return fmt.Errorf("collect state: %w", err)
	}
	return nil
}

// Committed implements Store.
func (s *DirStore) Committed() uint64 { return s.state.Seq }

// Rollback implements PositionedStore: every file is cut back to its
// committed size.
func (s *DirStore) Rollback() error {
	var errs []error
	for h, f := range s.files {
		f.w.Reset(f.f) // drop what is buffered
		errs = append(errs, f.f.Close())
		if err := os.Truncate(f.f.Name(), s.state.Sizes[h]); err != nil {
			errs = append(errs, fmt.Errorf("cut host=%s back to its committed %d bytes: %w", h, s.state.Sizes[h], err))
		}
	}
	clear(s.files)
	return errors.Join(errs...)
}

// Close implements Store. What was not committed is left to be cut back
// and delivered again.
func (s *DirStore) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.w.Flush(), f.f.Close())
	}
	return errors.Join(errs...)
}

// WriteFileAtomic writes data to a temporary file beside name, syncs it and
// renames it over name: a reader sees the old file or the whole new one.
func WriteFileAtomic(name string, data []byte) error {
	f, err := CreateAtomic(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
