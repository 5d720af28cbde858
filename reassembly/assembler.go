package reassembly

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	gpr "github.com/gopacket/gopacket/reassembly"

	"github.com/rtmpscope/rtmpscope/capture"
)

// Options bound the assembler's memory and say how to orient connections.
type Options struct {
	// ServerPorts are ports on which the server side listens; they orient
	// connections whose SYN was not captured. Default: 1935.
	ServerPorts []uint16
	// MaxPagesPerConn and MaxPagesTotal bound the out-of-order bytes held
	// (a page holds up to 1900 bytes). When a limit is hit the oldest hole
	// is given up on and reported as a gap. Defaults: 4096 and 65536
	// (about 8 MB per connection and 125 MB in all).
	MaxPagesPerConn int
	MaxPagesTotal   int
	// MaxConns is the most connections followed at once; packets of further
	// connections are counted and not analyzed. Default 10000.
	MaxConns int
	// ReorderWindow is how long, in capture time, out-of-order data waits
	// for a missing segment before the hole is reported as a gap. Default 3s.
	ReorderWindow time.Duration
	// IdleTimeout closes a connection with no packets for this long in
	// capture time. Default 10 minutes.
	IdleTimeout time.Duration
}

func (o *Options) fill() {
	if o.ServerPorts == nil {
		o.ServerPorts = []uint16{1935}
	}
	if o.MaxPagesPerConn == 0 {
		o.MaxPagesPerConn = 4096
	}
	if o.MaxPagesTotal == 0 {
		o.MaxPagesTotal = 65536
	}
	if o.MaxConns == 0 {
		o.MaxConns = 10000
	}
	if o.ReorderWindow == 0 {
		o.ReorderWindow = 3 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 10 * time.Minute
	}
}

// Stats counts what the assembler did.
type Stats struct {
	Connections   uint64 // connections opened
	ConnsRefused  uint64 // connections not followed because of MaxConns
	PktsRefused   uint64 // packets of refused connections
	Gaps          uint64
	GapBytes      int64
	LimitFlushes  uint64 // gaps forced by the page limits
	OpenAtEnd     uint64 // connections still open when the capture ended
	PayloadCutPkt uint64 // segments cut by the snap length
	LatePackets   uint64 // packets of a connection after it closed (final ACKs, RSTs)
}

// Assembler feeds TCP segments to gopacket's reassembler and turns its
// callbacks into Handler events.
type Assembler struct {
	opts    Options
	factory HandlerFactory
	pool    *gpr.StreamPool
	asm     *gpr.Assembler
	stats   Stats
	live    int // connections currently open
	nextID  uint64

	lastFlush time.Time
	now       time.Time
	flushing  bool // gaps delivered now come from a time-based flush
	finishing bool // the capture has ended
	// atEnd holds the connections that closed because the capture ended;
	// Finish reports them in connection order (gopacket flushes its pool in
	// map order, which would make the output differ from run to run).
	atEnd []*stream
}

// NewAssembler returns an assembler that hands each connection to a
// Handler made by f.
func NewAssembler(f HandlerFactory, opts Options) *Assembler {
	opts.fill()
	a := &Assembler{opts: opts, factory: f}
	a.pool = gpr.NewStreamPool(&streamFactory{a: a})
	a.asm = gpr.NewAssembler(a.pool)
	a.asm.MaxBufferedPagesPerConnection = opts.MaxPagesPerConn
	a.asm.MaxBufferedPagesTotal = opts.MaxPagesTotal
	return a
}

// packetContext is the AssemblerContext of one packet. gopacket keeps it
// with every out-of-order page, and gives back only its CaptureInfo through
// ScatterGather.CaptureInfo, so the frame number travels in the
// CaptureInfo's InterfaceIndex: that is how each reassembled byte is traced
// back to its frame. One is allocated per packet for that reason.
type packetContext struct {
	ci gopacket.CaptureInfo
}

func (c *packetContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

func frameOf(ci gopacket.CaptureInfo) uint64 { return uint64(ci.InterfaceIndex) }

// Add assembles one decoded TCP segment from packet p.
func (a *Assembler) Add(p capture.Packet, seg *capture.Segment) {
	if seg.PayloadCut {
		a.stats.PayloadCutPkt++
	}
	ctx := &packetContext{ci: p.Info}
	ctx.ci.InterfaceIndex = int(p.Frame)
	a.now = p.Info.Timestamp
	a.asm.AssembleWithContext(seg.NetFlow, seg.TCP, ctx)
	a.maybeFlush()
}

// maybeFlush gives up on holes older than the reorder window and closes idle
// connections, driven by capture time so that a file replays as it was.
func (a *Assembler) maybeFlush() {
	if a.lastFlush.IsZero() {
		a.lastFlush = a.now
		return
	}
	if a.now.Sub(a.lastFlush) < a.opts.ReorderWindow/2 {
		return
	}
	a.lastFlush = a.now
	a.flushing = true
	a.asm.FlushWithOptions(gpr.FlushOptions{
		T:  a.now.Add(-a.opts.ReorderWindow),
		TC: a.now.Add(-a.opts.IdleTimeout),
	})
	a.flushing = false
}

// Tick lets a live capture flush by wall-clock time when no packets come.
func (a *Assembler) Tick(now time.Time) {
	if now.After(a.now) {
		a.now = now
	}
	a.maybeFlush()
}

// Finish delivers everything still buffered, reports the remaining holes
// as gaps and closes every connection. Connections still open are marked
// as truncated by the end of the capture.
func (a *Assembler) Finish() {
	a.flushing, a.finishing = true, true
	a.asm.FlushAll()
	a.flushing = false
	slices.SortFunc(a.atEnd, func(x, y *stream) int { return cmp.Compare(x.stats.Info.ID, y.stats.Info.ID) })
	for _, s := range a.atEnd {
		s.h.Close(s.stats)
	}
	a.atEnd = nil
}

// Stats returns the assembler's counters.
func (a *Assembler) Stats() Stats { return a.stats }

// streamFactory adapts gopacket's StreamFactory to ours.
type streamFactory struct{ a *Assembler }

func (f *streamFactory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac gpr.AssemblerContext) gpr.Stream {
	a := f.a
	if a.live >= a.opts.MaxConns {
		a.stats.ConnsRefused++
		return &refusedStream{a: a}
	}
	a.live++
	a.nextID++
	a.stats.Connections++
	ci := ac.GetCaptureInfo()
	src := addrPort(netFlow.Src(), tcpFlow.Src())
	dst := addrPort(netFlow.Dst(), tcpFlow.Dst())
	s := &stream{a: a}
	info := ConnInfo{ID: a.nextID, FirstSeen: ci.Timestamp, Frame: frameOf(ci)}
	// gopacket calls the first packet's sender the client; correct that.
	switch {
	case tcp.SYN && !tcp.ACK:
		info.Oriented = "syn"
	case tcp.SYN && tcp.ACK:
		info.Oriented, s.flip = "syn", true
	case slices.Contains(a.opts.ServerPorts, uint16(tcp.DstPort)):
		info.Oriented = "port"
	case slices.Contains(a.opts.ServerPorts, uint16(tcp.SrcPort)):
		info.Oriented, s.flip = "port", true
	default:
		// Servers listen on low ports; clients use ephemeral ones.
		info.Oriented = "guess"
		s.flip = tcp.SrcPort < tcp.DstPort
	}
	info.SawSYN = tcp.SYN
	info.Client, info.Server = src, dst
	if s.flip {
		info.Client, info.Server = dst, src
	}
	s.stats.Info = info
	s.h = a.factory.NewConnection(info)
	return s
}

func addrPort(ip, port gopacket.Endpoint) netip.AddrPort {
	addr, _ := netip.AddrFromSlice(ip.Raw())
	var p uint16
	if r := port.Raw(); len(r) == 2 {
		p = uint16(r[0])<<8 | uint16(r[1])
	}
	return netip.AddrPortFrom(addr, p)
}

// refusedStream stands for a connection beyond MaxConns: its packets are
// counted and ignored.
type refusedStream struct{ a *Assembler }

func (r *refusedStream) Accept(*layers.TCP, gopacket.CaptureInfo, gpr.TCPFlowDirection, gpr.Sequence, *bool, gpr.AssemblerContext) bool {
	r.a.stats.PktsRefused++
	return false
}
func (r *refusedStream) ReassembledSG(gpr.ScatterGather, gpr.AssemblerContext) {}
func (r *refusedStream) ReassemblyComplete(gpr.AssemblerContext) bool          { return true }
