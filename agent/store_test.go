package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		s.Write("h1", it.Line)
	}
	if err := s.Commit(uint64(half)); err != nil {
		t.Fatal(err)
	}
	for _, it := range items[half:] {
		s.Write("h1", it.Line)
	}
	s.Write("h2", items[0].Line) // a host first seen after the commit
	s.Close()                    // flushed, not committed: the "crash"

	s, err = OpenDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Committed() != uint64(half) {
		t.Errorf("committed %d, want %d", s.Committed(), half)
	}
	for _, it := range items[half:] {
		s.Write("h1", it.Line)
	}
	if err := s.Commit(uint64(len(items))); err != nil {
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
