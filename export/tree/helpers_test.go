package tree

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// pcapDir holds the real captures (see testdata/pcaps/README.md).
var pcapDir = filepath.Join("..", "..", "testdata", "pcaps")

// captures are every committed capture; each test that walks them all uses
// this list so a new capture is covered everywhere.
var captures = []string{
	"publish.pcap", "play.pcap", "rtmpdump-play.pcap", "chunksize.pcap", "multi.pcap", "midstream.pcap",
	"ipv6.pcap", "any-sll2.pcap", "otherport.pcap", "extts.pcap", "extts-play.pcap", "reject.pcap",
	"publish-ng.pcapng", "twoif.pcapng", "ackwin.pcap",
}

// records runs a capture through the pipeline the CLI uses (reassembly,
// dissect, session with redaction) and returns every record.
func records(t testing.TB, name string) []session.Record {
	t.Helper()
	var out []session.Record
	tr := session.New(session.Options{}, func(r session.Record) { out = append(out, r) })
	if _, err := capturetest.Run(filepath.Join(pcapDir, name), tr, pipeline.Config{}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}
