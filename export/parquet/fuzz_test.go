package parquet

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// FuzzWriteEvent feeds WriteEvent what an agent or a broken pipe could
// send: the seeds are real events of every kind from committed captures
// (testdata/fuzz/FuzzWriteEvent holds a few more as files); the fuzzer
// cuts and mutates them. WriteEvent must return an error or write a row,
// never panic, and the files must close and read back.
func FuzzWriteEvent(f *testing.F) {
	for _, name := range []string{"midstream.pcap", "rtmfp-publish.pcap", "reject.pcap"} {
		recs := capturetest.Records(f, filepath.Join(capturetest.Pcaps(), name), pipeline.Config{})
		seen := map[string]int{}
		col := &export.StatsCollector{OnStream: func(s export.StreamStats) {
			if b, err := export.MarshalStats(s); err == nil {
				f.Add(b)
			}
		}}
		for i := range recs {
			col.Add(recs[i])
			k := recs[i].Kind.String()
			if seen[k] >= 4 {
				continue
			}
			seen[k]++
			b, err := export.MarshalEvent(recs[i], export.EventOptions{Payload: "hex"})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
		col.Flush()
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		dir := t.TempDir()
		w, err := NewWriter(dir, Options{Prefix: "fuzz"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteEvent(line); err != nil {
			if w.Rows()["message"]+w.Rows()["conn"] != 0 {
				t.Fatalf("a row was written for a line that failed: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		readAll(t, dir)
	})
}
