package flow

import (
	"net/netip"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// sniffFor is a sniffer that says Yes when the client's first byte is b,
// NeedMore before any byte, No otherwise; weak makes it answer Weak instead
// of No.
func sniffFor(b byte, weak bool) func(*Head) Verdict {
	return func(h *Head) Verdict {
		c := h.Data[event.C2S]
		if len(c) == 0 && len(h.Datagrams[event.C2S]) == 0 {
			if h.Final {
				return Verdict{Decision: No}
			}
			return Verdict{Decision: NeedMore}
		}
		if len(c) > 0 && c[0] == b {
			return Verdict{Decision: Yes, Variant: event.VariantRTMFP, Rule: "byte", Evidence: "first byte"}
		}
		if weak {
			return Verdict{Decision: Weak, Variant: event.VariantRTMFP, Rule: "port"}
		}
		return Verdict{Decision: No}
	}
}

type countingHandler struct{ n *int }

func (h countingHandler) Datagram(event.Dir, []byte, event.FrameRef) { *h.n++ }
func (h countingHandler) Close(ev *event.ConnEvent)                  { ev.RTMP = true }

// UDP flows: sniffed from their first datagrams, the winner's handler gets
// every datagram (those held while sniffing too), flows that match nothing
// are "other" with only a closing conn event, idle flows close in capture
// time, and ids follow the first packet.
func TestUDPRouting(t *testing.T) {
	var evs []event.Event
	got := 0
	p := Protocol{Name: "x", Transport: event.TransportUDP, Sniff: sniffFor(0x7e, false),
		Datagram: func(*Context) DatagramHandler { return countingHandler{&got} }}
	r := New(event.ReceiverFunc(func(e event.Event) { evs = append(evs, e) }), []Protocol{p}, Options{UDPIdle: time.Minute})
	a, b := netip.MustParseAddrPort("10.0.0.1:5000"), netip.MustParseAddrPort("10.0.0.2:1935")
	o := netip.MustParseAddrPort("10.0.0.3:53")
	t0 := time.Unix(1000, 0)
	r.UDP(a, b, []byte{0x7e, 1}, event.FrameRef{Frame: 1, Time: t0})
	r.UDP(b, a, []byte{0x7f}, event.FrameRef{Frame: 2, Time: t0})
	r.UDP(a, o, []byte{0x00}, event.FrameRef{Frame: 3, Time: t0})
	// Two minutes later both are idle; a new datagram sweeps them.
	r.UDP(o, b, []byte{0x7e}, event.FrameRef{Frame: 4, Time: t0.Add(2 * time.Minute)})
	r.Finish()
	if got != 3 {
		t.Errorf("handler got %d datagrams, want 3", got)
	}
	var kinds []string
	for _, e := range evs {
		s := e.ConnID.String() + " " + e.Kind.String()
		if e.Conn != nil {
			s += " " + e.Conn.Info.Variant.String()
			if e.Conn.Closed {
				s += " closed " + e.Conn.Stats.End.String()
			}
		}
		kinds = append(kinds, s)
	}
	want := []string{"c1 conn rtmfp", "c3 conn rtmfp", "c1 conn rtmfp closed idle", "c2 conn other closed idle", "c3 conn rtmfp closed open"}
	if len(kinds) != len(want) {
		t.Fatalf("events %q, want %q", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("event %d: %q, want %q", i, kinds[i], want[i])
		}
	}
	// Port 1935 is a server port: the datagram from it is an answer.
	if evs[1].Conn.Info.Client != o || evs[1].Conn.Info.Orientation != event.OrientFirst {
		t.Errorf("c3 oriented %+v", evs[1].Conn.Info)
	}
	if evs[0].Conn.Info.UID == "" || evs[0].Conn.Info.CommunityID == "" {
		t.Errorf("c1 without uid or community id: %+v", evs[0].Conn.Info)
	}
}

// A Weak verdict is taken only when no sniffer needs more bytes and none
// says Yes.
func TestDecideWeak(t *testing.T) {
	r := New(event.ReceiverFunc(func(event.Event) {}), []Protocol{
		{Name: "weak", Transport: event.TransportTCP, Sniff: sniffFor(1, true)},
		{Name: "strong", Transport: event.TransportTCP, Sniff: sniffFor(2, false)},
	}, Options{})
	h := &Head{Transport: event.TransportTCP}
	if _, v := r.decide(h); v.Decision != NeedMore {
		t.Errorf("empty head: %+v", v)
	}
	h.Data[event.C2S] = []byte{2}
	if p, v := r.decide(h); p == nil || p.Name != "strong" || v.Decision != Yes {
		t.Errorf("strong: %v %+v", p, v)
	}
	h.Data[event.C2S] = []byte{9}
	if p, v := r.decide(h); p == nil || p.Name != "weak" || v.Decision != Weak {
		t.Errorf("weak: %v %+v", p, v)
	}
	h.Data[event.C2S] = nil
	h.Final = true
	if p, v := r.decide(h); p != nil || v.Variant != event.VariantOther || v.Rule != "no-payload" {
		t.Errorf("nothing: %v %+v", p, v)
	}
}
