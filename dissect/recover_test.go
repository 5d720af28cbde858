package dissect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// midstream.pcap is 2.5 s from the middle of an ffmpeg publish: no
// handshake, no connect, no Set Chunk Size. tshark shows 73 of its frames
// as "Unknown (0x0)" messages and gets no timestamp right (it starts from
// an all-zero chunk stream state). We must resynchronise at once, infer
// ffmpeg's chunk size (4096) and explain every byte.
func TestMidstreamCapture(t *testing.T) {
	col := runCapture(t, "midstream.pcap", reassembly.Options{})
	found := col.diags("resync.found")
	if len(found) == 0 || !strings.Contains(found[0].Text, "chunk size 4096 inferred") {
		t.Fatalf("resync: %+v", found)
	}
	ms := col.messages()
	if len(ms) < 150 {
		t.Fatalf("%d messages", len(ms))
	}
	for _, m := range ms {
		if !m.Inferred || m.Confidence <= 0 || m.Confidence >= 1 || m.InferNote == "" {
			t.Fatalf("message at %d not marked inferred: %+v", m.Offset, m)
		}
		if m.TypeID != event.TypeAudio && m.TypeID != event.TypeVideo && m.TypeID != event.TypeDataAMF0 {
			t.Errorf("unexpected %s at offset %d", m.TypeID.Name(), m.Offset)
		}
	}
	for _, e := range col.events {
		if e.Kind == event.KindConn && e.Conn.Closed {
			a := e.Conn.Account[0]
			if a.Skipped != 0 || a.Header+a.Payload != e.Conn.Bytes[0] {
				t.Errorf("accounting %+v of %d bytes", a, e.Conn.Bytes[0])
			}
			if !e.Conn.MidStream {
				t.Error("not marked mid-stream")
			}
		}
	}
	// Where tshark did frame a message (its non-Unknown rows), type,
	// length and chunk stream agree; its timestamps do not (it assumed a
	// zero base), ours are relative and marked so.
	ref := loadTshark(t, "midstream.pcap")
	byFrame := map[uint64][]*event.Message{}
	for _, m := range ms {
		byFrame[m.Frame] = append(byFrame[m.Frame], m)
	}
	agreed := 0
	for _, r := range ref {
		if strings.Contains(r.info, "Unknown") || r.typeID != int64(event.TypeAudio) && r.typeID != int64(event.TypeVideo) {
			continue
		}
		for _, m := range byFrame[r.frame] {
			if int(m.CSID) == r.csid && int64(m.Length) == r.length && int64(m.TypeID) == r.typeID {
				agreed++
			}
		}
	}
	if agreed == 0 {
		t.Error("no message agrees with tshark's few framed ones")
	}
	t.Logf("%d messages, %d agree with tshark's framed rows", len(ms), agreed)
}

// Derived hostile input: a real publish with some segments of the middle
// dropped (as capture loss). After the gap the dissector resynchronises,
// and every message it emits from then on is the one tshark reports for
// the same frame (timestamps only where not marked relative: the deltas
// of lost messages are unknown).
func TestDroppedSegments(t *testing.T) {
	// extts.pcap is not used here: tshark loses the chunk stream at its
	// 20000 s timestamp jump (frame 578 has no tshark message), so its
	// reference cannot judge what follows a resync there.
	for _, name := range []string{"publish-ng.pcapng", "publish.pcap", "chunksize.pcap"} {
		t.Run(name, func(t *testing.T) {
			conns := recordCapture(t, name)
			ref := loadTshark(t, name)
			rc := conns[0]
			for _, drop := range [][2]int{{40, 43}, {100, 101}, {150, 160}} {
				// Drop c2s Data calls number drop[0]..drop[1] (counting c2s calls).
				mod := &recConn{info: rc.info, last: rc.last}
				n := 0
				var lost int64
				var lostFrom uint64
				for _, k := range rc.calls {
					if k.gap == nil && k.dir == 0 {
						n++
						if n >= drop[0] && n <= drop[1] {
							lost += int64(len(k.data))
							if lostFrom == 0 {
								lostFrom = k.refs[0].Frame
							}
							continue
						}
						if n == drop[1]+1 {
							mod.calls = append(mod.calls, recCall{dir: 0, gap: &flow.Gap{Offset: k.off, Bytes: lost, Reason: event.GapLost, Frame: k.refs[0].Frame}})
						}
					}
					mod.calls = append(mod.calls, k)
				}
				col := &collector{}
				conn := mod.replay(col, Options{}, nil)
				col.conns = []*Conn{conn.Conn}
				found := col.diags("resync.found")
				if len(found) == 0 {
					t.Fatalf("drop %v: no resync; diags %v", drop, diagCodes(col))
				}
				resumed := found[0].Frames[0]
				after := func(m tsharkMsg) bool { return m.frame < resumed }
				diffs, compared := compareTsharkRelaxed(t, col, ref, after)
				for _, d := range diffs {
					t.Errorf("drop %v (%d bytes from frame %d, resumed at frame %d): %s", drop, lost, lostFrom, resumed, d)
				}
				if compared < 20 {
					t.Errorf("drop %v: only %d messages compared", drop, compared)
				}
				skipped := int64(0)
				for _, d := range col.diags("resync.skipped") {
					skipped += d.Length
				}
				t.Logf("drop %v: %d bytes lost at frame %d, %d skipped, resumed at frame %d, %d messages equal to tshark's after", drop, lost, lostFrom, skipped, resumed, compared)
			}
		})
	}
}

// compareTsharkRelaxed is compareTshark for messages decoded after a gap:
// timestamps are compared only where ours is not marked relative, and
// message stream ids only where not guessed.
func compareTsharkRelaxed(t *testing.T, col *collector, ref []tsharkMsg, skip func(tsharkMsg) bool) ([]string, int) {
	var filtered []tsharkMsg
	for _, m := range ref {
		if !skip(m) {
			filtered = append(filtered, m)
		}
	}
	ours := map[string][]*event.Message{}
	for _, m := range col.messages() {
		k := fmt.Sprintf("%d/%d", m.Frame, m.Dir)
		ours[k] = append(ours[k], m)
	}
	var diffs []string
	compared := 0
	for _, m := range col.messages() {
		if m.Frame < filtered[0].frame || m.Dir != 0 {
			continue
		}
		var want *tsharkMsg
		for i := range filtered {
			r := &filtered[i]
			if r.frame == m.Frame && r.csid == int(m.CSID) && r.dstPort == int(col.conns[0].ctx.Info.Server.Port()) && (r.length < 0 || r.length == int64(m.Length)) {
				want = r
				break
			}
		}
		if want == nil {
			diffs = append(diffs, fmt.Sprintf("ours frame %d csid %d type %d len %d has no tshark counterpart", m.Frame, m.CSID, m.TypeID, m.Length))
			continue
		}
		compared++
		if want.typeID >= 0 && int64(m.TypeID) != want.typeID || !m.TS.Inferred && want.ts >= 0 && int64(m.Timestamp) != want.ts ||
			!m.MSIDGuess && want.msid >= 0 && int64(m.MSID) != want.msid {
			diffs = append(diffs, fmt.Sprintf("tshark %v; ours type %d ts %d (relative %v) msid %d", *want, m.TypeID, m.Timestamp, m.TS.Inferred, m.MSID))
		}
	}
	return diffs, compared
}
