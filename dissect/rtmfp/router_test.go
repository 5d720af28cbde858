package rtmfp

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Through the flow router as the pipeline wires it: both flows of the
// play capture are RTMFP (variant rtmfp, transport udp, layers udp+rtmfp),
// sniffed from their first datagram, and carry their messages.
func TestRouter(t *testing.T) {
	c := &collector{}
	r := flow.New(event.ReceiverFunc(c.Emit), []flow.Protocol{Protocol(Options{Keys: loadKeys(t, "rtmfp-play.keys")})}, flow.Options{})
	for _, p := range readUDP(t, "rtmfp-play.pcap") {
		r.UDP(p.Src, p.Dst, p.Payload, event.FrameRef{Frame: p.Frame, Time: p.Time, Len: len(p.Payload)})
	}
	r.Finish()
	var closed []*event.ConnEvent
	msgs := map[event.ConnID]int{}
	for _, e := range c.evs {
		switch e.Kind {
		case event.KindConn:
			if e.Conn.Closed {
				closed = append(closed, e.Conn)
			}
		case event.KindMessage:
			msgs[e.ConnID]++
		}
	}
	if len(closed) != 2 {
		t.Fatalf("%d connections closed, want 2", len(closed))
	}
	for _, ev := range closed {
		in := ev.Info
		if in.Variant != event.VariantRTMFP || in.Transport != event.TransportUDP || in.Rule != "default-key" ||
			len(in.Layers) != 2 || in.Layers[1] != "rtmfp" || !ev.RTMP || in.Server.Port() != 1935 {
			t.Errorf("conn %+v", in)
		}
		if msgs[in.ID] != ev.Messages[0]+ev.Messages[1] || msgs[in.ID] < 200 {
			t.Errorf("conn %v: %d message events, closing event says %v", in.ID, msgs[in.ID], ev.Messages)
		}
	}
}
