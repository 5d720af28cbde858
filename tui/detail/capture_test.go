package detail

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// loadRecords runs a committed capture through the real pipeline (chunk
// headers kept, as the TUI asks) and returns its records.
func loadRecords(t testing.TB, name string) []session.Record {
	t.Helper()
	var recs []session.Record
	tr := session.New(session.Options{}, func(r session.Record) { recs = append(recs, r) })
	f, fcfg := event.Receiver(tr), pipeline.Config{Dissect: dissect.Options{KeepChunkHeaders: true}}
	path := filepath.Join("..", "..", "testdata", "pcaps", name)
	if _, err := capturetest.Run(path, f, fcfg); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

// find returns the first record that satisfies ok.
func find(t *testing.T, recs []session.Record, what string, ok func(*session.Record) bool) *session.Record {
	t.Helper()
	for i := range recs {
		if ok(&recs[i]) {
			return &recs[i]
		}
	}
	t.Fatalf("no %s", what)
	return nil
}
