package export

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

const pcaps = "../testdata/pcaps"

// committedCaptures lists the captures under testdata/pcaps.
func committedCaptures(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(pcaps, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	if len(names) == 0 {
		t.Fatal("no captures in " + pcaps)
	}
	return names
}

// captureRecords drives a capture through the pipeline as rtmpscope does
// (reassembly, dissector, session layer with redaction).
func captureRecords(t testing.TB, name string) []session.Record {
	t.Helper()
	var out []session.Record
	tr := session.New(session.Options{}, func(r session.Record) { out = append(out, r) })
	opts := reassembly.Options{}
	if name == "otherport.pcap" {
		opts.ServerPorts = []uint16{19999} // as the capture script's --port
	}
	if _, err := capturetest.Run(filepath.Join(pcaps, name), tr, pipeline.Config{Reassembly: opts}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}
