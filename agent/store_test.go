package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pq "github.com/parquet-go/parquet-go"
)

// TestDirStoreCutsUncommitted: lines written after the last commit (a
// collector killed before it acknowledged them) are cut when the store is
// opened again, so that the broker's redelivery does not store them twice.
func TestDirStoreCutsUncommitted(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	dir := t.TempDir()
	s, err := OpenDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	half := len(items) / 2
	for _, it := range items[:half] {
		s.Write(0, "h1", it.Line)
	}
	if _, err := s.Commit(uint64(half), false); err != nil {
		t.Fatal(err)
	}
	for _, it := range items[half:] {
		s.Write(0, "h1", it.Line)
	}
	s.Write(0, "h2", items[0].Line) // a host first seen after the commit
	s.Close()                       // flushed, not committed: the "crash"

	s, err = OpenDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Committed() != uint64(half) {
		t.Errorf("committed %d, want %d", s.Committed(), half)
	}
	for _, it := range items[half:] {
		s.Write(0, "h1", it.Line)
	}
	if _, err := s.Commit(uint64(len(items)), false); err != nil {
		t.Fatal(err)
	}
	s.Close()
	got, err := os.ReadFile(filepath.Join(dir, "host=h1", "events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, it := range items {
		want.Write(it.Line)
		want.WriteByte('\n')
	}
	if string(got) != want.String() {
		t.Errorf("store holds %d bytes, want %d (each line once)", len(got), want.Len())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "host=h2", "events.ndjson")); len(b) != 0 {
		t.Errorf("uncommitted host h2 kept %d bytes", len(b))
	}
}

// TestParquetStoreSegments: a segment is committed only when full, old
// enough or forced; the files of one that was not (the collector stopped
// without committing) are removed when the store is opened again, and the
// events written again land once.
func TestParquetStoreSegments(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	dir := t.TempDir()
	s, err := OpenParquetStore(dir, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	half := len(items) / 2
	for i, it := range items[:half] {
		s.Write(uint64(i+1), "h1", it.Line)
	}
	if ok, err := s.Commit(uint64(half), false); ok || err != nil {
		t.Fatalf("young segment committed: %v %v", ok, err)
	}
	if ok, err := s.Commit(uint64(half), true); !ok || err != nil {
		t.Fatalf("forced commit: %v %v", ok, err)
	}
	for i, it := range items[half:] {
		s.Write(uint64(half+i+1), "h1", it.Line)
	}
	s.Close() // not committed: the "crash"
	if n := parquetFiles(t, dir); n == 0 {
		t.Fatal("no files")
	}
	s, err = OpenParquetStore(dir, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Committed() != uint64(half) {
		t.Fatalf("committed %d", s.Committed())
	}
	for i, it := range items[half:] {
		s.Write(uint64(half+i+1), "h1", it.Line)
	}
	if ok, err := s.Commit(uint64(len(items)), true); !ok || err != nil {
		t.Fatal(err)
	}
	s.Close()
	rows := 0
	files, _ := filepath.Glob(filepath.Join(dir, "host=h1", "kind=*", "*"))
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), ".") {
			t.Errorf("left behind: %s", f)
			continue
		}
		pf, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := pf.Stat()
		p, err := pq.OpenFile(pf, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rows += int(p.NumRows())
		pf.Close()
	}
	if rows != len(items) {
		t.Errorf("%d rows stored, %d events (each once)", rows, len(items))
	}
}

func parquetFiles(t *testing.T, dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "host=*", "kind=*", "*.parquet"))
	return len(files)
}

// TestStoresRollback: what is written after the last commit is forgotten
// by Rollback (the collector going back after a lost delivery); written
// again, every event is stored once.
func TestStoresRollback(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	half := len(items) / 2
	ds, err := OpenDirStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := OpenParquetStore(t.TempDir(), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []PositionedStore{ds, ps} {
		for i, it := range items[:half] {
			s.Write(uint64(i+1), "h1", it.Line)
		}
		if _, err := s.Commit(uint64(half), true); err != nil {
			t.Fatal(err)
		}
		for i, it := range items[half:] {
			s.Write(uint64(half+i+1), "h1", it.Line)
		}
		s.Write(uint64(len(items)+1), "h2", items[0].Line)
		if err := s.Rollback(); err != nil {
			t.Fatal(err)
		}
		for i, it := range items[half:] {
			s.Write(uint64(half+i+1), "h1", it.Line)
		}
		if _, err := s.Commit(uint64(len(items)), true); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	got, _ := os.ReadFile(filepath.Join(ds.dir, "host=h1", "events.ndjson"))
	var want strings.Builder
	for _, it := range items {
		want.Write(it.Line)
		want.WriteByte('\n')
	}
	if string(got) != want.String() {
		t.Errorf("ndjson store: %d bytes, want %d", len(got), want.Len())
	}
	if b, _ := os.ReadFile(filepath.Join(ds.dir, "host=h2", "events.ndjson")); len(b) != 0 {
		t.Errorf("rolled-back host h2 kept %d bytes", len(b))
	}
	var rows int64
	files, _ := filepath.Glob(filepath.Join(ps.dir, "host=*", "kind=*", "*"))
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), ".") || strings.Contains(f, "host=h2") {
			t.Errorf("left behind: %s", f)
			continue
		}
		pf, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := pf.Stat()
		p, err := pq.OpenFile(pf, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		rows += p.NumRows()
		pf.Close()
	}
	if rows != int64(len(items)) {
		t.Errorf("parquet store: %d rows, want %d", rows, len(items))
	}
}
