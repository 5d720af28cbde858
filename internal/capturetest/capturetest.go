// Package capturetest is the one test harness that turns a capture into
// events or records, through the same router and protocol registry as the
// command (pipeline.Protocols). Tests of every package use it instead of
// wiring reassembly and dissectors themselves.
package capturetest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// Pcaps is the directory of the committed captures.
func Pcaps() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "pcaps")
}

// Run feeds the capture at path through the router into recv (a
// session.Tracker, or any event receiver) with cfg's options.
func Run(path string, recv event.Receiver, cfg pipeline.Config) (flow.Summary, error) {
	ro := flow.RunOptions{Options: cfg.Flow, Reassembly: cfg.Reassembly, Count: cfg.Count, Tap: cfg.Tap}
	return flow.ProcessFile(path, recv, pipeline.Protocols(&cfg), ro)
}

// Events returns every event of the capture at path, before the session
// layer.
func Events(t testing.TB, path string, cfg pipeline.Config) []event.Event {
	t.Helper()
	var evs []event.Event
	if _, err := Run(path, event.ReceiverFunc(func(e event.Event) { evs = append(evs, e) }), cfg); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return evs
}

// Records returns every session record of the capture at path.
func Records(t testing.TB, path string, cfg pipeline.Config) []session.Record {
	t.Helper()
	var recs []session.Record
	tr := session.New(cfg.Session, func(r session.Record) { recs = append(recs, r) })
	if _, err := Run(path, tr, cfg); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}
