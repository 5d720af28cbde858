package displayfilter

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

const pcaps = "../../testdata/pcaps"

// records runs a committed capture through the pipeline as rtmpscope does
// (redaction on) and returns every record.
func records(t testing.TB, name string) []session.Record {
	t.Helper()
	var out []session.Record
	tr := session.New(session.Options{}, func(r session.Record) { out = append(out, r) })
	opts := reassembly.Options{}
	if name == "otherport.pcap" {
		opts.ServerPorts = []uint16{19999}
	}
	if _, err := capturetest.Run(filepath.Join(pcaps, name), tr, pipeline.Config{Reassembly: opts}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// count is how many records match src.
func count(t testing.TB, recs []session.Record, src string) int {
	t.Helper()
	f, err := Compile(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	n := 0
	for i := range recs {
		if f.Match(&recs[i]) {
			n++
		}
	}
	return n
}
