package hexview

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// loadRecords runs a committed capture through the real pipeline, with
// chunk-header bytes kept as the TUI asks for them, and returns its records.
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

// messages returns the message events of records.
func messages(recs []session.Record) []*event.Message {
	var out []*event.Message
	for _, r := range recs {
		if r.Kind == event.KindMessage {
			out = append(out, r.Message)
		}
	}
	return out
}
