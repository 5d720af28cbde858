package dissect

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// ackwin.pcap: nginx announces Window Acknowledgement Size 40000 (its
// ack_window) to an rtmpdump player (c1) and an ffmpeg player (c2), which
// acknowledge the server's bytes many times: librtmp at a tenth of the
// window, ffmpeg at half of it. Every count must agree with tshark's
// reference, and a clean capture gets no acknowledgement diagnostic.
func TestAckWindowCapture(t *testing.T) {
	const window = 40000 // ack_window in testdata/pcaps/nginx-rtmp.conf.in
	col := runCapture(t, "ackwin.pcap", reassembly.Options{})
	if !col.referenceMatches(t, "ackwin.pcap") {
		t.Fatal("tshark reference describes another capture")
	}
	// tshark's acknowledgements per connection (client port), in order.
	theirs := map[int][]uint32{}
	for _, m := range loadTshark(t, "ackwin.pcap") {
		// Most are fmt 3 headers (no type field): match tshark's summary.
		v, ok := strings.CutPrefix(m.info, "Acknowledgement ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			t.Fatalf("frame %d: tshark info %q", m.frame, m.info)
		}
		theirs[m.srcPort] = append(theirs[m.srcPort], uint32(n))
	}
	if len(theirs) != 2 {
		t.Fatalf("tshark shows acknowledgements from %d clients, want 2", len(theirs))
	}
	for _, code := range []string{"ack.missing", "ack.beyond_sent"} {
		for _, d := range col.diags(code) {
			t.Errorf("clean capture: %s %s", d.Code, d.Text)
		}
	}
	closed := 0
	for _, e := range col.events {
		if e.Kind != event.KindConn || !e.Conn.Closed {
			continue
		}
		closed++
		c := e.Conn
		port := int(c.Info.Client.Port())
		want := theirs[port]
		a := c.Acks[event.S2C]
		if a.Window != window {
			t.Errorf("%s: server window %d, want %d", e.ConnID, a.Window, window)
		}
		if a.Acks != len(want) || len(want) == 0 || a.LastAck != want[len(want)-1] {
			t.Errorf("%s: %d acks, last %d; tshark %d, %v", e.ConnID, a.Acks, a.LastAck, len(want), want)
		}
		// Nothing acknowledges more than the server sent, and each
		// player acknowledged within the window (plus the message that
		// crossed it).
		if int64(a.LastAck) > c.Bytes[event.S2C] {
			t.Errorf("%s: last ack %d beyond the %d bytes sent", e.ConnID, a.LastAck, c.Bytes[event.S2C])
		}
		if a.MaxUnacked <= 0 || a.MaxUnacked > 2*window {
			t.Errorf("%s: at most %d bytes unacknowledged, want within two windows", e.ConnID, a.MaxUnacked)
		}
		t.Logf("%s %s: window %d, %d acks, last %d, max unacknowledged %d", e.ConnID, c.Info.Client.String(), a.Window, a.Acks, a.LastAck, a.MaxUnacked)
	}
	if closed != 2 {
		t.Fatalf("%d connections, want 2", closed)
	}
}

// The same real connections, with one field changed, must be reported:
// a server announcing a window ten times smaller than the one the players
// obeyed (so the players "stop" acknowledging), and an acknowledgement
// claiming ten times the bytes received.
func TestAckDiagnosticsDerived(t *testing.T) {
	conns := recordCapture(t, "ackwin.pcap")
	for _, rc := range conns {
		// Find, in a clean run, the Window Ack Size the server sent and
		// the client's last Acknowledgement, by stream offset.
		col := &collector{}
		rc.replay(col, Options{}, nil)
		var was, ack *event.Message
		for _, m := range col.messages() {
			switch {
			case m.TypeID == event.TypeWindowAckSize && m.Dir == event.S2C && was == nil:
				was = m
			case m.TypeID == event.TypeAck && m.Dir == event.C2S:
				ack = m
			}
		}
		if was == nil || ack == nil {
			t.Fatalf("c%d: no window or acknowledgement", rc.info.ID)
		}
		t.Run(rc.info.Client.String()+"/small-window", func(t *testing.T) {
			patched := rc.patched(event.S2C, was.Offset+int64(was.Chunks[0].HeaderLen), func(b []byte) {
				binary.BigEndian.PutUint32(b, binary.BigEndian.Uint32(b)/10)
			})
			col := &collector{}
			patched.replay(col, Options{}, nil)
			if len(col.diags("ack.missing")) == 0 {
				t.Error("no ack.missing when the window is a tenth of what the player obeyed")
			}
		})
		t.Run(rc.info.Client.String()+"/ack-beyond", func(t *testing.T) {
			patched := rc.patched(event.C2S, ack.Offset+int64(ack.Chunks[0].HeaderLen), func(b []byte) {
				binary.BigEndian.PutUint32(b, binary.BigEndian.Uint32(b)*10)
			})
			col := &collector{}
			patched.replay(col, Options{}, nil)
			ds := col.diags("ack.beyond_sent")
			if len(ds) != 1 || ds[0].Frames[0] != ack.Frame {
				t.Errorf("ack.beyond_sent %+v, want one at frame %d", ds, ack.Frame)
			}
		})
	}
}

// patched returns a copy of the recording with the 4 bytes at stream
// offset off of direction dir rewritten by f.
func (c *recConn) patched(dir event.Dir, off int64, f func([]byte)) *recConn {
	out := &recConn{info: c.info, last: c.last}
	var buf [4]byte
	// Gather the 4 bytes (they may straddle two deliveries), rewrite, scatter.
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			f(buf[:])
		}
		for _, k := range c.calls {
			if k.gap != nil || k.dir != dir {
				continue
			}
			for i := range buf {
				p := off + int64(i) - k.off
				if p >= 0 && p < int64(len(k.data)) {
					if pass == 0 {
						buf[i] = k.data[p]
					}
				}
			}
		}
	}
	for _, k := range c.calls {
		if k.gap == nil && k.dir == dir {
			k.data = append([]byte(nil), k.data...)
			for i := range buf {
				if p := off + int64(i) - k.off; p >= 0 && p < int64(len(k.data)) {
					k.data[p] = buf[i]
				}
			}
		}
		out.calls = append(out.calls, k)
	}
	return out
}
