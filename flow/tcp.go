package flow

import (
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// NewConnection implements reassembly.HandlerFactory: every TCP connection
// reassembly finds becomes a flow the router sniffs.
func (r *Router) NewConnection(ri reassembly.ConnInfo) reassembly.Handler {
	r.stats.Flows++
	f := &tcpFlow{r: r}
	f.info = event.ConnInfo{
		ID: r.newID(), Client: ri.Client, Server: ri.Server, Transport: event.TransportTCP,
		SawSYN: ri.SawSYN, FirstSeen: ri.FirstSeen, Frame: ri.Frame, Outer: ri.Outer,
	}
	switch ri.Oriented {
	case "syn":
		f.info.Orientation = event.OrientSYN
	case "port":
		f.info.Orientation = event.OrientPort
	default:
		f.info.Orientation = event.OrientGuess
	}
	f.head = Head{Transport: event.TransportTCP, Client: ri.Client, Server: ri.Server,
		Orientation: f.info.Orientation, Ports: r.opts.Ports}
	return f
}

// call is a Data or Gap call held while the flow is sniffed.
type call struct {
	dir  event.Dir
	gap  bool
	g    Gap
	off  int64
	data []byte
	refs []event.FrameRef
}

// tcpFlow is one TCP connection as the router sees it: sniffed until
// decided, then passed to its handler (or only counted).
type tcpFlow struct {
	r       *Router
	info    event.ConnInfo
	head    Head
	decided bool
	swap    bool // reassembly's client is the server
	started [2]bool
	gapped  [2]bool  // a gap came before or during the head of this direction
	broken  [2]bool  // a gap came after the head began: it stops growing
	base    [2]int64 // stream offset of the head's first byte
	held    []call
	heldN   [2]int
	h       StreamHandler
	ctx     *Context
	other   bool
}

func (f *tcpFlow) dir(d reassembly.Direction) event.Dir {
	out := event.Dir(d)
	if f.swap {
		out = out.Reverse()
	}
	return out
}

// Data implements reassembly.Handler.
func (f *tcpFlow) Data(d reassembly.Direction, off int64, data []byte, refs []reassembly.FrameRef) {
	if f.decided {
		f.deliver(f.dir(d), off, data, refs)
		return
	}
	i := int(d)
	if !f.started[i] {
		f.started[i] = true
		f.head.FromStart[i] = off == 0 && !f.gapped[i]
		f.base[i] = off
	}
	if !f.broken[i] && off == f.base[i]+int64(len(f.head.Data[i])) {
		f.head.Data[i] = append(f.head.Data[i], data...)
	}
	f.held = append(f.held, call{dir: event.Dir(d), off: off, data: append([]byte(nil), data...), refs: append([]event.FrameRef(nil), refs...)})
	f.heldN[i] += len(data)
	f.sniff(f.heldN[i] >= f.r.opts.SniffBytes)
}

// Gap implements reassembly.Handler.
func (f *tcpFlow) Gap(d reassembly.Direction, g reassembly.Gap) {
	fg := Gap{Offset: g.Offset, Bytes: g.Bytes, Reason: g.Reason, Frame: g.Frame, Time: g.Time}
	if f.decided {
		if f.h != nil {
			f.h.Gap(f.dir(d), fg)
		}
		return
	}
	f.gapped[d] = true
	if f.started[d] {
		f.broken[d] = true // the head must be contiguous
	}
	f.held = append(f.held, call{dir: event.Dir(d), gap: true, g: fg})
}

// sniff asks the sniffers and, once they decide, opens the connection and
// replays what was held.
func (f *tcpFlow) sniff(final bool) {
	f.head.Final = final
	p, v := f.r.decide(&f.head)
	if v.Decision == NeedMore {
		return
	}
	f.decided = true
	f.info.Variant, f.info.Rule, f.info.Evidence = v.Variant, v.Rule, v.Evidence
	if v.Swap {
		f.swap = true
		f.info.Client, f.info.Server = f.info.Server, f.info.Client
		f.info.Orientation = event.OrientHandshake
	}
	f.info.Layers = []string{"tcp"}
	identify(&f.info)
	f.r.count(f.info.Variant)
	held := f.held
	f.held, f.head = nil, Head{}
	if p == nil {
		// Other flows are counted from the transport's figures at close;
		// what was held is dropped.
		f.other = true
		return
	}
	f.ctx = &Context{Info: &f.info, r: f.r, out: f.r.out, openPending: true}
	f.info.Layers = append(f.info.Layers, p.Name)
	f.h = f.r.makeStream(p, f.ctx)
	f.ctx.settle()
	for _, c := range held {
		d := c.dir
		if f.swap {
			d = d.Reverse()
		}
		if c.gap {
			if f.h != nil {
				f.h.Gap(d, c.g)
			}
			continue
		}
		f.deliver(d, c.off, c.data, c.refs)
	}
}

func (f *tcpFlow) deliver(d event.Dir, off int64, data []byte, refs []event.FrameRef) {
	if f.h != nil {
		f.h.Data(d, off, data, refs)
	}
}

// Close implements reassembly.Handler.
func (f *tcpFlow) Close(st reassembly.ConnStats) {
	if !f.decided {
		f.sniff(true)
	}
	fs := &event.FlowStats{LastSeen: st.LastSeen, LastFrame: st.LastFrame}
	for i := 0; i < 2; i++ {
		s := st.Dir[i]
		d := f.dir(reassembly.Direction(i))
		fs.Dir[d] = event.DirStats{Packets: s.Packets, Bytes: s.Bytes, GapBytes: s.GapBytes, Gaps: s.Gaps,
			Retrans: s.Retrans, OutOfOrder: s.OutOfOrd, MidStream: s.MidStream,
			CloseFrame: s.CloseFrame, Reset: s.Reset}
	}
	switch {
	case st.RST:
		fs.End = event.EndRST
	case st.FIN:
		fs.End = event.EndFIN
	case st.TimedOut:
		fs.End = event.EndIdle
	default:
		fs.End = event.EndOpen
	}
	ev := &event.ConnEvent{Closed: true, Stats: fs, First: f.info.FirstSeen, Last: st.LastSeen}
	for i := 0; i < 2; i++ {
		ev.MidStream = ev.MidStream || fs.Dir[i].MidStream
	}
	if f.other {
		f.r.stats.OtherPackets += fs.Dir[0].Packets + fs.Dir[1].Packets
		f.r.stats.OtherBytes += fs.Dir[0].Bytes + fs.Dir[1].Bytes
		for i := 0; i < 2; i++ {
			ev.Bytes[i] = fs.Dir[i].Bytes
		}
	} else if f.h != nil {
		f.h.Close(ev)
	} else {
		// Counting only: the transport's figures are all there is.
		for i := 0; i < 2; i++ {
			ev.Bytes[i] = fs.Dir[i].Bytes
		}
		ev.RTMP = f.info.Variant.IsRTMP()
	}
	f.ctx.flushOpen()
	ev.Info = f.info
	if ev.Last.Before(st.LastSeen) {
		ev.Last = st.LastSeen
	}
	f.r.out.Emit(event.Event{Kind: event.KindConn, ConnID: f.info.ID, Time: ev.Last, Conn: ev})
}
