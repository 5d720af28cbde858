package dissect

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// FuzzSniff: the RTMP sniffer on any first bytes of a flow, as either side,
// from the start or not, final or not. Seeds are the first bytes of real
// captures (a handshake, a mid-stream join, an RTMPE handshake).
func FuzzSniff(f *testing.F) {
	f.Fuzz(func(t *testing.T, c, s []byte, flags uint8, port uint16) {
		h := &flow.Head{
			Transport: event.TransportTCP,
			Client:    netip.MustParseAddrPort("10.0.0.1:50000"),
			Server:    netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), port),
			Data:      [2][]byte{c, s},
			FromStart: [2]bool{flags&1 != 0, flags&2 != 0},
			Final:     flags&4 != 0,
			Ports:     []uint16{1935},
		}
		v := Sniff(h)
		switch v.Decision {
		case flow.Yes, flow.Weak:
			if v.Evidence == "" || v.Rule == "" {
				t.Fatalf("%v without rule or evidence: %+v", v.Decision, v)
			}
		case flow.No, flow.NeedMore:
		default:
			t.Fatalf("decision %v", v.Decision)
		}
		if v.Decision == flow.NeedMore && h.Final {
			t.Fatalf("NeedMore on a final head")
		}
	})
}

// FuzzControl: protocol control and user control bodies of any length;
// Malformed is set exactly when the length is not the type's.
func FuzzControl(f *testing.F) {
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		ct := event.MsgType(typ%6 + 1)
		if ct == event.TypeUserControl {
			u := decodeUserControl(body)
			if len(body) < 2 && !u.Malformed {
				t.Fatal("a truncated user control is not malformed")
			}
			_ = u.Summary()
			return
		}
		c := decodeControl(ct, body)
		want := 4
		if ct == event.TypeSetPeerBandwidth {
			want = 5
		}
		if c.Malformed != (len(body) != want) {
			t.Fatalf("%s of %d bytes: malformed %v", ct.Name(), len(body), c.Malformed)
		}
		_ = c.Summary()
	})
}

// TestWriteFuzzSeedsMore writes the seeds of FuzzSniff and FuzzControl
// from the real captures when DISSECT_WRITE_SEEDS is set.
func TestWriteFuzzSeedsMore(t *testing.T) {
	if os.Getenv("DISSECT_WRITE_SEEDS") == "" {
		t.Skip("set DISSECT_WRITE_SEEDS=1 to rewrite the fuzz seeds from the captures")
	}
	write := func(target, name string, vals ...any) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := "go test fuzz v1\n"
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				s += fmt.Sprintf("[]byte(%q)\n", v)
			case uint8:
				s += fmt.Sprintf("byte(%q)\n", v)
			case uint16:
				s += fmt.Sprintf("uint16(%d)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"play.pcap", "midstream.pcap", "otherport.pcap"} {
		conns := recordCapture(t, name)
		if len(conns) == 0 {
			continue
		}
		a, b := conns[0].stream(0), conns[0].stream(1)
		a, b = a[:min(len(a), 400)], b[:min(len(b), 400)]
		write("FuzzSniff", name+"-start", a, b, uint8(7), uint16(1935))
		write("FuzzSniff", name+"-partial", a[:min(len(a), 200)], []byte{}, uint8(1), uint16(19999))
	}
	n := 0
	for _, name := range []string{"publish.pcap", "play.pcap"} {
		col := runCapture(t, name, reassembly.Options{})
		for _, m := range col.messages() {
			if m.TypeID >= 1 && m.TypeID <= 6 && len(m.Body) > 0 && n < 16 {
				write("FuzzControl", fmt.Sprintf("%s-%d", name, n), uint8(m.TypeID-1), m.Body)
				n++
			}
		}
	}
}
