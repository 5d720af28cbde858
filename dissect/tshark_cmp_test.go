package dissect

import (
	"os"
	"slices"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// cleanCaptures are the captures where tshark's dissection is right for
// every message: each of our messages must match it and every byte must be
// explained.
var cleanCaptures = []struct {
	name  string
	ports []uint16
}{
	{"publish.pcap", nil},
	{"publish-ng.pcapng", nil},
	{"play.pcap", nil},
	{"rtmpdump-play.pcap", nil},
	{"chunksize.pcap", nil},
	{"multi.pcap", nil},
	{"ipv6.pcap", nil},
	{"any-sll2.pcap", nil},
	{"otherport.pcap", []uint16{19999}},
	{"reject.pcap", nil},
	{"twoif.pcapng", nil},
	{"ackwin.pcap", nil},
}

func TestCapturesMatchTshark(t *testing.T) {
	for _, tc := range cleanCaptures {
		t.Run(tc.name, func(t *testing.T) {
			col := runCapture(t, tc.name, reassembly.Options{ServerPorts: tc.ports})
			if !col.referenceMatches(t, tc.name) {
				// publish.pcap and publish-ng.pcapng share NAME.*.tsv; the
				// references are the pcapng's.
				t.Skipf("the tshark references beside %s describe another capture", tc.name)
			}
			ref := loadTshark(t, tc.name)
			diffs, n := compareTshark(t, col, ref, nil)
			for _, d := range diffs {
				t.Error(d)
			}
			if n == 0 {
				t.Fatal("nothing compared")
			}
			t.Logf("%d messages equal to tshark's", n)
			assertAccounted(t, col)
		})
	}
}

// assertAccounted checks that every byte of every direction went to the
// handshake or a chunk.
// Warning codes in allowed are expected (another test asserts them exactly).
func assertAccounted(t *testing.T, col *collector, allowed ...string) {
	t.Helper()
	for _, e := range col.events {
		if e.Kind != event.KindConn || !e.Conn.Closed {
			continue
		}
		for dir, a := range e.Conn.Account {
			explained := a.Handshake + a.Header + a.Payload
			if a.Skipped != 0 || a.Pending != 0 || explained != e.Conn.Bytes[dir] {
				t.Errorf("%s dir %d: %d bytes, accounting %+v", e.ConnID, dir, e.Conn.Bytes[dir], a)
			}
		}
	}
	for _, d := range col.diags("") {
		if d.Severity != event.Info && !slices.Contains(allowed, d.Code) {
			t.Errorf("unexpected diagnostic %s: %s", d.Code, d.Text)
		}
	}
}

// TestDumpTsharkDiffs prints the differences for DISSECT_CMP=NAME (a
// debugging aid).
func TestDumpTsharkDiffs(t *testing.T) {
	name := os.Getenv("DISSECT_CMP")
	if name == "" {
		t.Skip("set DISSECT_CMP=NAME.pcap")
	}
	col := runCapture(t, name, reassembly.Options{})
	diffs, n := compareTshark(t, col, loadTshark(t, name), nil)
	for _, d := range diffs {
		t.Log(d)
	}
	t.Logf("%d compared, reference matches bytes: %v", n, col.referenceMatches(t, name))
}
