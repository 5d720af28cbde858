package dissect

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// Extended timestamps in real traffic: extts.pcap is ffmpeg publishing with
// timestamps past 0xFFFFFF ms that jump by +20000 s at 2 s, extts-play.pcap
// nginx (chunk size 1024) sending them to ffmpeg and rtmpdump. Every byte must
// be framed, each peer's fmt-3 convention reported once, and every message
// must agree with tshark except where tshark is wrong, in two known ways that
// the test checks precisely:
//
//  1. At the jump, ffmpeg (and nginx, relaying) send a fmt 1 header whose
//     extended field is a *delta* (20000040 ms on video, 20000023 on audio).
//     The spec says a fmt 1/2 extended field replaces the 3-byte delta; tshark
//     (4.0) takes it as the absolute timestamp instead. So from that message
//     on, on that chunk stream, tshark's timestamps are short by exactly the
//     timestamp the delta applied to (16791960 ms for video: ffmpeg's
//     -output_ts_offset 16790 s plus 1.96 s), and ours match the capture
//     script (16790 s + 20000 s + t).
//  2. In extts.pcap tshark loses the 7142-byte keyframe carrying that delta
//     (frame 578, 7 chunks) altogether: its RTMPT dissector hits a failed
//     assertion ("Dissector bug") on the fmt-3 continuations that repeat the
//     extended field. We must have that message, whole, with the delta.
func TestExtendedTimestampCaptures(t *testing.T) {
	for _, name := range []string{"extts.pcap", "extts-play.pcap"} {
		t.Run(name, func(t *testing.T) {
			col := runCapture(t, name, reassembly.Options{})
			assertAccounted(t, col, "ts.jump") // TestTimestampJumps
			seen := map[string]bool{}
			for _, e := range col.events {
				if e.Kind == event.KindDiagnostic && e.Diag.Code == "exts.convention" {
					k := e.ConnID.String() + e.Dir.String()
					if seen[k] {
						t.Errorf("%s: convention reported twice", k)
					}
					seen[k] = true
				}
			}
			if len(seen) == 0 {
				t.Error("no extended-timestamp convention reported")
			}
			if !col.referenceMatches(t, name) {
				t.Fatal("tshark reference describes another capture")
			}
			checkExtendedAgainstTshark(t, name, col, loadTshark(t, name))
		})
	}
}

func checkExtendedAgainstTshark(t *testing.T, name string, col *collector, ref []tsharkMsg) {
	type key struct {
		frame        uint64
		csid         int
		typeID, size int64
	}
	// Our messages by identity, and for each the extended-delta message
	// that last reset its chunk stream's base (the one tshark misreads).
	type ours struct {
		m    *event.Message
		jump *event.Message
		used bool
	}
	byKey := map[key][]*ours{}
	var all []*ours
	lastJump := map[string]*event.Message{}
	for _, e := range col.events {
		if e.Kind != event.KindMessage {
			continue
		}
		m := e.Message
		stream := e.ConnID.String() + e.Dir.String() + strconv.Itoa(int(m.CSID))
		if m.TS.Extended && m.TS.Fmt != 0 {
			lastJump[stream] = m
		} else if m.TS.Fmt == 0 {
			delete(lastJump, stream)
		}
		o := &ours{m: m, jump: lastJump[stream]}
		k := key{m.Frame, int(m.CSID), int64(m.TypeID), int64(m.Length)}
		byKey[k] = append(byKey[k], o)
		all = append(all, o)
	}
	shifted := 0
	for _, want := range ref {
		// fmt 2/3 headers carry no type or length: tshark gives -1 and
		// those rows match on frame and chunk stream alone.
		var got *ours
		for k, os := range byKey {
			if k.frame != want.frame || k.csid != want.csid ||
				want.typeID >= 0 && k.typeID != want.typeID || want.length >= 0 && k.size != want.length {
				continue
			}
			for _, o := range os {
				if !o.used && (got == nil || o.m.Offset < got.m.Offset) {
					got = o
				}
			}
		}
		if got == nil {
			t.Errorf("tshark has a message we lack: %v", want)
			continue
		}
		got.used = true
		if want.ts < 0 || int64(got.m.Timestamp) == want.ts {
			continue
		}
		// Case 1: tshark took an extended delta as absolute.
		if got.jump == nil {
			t.Errorf("frame %d csid %d: ts %d, tshark %d, and no extended delta explains it", want.frame, want.csid, got.m.Timestamp, want.ts)
			continue
		}
		base := int64(got.jump.Timestamp) - int64(got.jump.TS.Field)
		if int64(got.m.Timestamp)-want.ts != base {
			t.Errorf("frame %d csid %d: ts %d, tshark %d: difference %d, want the base %d that tshark dropped at frame %d",
				want.frame, want.csid, got.m.Timestamp, want.ts, int64(got.m.Timestamp)-want.ts, base, got.jump.Frame)
		}
		shifted++
	}
	if shifted == 0 {
		t.Error("no message shows tshark's extended-delta error; has the capture changed?")
	}
	// Case 2: what tshark lost.
	var lost []*event.Message
	for _, o := range all {
		if !o.used {
			lost = append(lost, o.m)
		}
	}
	switch name {
	case "extts.pcap":
		if len(lost) != 1 {
			t.Fatalf("tshark lacks %d of our messages, want exactly the keyframe at the jump", len(lost))
		}
		m := lost[0]
		if m.Frame != 578 || m.TypeID != 9 || m.Length != 7142 || m.ChunkCount != 7 || !m.TS.Extended || m.TS.Fmt != 1 || m.TS.Field != 20000040 {
			t.Errorf("the message tshark lost: frame %d type %d len %d chunks %d ts %+v", m.Frame, m.TypeID, m.Length, m.ChunkCount, m.TS)
		}
		// The capture script: -output_ts_offset 16790 s, +20000 s at 2 s.
		if m.Timestamp < 36_791_000 || m.Timestamp > 36_793_000 {
			t.Errorf("jump keyframe at %d ms, want 16790 s + 20000 s + ~2 s", m.Timestamp)
		}
	default:
		for _, m := range lost {
			t.Errorf("tshark lacks our message at frame %d", m.Frame)
		}
	}
	t.Logf("%d messages compared, %d with tshark's extended-delta error, %d tshark lost", len(ref), shifted, len(lost))
}

// A connection whose client was guessed wrong (no SYN, no known port) is
// turned round by the sniffer: C0+C1 from the side taken for the server
// means that side is the client (the server never speaks first).
func TestOrientationFromHandshake(t *testing.T) {
	c2s, _ := handshakeStreams()
	h := &flow.Head{Transport: event.TransportTCP, Server: testInfo.Server}
	h.Data[event.S2C], h.FromStart[event.S2C] = c2s[:1537], true
	v := Sniff(h)
	if v.Decision != flow.Yes || !v.Swap || v.Variant != event.VariantRTMP || v.Rule != "handshake" {
		t.Fatalf("sniff: %+v", v)
	}
	// The same bytes from the side taken for the client: no swap.
	h = &flow.Head{Transport: event.TransportTCP, Server: testInfo.Server}
	h.Data[event.C2S], h.FromStart[event.C2S] = c2s[:1537], true
	if v := Sniff(h); v.Decision != flow.Yes || v.Swap {
		t.Fatalf("sniff: %+v", v)
	}
}

// ts.jump marks the discontinuities the capture script made, and nothing
// else: in extts.pcap ffmpeg sends its sequence headers at 0 and the first
// frames at the 16790 s offset (frame 30), then jumps +20000 s at 2 s
// (frames 578 video, 582 audio); nginx relays the second jump to the
// player that joined before it (extts-play.pcap). No clean capture has one.
func TestTimestampJumps(t *testing.T) {
	want := map[string][]uint64{"extts.pcap": {30, 30, 578, 582}, "extts-play.pcap": {117, 119}}
	for _, tc := range cleanCaptures {
		want[tc.name] = nil
	}
	for name, frames := range want {
		col := runCapture(t, name, reassembly.Options{ServerPorts: []uint16{19999}})
		var got []uint64
		for _, d := range col.diags("ts.jump") {
			got = append(got, d.Frames[0])
		}
		if fmt.Sprint(got) != fmt.Sprint(frames) {
			t.Errorf("%s: ts.jump at frames %v, want %v", name, got, frames)
		}
	}
}
