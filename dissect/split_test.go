package dissect

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// msgKey is everything about a message that must not depend on how the
// bytes were split into Data calls.
func msgKey(m *event.Message) string {
	return fmt.Sprintf("%s f=%d %v off=%d cs=%d ms=%d ts=%d %+v t=%d len=%d n=%d chunks=%v body=%x trunc=%v inf=%v %s",
		m.Dir, m.Frame, m.Frames, m.Offset, m.CSID, m.MSID, m.Timestamp, m.TS, m.TypeID, m.Length, m.ChunkCount, m.Chunks, m.Body, m.BodyTruncated, m.Inferred, m.Summary())
}

func eventKeys(col *collector) []string {
	var out []string
	for _, e := range col.events {
		switch e.Kind {
		case event.KindMessage:
			out = append(out, msgKey(e.Message))
		case event.KindDiagnostic:
			out = append(out, fmt.Sprintf("diag %s %s %d %d", e.Dir, e.Diag.Code, e.Diag.Offset, e.Diag.Length))
		}
	}
	return out
}

// TestSplitEverywhere replays real connections cut into 1-byte Data calls
// and into random pieces: the events must be the same as with the
// original segmentation (headers split across calls are kept).
func TestSplitEverywhere(t *testing.T) {
	for _, name := range []string{"publish-ng.pcapng", "play.pcap", "extts.pcap", "midstream.pcap", "rtmpdump-play.pcap"} {
		t.Run(name, func(t *testing.T) {
			conns := recordCapture(t, name)
			for _, rc := range conns {
				base := &collector{}
				rc.replay(base, Options{}, nil)
				want := eventKeys(base)
				if len(base.messages()) == 0 && len(rc.calls) > 4 {
					t.Fatalf("%s: no messages", rc.info.ID)
				}
				rng := rand.New(rand.NewSource(int64(rc.info.ID)))
				splits := map[string]func(int) int{
					"1byte":  func(int) int { return 1 },
					"random": func(left int) int { return 1 + rng.Intn(40) },
					"large":  func(left int) int { return 1 + rng.Intn(3000) },
				}
				for sname, sp := range splits {
					col := &collector{}
					rc.replay(col, Options{}, sp)
					got := eventKeys(col)
					if len(got) != len(want) {
						t.Errorf("%s %s: %d events, want %d", rc.info.ID, sname, len(got), len(want))
					}
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Errorf("%s %s: event %d\n got %.300s\nwant %.300s", rc.info.ID, sname, i, got[i], want[i])
							break
						}
					}
				}
			}
		})
	}
}

// TestBodiesAreCopies checks that message bodies do not alias the Data
// slices (which reassembly reuses).
func TestBodiesAreCopies(t *testing.T) {
	conns := recordCapture(t, "publish-ng.pcapng")
	col := &collector{}
	conn := newTestConn(conns[0].info, col, Options{})
	for _, k := range conns[0].calls {
		if k.gap != nil {
			continue
		}
		buf := append([]byte(nil), k.data...)
		conn.Data(k.dir, k.off, buf, k.refs)
		for i := range buf {
			buf[i] = 0xEE
		}
	}
	n := 0
	for _, m := range col.messages() {
		if len(m.Body) > 8 && bytes.Count(m.Body, []byte{0xEE}) == len(m.Body) {
			t.Fatalf("body of message at offset %d was overwritten", m.Offset)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no messages")
	}
}
