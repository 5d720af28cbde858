package reassembly

import (
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
)

// Options bound the assembler's memory and say how to orient connections.
type Options struct {
	// ServerPorts are ports on which the server side listens; they orient
	// connections whose SYN was not captured. Default: 1935.
	ServerPorts []uint16
	// MaxPagesPerConn and MaxPagesTotal bound the out-of-order bytes held,
	// in pages of PageSize bytes. When a limit is hit the hole holding the
	// data back is given up on and reported as a gap. Defaults: 4096 and
	// 65536 (about 8 MB per connection and 125 MB in all).
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
	// ResetGrace is how long, in capture time, a connection lives on after
	// an in-sequence RST: if data continues in sequence within it, the RST
	// was corrupt (a flipped bit) and is ignored and reported; otherwise
	// the connection closes as reset. Default 250ms.
	ResetGrace time.Duration
}

// PageSize is the unit of MaxPagesPerConn and MaxPagesTotal (the page size
// of gopacket's reassembler, which these limits were first written for).
const PageSize = 1900

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
	if o.ResetGrace == 0 {
		o.ResetGrace = 250 * time.Millisecond
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
	Implausible   uint64 // segments ignored as corrupt: sequence numbers outside any plausible window
	ResetsIgnored uint64 // RSTs after which the connection went on in sequence
	Conflicts     uint64 // retransmissions whose bytes differ from the bytes delivered
}

// connKey names a connection whichever way a packet travels.
type connKey struct{ lo, hi netip.AddrPort }

func keyOf(a, b netip.AddrPort) connKey {
	if a.Compare(b) <= 0 {
		return connKey{a, b}
	}
	return connKey{b, a}
}

// Assembler turns TCP segments into each connection's two ordered byte
// streams. It is its own reassembler rather than gopacket's: in-order
// segments (nearly all of them) are handed to the Handler straight from
// the packet, without a copy; only out-of-order data is copied and held.
// Connections are kept in order of their first packet, so that whatever
// closes several at once (a flush, the end of the capture) closes them in
// that order and every run prints the same output.
type Assembler struct {
	opts    Options
	factory HandlerFactory
	conns   map[connKey]*conn
	// last is the connection of the previous segment, looked at before
	// the map: segments come in runs of one connection, and hashing two
	// addresses per packet was a twentieth of reassembly's time.
	last    *conn
	order   []*conn // every connection in conns, in order of creation
	stats   Stats
	live    int // connections currently open
	nextID  uint64
	queued  int // out-of-order bytes held, all connections
	maxConn int // MaxPagesPerConn in bytes
	maxAll  int // MaxPagesTotal in bytes
	resets  []*conn

	lastFlush time.Time
	now       time.Time
}

// NewAssembler returns an assembler that hands each connection to a
// Handler made by f.
func NewAssembler(f HandlerFactory, opts Options) *Assembler {
	opts.fill()
	return &Assembler{opts: opts, factory: f, conns: make(map[connKey]*conn),
		maxConn: opts.MaxPagesPerConn * PageSize, maxAll: opts.MaxPagesTotal * PageSize}
}

// Add assembles one decoded TCP segment from packet p.
func (a *Assembler) Add(p capture.Packet, seg *capture.Segment) {
	if seg.PayloadCut {
		a.stats.PayloadCutPkt++
	}
	ts := p.Info.Timestamp
	if ts.After(a.now) {
		a.now = ts
	}
	tcp := seg.TCP
	var c *conn
	if l := a.last; l != nil && (l.key.lo == seg.Src && l.key.hi == seg.Dst || l.key.lo == seg.Dst && l.key.hi == seg.Src) {
		c = l
	} else {
		c = a.conns[keyOf(seg.Src, seg.Dst)]
	}
	if c != nil && c.done && tcp.SYN {
		// A new connection on the same ports (port reuse): the old one
		// has been reported; forget it.
		a.forget(c)
		c = nil
	}
	if c == nil {
		c = a.open(keyOf(seg.Src, seg.Dst), p, seg)
	}
	a.last = c
	if ts.After(c.lastSeen) {
		c.lastSeen = ts
	}
	switch {
	case c.refused:
		a.stats.PktsRefused++
	case c.done:
		// The last ACK of a FIN exchange, or a RST after it: the
		// connection has been reported closed. Absorb them here rather
		// than let them look like a new connection joined mid-stream.
		a.stats.LatePackets++
	default:
		s := 0
		if seg.Src != c.src0 {
			s = 1
		}
		c.segment(s, p, tcp)
	}
	a.maybeFlush()
}

// open makes the connection of a packet not seen before.
func (a *Assembler) open(k connKey, p capture.Packet, seg *capture.Segment) *conn {
	c := &conn{a: a, key: k, src0: seg.Src}
	a.conns[k] = c
	a.order = append(a.order, c)
	if a.live >= a.opts.MaxConns {
		a.stats.ConnsRefused++
		c.refused = true
		if rn, ok := a.factory.(RefusedNotifier); ok {
			rn.Refused(seg.Src, seg.Dst, p.Frame, p.Info.Timestamp, a.stats.ConnsRefused)
		}
		return c
	}
	a.live++
	a.nextID++
	a.stats.Connections++
	tcp := seg.TCP
	info := ConnInfo{ID: a.nextID, FirstSeen: p.Info.Timestamp, Frame: p.Frame, Outer: capture.EncapNames(seg.Encap)}
	// The first packet's sender is taken for the client unless the
	// packet says otherwise.
	switch {
	case tcp.SYN && !tcp.ACK:
		info.Oriented = "syn"
	case tcp.SYN && tcp.ACK:
		info.Oriented, c.flip = "syn", true
	case slices.Contains(a.opts.ServerPorts, uint16(tcp.DstPort)):
		info.Oriented = "port"
	case slices.Contains(a.opts.ServerPorts, uint16(tcp.SrcPort)):
		info.Oriented, c.flip = "port", true
	default:
		// Servers listen on low ports; clients use ephemeral ones.
		info.Oriented = "guess"
		c.flip = tcp.SrcPort < tcp.DstPort
	}
	info.SawSYN = tcp.SYN
	info.Client, info.Server = seg.Src, seg.Dst
	if c.flip {
		info.Client, info.Server = seg.Dst, seg.Src
	}
	c.stats.Info = info
	c.h = a.factory.NewConnection(info)
	c.notes, _ = c.h.(AnomalyHandler)
	return c
}

// RefusedNotifier is implemented by a HandlerFactory that wants to hear
// of each connection refused because MaxConns were open; n counts the
// refusals so far.
type RefusedNotifier interface {
	Refused(src, dst netip.AddrPort, frame uint64, t time.Time, n uint64)
}

// forget drops a connection that has been reported closed.
func (a *Assembler) forget(c *conn) {
	if a.conns[c.key] == c {
		delete(a.conns, c.key)
	}
	if a.last == c {
		a.last = nil
	}
	c.forgotten = true
}

// maybeFlush carries out resets whose grace has passed, gives up on holes
// older than the reorder window and closes idle connections, driven by
// capture time so that a file replays as it was.
func (a *Assembler) maybeFlush() {
	if len(a.resets) > 0 {
		a.settleResets(false)
	}
	if a.lastFlush.IsZero() {
		a.lastFlush = a.now
		return
	}
	if a.now.Sub(a.lastFlush) < a.opts.ReorderWindow/2 {
		return
	}
	a.lastFlush = a.now
	holes := a.now.Add(-a.opts.ReorderWindow)
	idle := a.now.Add(-a.opts.IdleTimeout)
	kept := a.order[:0]
	for _, c := range a.order {
		if c.forgotten {
			continue
		}
		if !c.done && !c.refused {
			for s := range c.half {
				c.flushOlder(s, holes)
			}
			if c.lastSeen.Before(idle) {
				c.end(endIdle)
			}
		}
		if (c.done || c.refused) && c.lastSeen.Before(idle) {
			a.forget(c)
			continue
		}
		kept = append(kept, c)
	}
	clear(a.order[len(kept):])
	a.order = kept
}

// settleResets closes the connections whose RST stood for the grace
// period (all of them at the end of the capture).
func (a *Assembler) settleResets(all bool) {
	kept := a.resets[:0]
	for _, c := range a.resets {
		switch {
		case c.reset == nil || c.done:
		case all || a.now.Sub(c.reset.time) >= a.opts.ResetGrace:
			c.end(endReset)
		default:
			kept = append(kept, c)
			continue
		}
	}
	clear(a.resets[len(kept):])
	a.resets = kept
}

// Tick lets a live capture flush by wall-clock time when no packets come.
func (a *Assembler) Tick(now time.Time) {
	if now.After(a.now) {
		a.now = now
	}
	a.maybeFlush()
}

// Finish delivers everything still buffered, reports the remaining holes
// as gaps and closes every connection, in connection order. Connections
// still open are marked as truncated by the end of the capture.
func (a *Assembler) Finish() {
	a.settleResets(true)
	for _, c := range a.order {
		if !c.done && !c.refused && !c.forgotten {
			c.end(endCapture)
		}
	}
	a.order, a.conns, a.last = nil, make(map[connKey]*conn), nil
}

// Stats returns the assembler's counters.
func (a *Assembler) Stats() Stats { return a.stats }

// windowScale returns the window scale option of a SYN, or -1.
func windowScale(tcp *layers.TCP) int {
	for _, o := range tcp.Options {
		if o.OptionType == layers.TCPOptionKindWindowScale && len(o.OptionData) == 1 {
			return int(min(o.OptionData[0], 14))
		}
	}
	return -1
}
