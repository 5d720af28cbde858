package flow

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
)

// udpKey names a UDP flow by its two endpoints in a fixed order, so both
// directions find the same flow.
type udpKey struct{ a, b netip.AddrPort }

func keyOf(src, dst netip.AddrPort) udpKey {
	if src.Compare(dst) <= 0 {
		return udpKey{src, dst}
	}
	return udpKey{dst, src}
}

// udpTable keeps the open UDP flows; there is no reassembly for UDP, so
// the router keeps its own table and closes flows idle in capture time.
type udpTable struct {
	r         *Router
	flows     map[udpKey]*udpFlow
	lastSweep time.Time
}

func (t *udpTable) init(r *Router) {
	t.r = r
	t.flows = map[udpKey]*udpFlow{}
}

// udpFlow is one UDP 5-tuple: sniffed from its first datagrams, then passed
// to a datagram handler (or only counted).
type udpFlow struct {
	r       *Router
	info    event.ConnInfo
	head    Head
	decided bool
	held    []heldDatagram
	h       DatagramHandler
	other   bool
	stats   event.FlowStats
	last    time.Time
}

type heldDatagram struct {
	dir  event.Dir
	data []byte
	ref  event.FrameRef
}

// UDP takes one datagram, src to dst, with the frame it came in.
func (r *Router) UDP(src, dst netip.AddrPort, payload []byte, ref event.FrameRef) {
	r.UDPInside(src, dst, payload, ref, nil)
}

// UDPInside is UDP for a datagram that came inside the encapsulation
// encap (tunnels, VLAN tags: capture.Segment.Encap), which a new flow
// names in its ConnInfo.Outer.
func (r *Router) UDPInside(src, dst netip.AddrPort, payload []byte, ref event.FrameRef, encap []capture.Encap) {
	t := &r.udp
	k := keyOf(src, dst)
	f := t.flows[k]
	if f == nil {
		if len(t.flows) >= r.opts.MaxUDPFlows {
			t.sweep(ref.Time, true)
		}
		if len(t.flows) >= r.opts.MaxUDPFlows {
			r.stats.UDPRefused++
			r.stats.UDPPktsRef++
			r.refusedFlow("UDP flow", src, dst, ref.Frame, ref.Time, r.stats.UDPRefused)
			return
		}
		f = r.newUDPFlow(src, dst, ref)
		f.info.Outer = capture.EncapNames(encap)
		t.flows[k] = f
	}
	d := event.C2S
	if src != f.info.Client {
		d = event.S2C
	}
	f.datagram(d, payload, ref)
	t.sweep(ref.Time, false)
}

func (r *Router) newUDPFlow(src, dst netip.AddrPort, ref event.FrameRef) *udpFlow {
	r.stats.Flows++
	f := &udpFlow{r: r, last: ref.Time}
	f.info = event.ConnInfo{ID: r.newID(), Client: src, Server: dst, Transport: event.TransportUDP,
		Orientation: event.OrientFirst, FirstSeen: ref.Time, Frame: ref.Frame}
	// A datagram from a server port is an answer: its receiver is the client.
	if slices.Contains(r.opts.Ports, src.Port()) && !slices.Contains(r.opts.Ports, dst.Port()) {
		f.info.Client, f.info.Server = dst, src
		f.info.Orientation = event.OrientPort
	}
	f.head = Head{Transport: event.TransportUDP, Client: f.info.Client, Server: f.info.Server,
		Orientation: f.info.Orientation, Ports: r.opts.Ports}
	return f
}

func (f *udpFlow) datagram(d event.Dir, data []byte, ref event.FrameRef) {
	st := &f.stats.Dir[d]
	st.Packets++
	st.Bytes += int64(len(data))
	f.stats.LastSeen, f.stats.LastFrame = ref.Time, ref.Frame
	f.last = ref.Time
	if f.decided {
		if f.h != nil {
			f.h.Datagram(d, data, ref)
		}
		return
	}
	cp := append([]byte(nil), data...)
	f.held = append(f.held, heldDatagram{d, cp, ref})
	f.head.Datagrams[d] = append(f.head.Datagrams[d], cp)
	if len(f.head.Data[d]) < f.r.opts.SniffBytes {
		f.head.Data[d] = append(f.head.Data[d], cp...)
	}
	f.sniff(len(f.head.Datagrams[d]) >= f.r.opts.SniffDatagrams)
}

func (f *udpFlow) sniff(final bool) {
	f.head.Final = final
	p, v := f.r.decide(&f.head)
	if v.Decision == NeedMore {
		return
	}
	f.decided = true
	f.info.Variant, f.info.Rule, f.info.Evidence = v.Variant, v.Rule, v.Evidence
	swap := v.Swap
	if swap {
		f.info.Client, f.info.Server = f.info.Server, f.info.Client
		f.info.Orientation = event.OrientHandshake
		f.stats.Dir[0], f.stats.Dir[1] = f.stats.Dir[1], f.stats.Dir[0]
	}
	f.info.Layers = []string{"udp"}
	identify(&f.info)
	f.r.count(f.info.Variant)
	held := f.held
	f.held, f.head = nil, Head{}
	if p == nil {
		f.other = true
		return
	}
	ctx := &Context{Info: &f.info, r: f.r, out: f.r.out}
	f.info.Layers = append(f.info.Layers, p.Name)
	ctx.Emit(event.Event{Kind: event.KindConn, Time: f.info.FirstSeen, Conn: &event.ConnEvent{Info: f.info}})
	if !f.r.opts.CountOnly && p.Datagram != nil {
		f.h = p.Datagram(ctx)
	}
	if f.h == nil {
		return
	}
	for _, h := range held {
		d := h.dir
		if swap {
			d = d.Reverse()
		}
		f.h.Datagram(d, h.data, h.ref)
	}
}

// close ends the flow with how it ended.
func (f *udpFlow) close(end event.End) {
	if !f.decided {
		f.sniff(true)
	}
	f.stats.End = end
	ev := &event.ConnEvent{Closed: true, Stats: &f.stats, First: f.info.FirstSeen, Last: f.stats.LastSeen}
	for i := range ev.Bytes {
		ev.Bytes[i] = f.stats.Dir[i].Bytes
	}
	switch {
	case f.other:
		f.r.stats.OtherPackets += f.stats.Dir[0].Packets + f.stats.Dir[1].Packets
		f.r.stats.OtherBytes += f.stats.Dir[0].Bytes + f.stats.Dir[1].Bytes
	case f.h != nil:
		f.h.Close(ev)
	default:
		ev.RTMP = f.info.Variant.IsRTMP()
	}
	ev.Info = f.info
	f.r.out.Emit(event.Event{Kind: event.KindConn, ConnID: f.info.ID, Time: ev.Last, Conn: ev})
}

// sweep closes the flows idle for longer than UDPIdle, at most once a
// second of capture time unless forced, in connection order.
func (t *udpTable) sweep(now time.Time, force bool) {
	if !force && now.Sub(t.lastSweep) < time.Second {
		return
	}
	t.lastSweep = now
	var idle []*udpFlow
	for k, f := range t.flows {
		if now.Sub(f.last) >= t.r.opts.UDPIdle {
			idle = append(idle, f)
			delete(t.flows, k)
		}
	}
	closeInOrder(idle, event.EndIdle)
}

func closeInOrder(fs []*udpFlow, end event.End) {
	slices.SortFunc(fs, func(a, b *udpFlow) int { return cmp.Compare(a.info.ID, b.info.ID) })
	for _, f := range fs {
		f.close(end)
	}
}

// FinishUDP closes every UDP flow still open (the capture ended), in
// connection order.
func (r *Router) FinishUDP() {
	var all []*udpFlow
	for _, f := range r.udp.flows {
		all = append(all, f)
	}
	clear(r.udp.flows)
	closeInOrder(all, event.EndOpen)
}
