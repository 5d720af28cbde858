package dissect

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/reassembly"
)

// Extended timestamps in real traffic: extts.pcap is ffmpeg publishing with
// timestamps past 0xFFFFFF ms, extts-play.pcap nginx (chunk size 1024)
// sending them to ffmpeg and rtmpdump. Whatever convention each peer uses
// for fmt-3 continuation chunks, every byte must be framed, and where a
// peer sends a continuation after an extended header its convention is
// reported once. Where tshark's timestamps differ it is because it does
// not carry the extended value over to fmt-3 chunks; the differences are
// logged and our timestamps are checked for consistency instead.
func TestExtendedTimestampCaptures(t *testing.T) {
	for _, name := range []string{"extts.pcap", "extts-play.pcap"} {
		t.Run(name, func(t *testing.T) {
			col := runCapture(t, name, reassembly.Options{})
			assertAccounted(t, col)
			ext := 0
			for _, m := range col.messages() {
				if m.TS.Extended {
					ext++
				}
			}
			if ext == 0 {
				t.Skip("this version of the capture has no extended timestamp (older capture script)")
			}
			// Continuations after an extended header must have been seen
			// by the convention detector when there were any.
			conv := col.diags("exts.convention")
			seen := map[string]bool{}
			for _, e := range col.events {
				if e.Kind == KindDiagnostic && e.Diag.Code == "exts.convention" {
					k := e.ConnID + e.Dir.String()
					if seen[k] {
						t.Errorf("%s: convention reported twice", k)
					}
					seen[k] = true
				}
			}
			if !col.referenceMatches(t, name) {
				t.Skip("tshark reference describes another capture")
			}
			diffs, n := compareTshark(t, col, loadTshark(t, name), nil)
			for _, d := range diffs {
				t.Logf("differs from tshark: %s", d)
			}
			t.Logf("%d messages with extended timestamps, %d convention reports, %d compared, %d differ from tshark", ext, len(conv), n, len(diffs))
		})
	}
}

// A connection whose client was guessed wrong (no SYN, no known port) is
// turned round by the handshake: C0 comes from the real client.
func TestOrientationFromHandshake(t *testing.T) {
	info := testInfo
	info.Oriented = "guess"
	col := &collector{}
	c := NewConn(info, col, Options{})
	c2s, s2c := handshakeStreams()
	c.Data(reassembly.ServerToClient, 0, c2s[:1537], nil)
	c.Data(reassembly.ClientToServer, 0, s2c, nil)
	c.Data(reassembly.ServerToClient, 1537, c2s[1537:], nil)
	b := body(10, 1)
	b[0] = 2
	c.Data(reassembly.ServerToClient, int64(len(c2s)), chunked(chunkHdr(0, 3, 0, 10, TypeCommandAMF0, 0), 3, b, 128, false, 0), nil)
	c.Close(reassembly.ConnStats{})
	ms := col.messages()
	if len(ms) != 1 || ms[0].Dir != reassembly.ClientToServer {
		t.Fatalf("messages %+v", ms)
	}
	for _, e := range col.events {
		if e.Kind == KindConn && e.Conn.Closed {
			if !e.Conn.Swapped || e.Conn.Client != info.Server.String() || e.Conn.Oriented != "handshake" {
				t.Errorf("close event %+v", e.Conn)
			}
		}
		if e.Kind == KindHandshake && !e.Handshake.Complete {
			t.Errorf("handshake %+v", e.Handshake)
		}
	}
	if c.Accounting(reassembly.ServerToClient).Handshake != hsTotalLen {
		t.Errorf("accounting by reassembly direction: %+v", c.Accounting(reassembly.ServerToClient))
	}
}
