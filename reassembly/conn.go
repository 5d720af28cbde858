package reassembly

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
)

// conn is one TCP connection. Its two halves are indexed by sender: 0 is
// the side that sent the connection's first packet, 1 the other; flip
// maps them to the client/server Direction.
type conn struct {
	a         *Assembler
	key       connKey
	src0      netip.AddrPort
	flip      bool
	h         Handler
	notes     AnomalyHandler // h, when it wants to hear of anomalies
	stats     ConnStats
	half      [2]half
	lastSeen  time.Time
	refused   bool // beyond MaxConns: counted only
	done      bool // Close was called
	forgotten bool // removed from the assembler's table
	reset     *pendingReset
	refs      [1]FrameRef // the one-segment delivery's frame ref, reused
}

// half is one direction's sequence space.
type half struct {
	started bool
	closed  bool   // FIN reached in sequence, or reset
	next    uint32 // the sequence number of the next byte expected
	off     int64  // its stream offset
	// A FIN seen ahead of next, and where it ends the stream.
	finAhead bool
	finOff   int64
	queue    []held // out-of-order data, by offset
	queued   int    // bytes in queue
	scale    int    // window scale from this side's SYN, -1 unknown
	window   uint32 // the window this side last advertised (unscaled)
	winKnown bool
	recent   recent // the last bytes delivered, to check retransmissions
}

// held is a segment that arrived ahead of a hole, copied.
type held struct {
	off   int64
	data  []byte
	frame uint64
	time  time.Time
}

// pendingReset is an in-sequence RST waiting out its grace period.
type pendingReset struct {
	time   time.Time
	frame  uint64
	sender int
}

func (c *conn) dir(s int) Direction {
	d := Direction(s)
	if c.flip {
		d = d.Reverse()
	}
	return d
}

// segment takes one packet of sender s.
func (c *conn) segment(s int, p capture.Packet, tcp *layers.TCP) {
	a := c.a
	d := c.dir(s)
	st := &c.stats.Dir[d]
	st.Packets++
	ts := p.Info.Timestamp
	c.stats.LastSeen = ts
	c.stats.LastFrame = p.Frame
	if tcp.FIN {
		c.stats.FIN = true
	}
	if (tcp.FIN || tcp.RST) && st.CloseFrame == 0 {
		st.CloseFrame, st.Reset = p.Frame, tcp.RST
	}
	h := &c.half[s]
	seq := tcp.Seq
	if !h.started {
		h.started = true
		h.scale = -1
		if tcp.SYN {
			seq++ // the SYN takes one sequence number
			h.scale = windowScale(tcp)
		} else {
			// The capture began after this direction's SYN: start from
			// the first byte we have, and say that what came before is
			// unknown.
			st.MidStream = true
			st.Gaps++
			a.stats.Gaps++
			c.h.Gap(d, Gap{Offset: 0, Bytes: -1, Reason: GapMidStream, Frame: p.Frame, Time: ts})
		}
		h.next = seq
	} else if tcp.SYN {
		// A SYN on a synchronized half is answered with a challenge ACK
		// and dropped by the receiver (RFC 5961).
		return
	}
	h.window, h.winKnown = uint32(tcp.Window), true
	if h.closed {
		// After this side's FIN only an in-sequence RST still counts
		// (a client that closes and then resets).
		if tcp.RST && seq == h.next && c.reset == nil {
			c.startReset(s, p)
		}
		return
	}
	payload := tcp.Payload
	diff := int64(int32(seq - h.next))
	switch {
	case diff > 0:
		// Ahead of a hole.
		if tcp.RST {
			return // dropped by the receiver unless at next (RFC 5961)
		}
		if diff > c.plausibleAhead(s) {
			c.implausible(s, p, len(payload), diff, "ahead of")
			return
		}
		if tcp.FIN {
			h.finAhead, h.finOff = true, h.off+diff+int64(len(payload))
		}
		if len(payload) > 0 {
			st.OutOfOrd++
			c.hold(s, h.off+diff, payload, p)
		}
		return
	case diff < 0:
		end := diff + int64(len(payload))
		if tcp.RST || (tcp.FIN && end < 0) {
			return // before next: out of window for the receiver
		}
		if -diff > h.off && h.off >= 0 && len(payload) > 0 && -diff-h.off > c.plausibleAhead(s) {
			// Before the first byte of the stream by more than a window.
			c.implausible(s, p, len(payload), diff, "before")
			return
		}
		if len(payload) > 0 {
			st.Retrans++
			// A keep-alive probe (one byte, the last one acknowledged,
			// often garbage) is not a retransmission to compare.
			if !(diff == -1 && len(payload) == 1) {
				c.checkRetransmission(s, p, h.off+diff, payload)
			}
		}
		if end <= 0 {
			if tcp.FIN && end == 0 {
				c.finish(s)
			}
			return
		}
		payload = payload[-diff:]
	}
	// In sequence. A RST's sender that goes on sending in sequence never
	// reset the connection: its RST was a corrupt segment.
	if c.reset != nil && c.reset.sender == s && len(payload) > 0 {
		c.resetIgnored(p)
	}
	if len(payload) > 0 {
		c.refs[0] = FrameRef{Offset: h.off, Len: len(payload), Frame: p.Frame, Time: ts}
		c.deliver(s, payload, c.refs[:], p.Stable)
	}
	c.drain(s)
	if tcp.FIN || (h.finAhead && h.off >= h.finOff) {
		c.finish(s)
		return
	}
	if tcp.RST && c.reset == nil {
		c.startReset(s, p)
	}
}

// startReset takes an in-sequence RST of sender s: the connection closes
// as reset when the grace period has passed without s going on in
// sequence (Options.ResetGrace).
func (c *conn) startReset(s int, p capture.Packet) {
	c.reset = &pendingReset{time: p.Info.Timestamp, frame: p.Frame, sender: s}
	c.a.resets = append(c.a.resets, c)
}

// deliver hands in-sequence bytes of sender s to the handler.
// stable says data stays valid until the capture is closed (a packet of
// a mapped file), so that recent may keep a reference instead of a copy.
func (c *conn) deliver(s int, data []byte, refs []FrameRef, stable bool) {
	h := &c.half[s]
	d := c.dir(s)
	c.h.Data(d, h.off, data, refs)
	h.recent.add(h.off, data, refs, stable)
	h.off += int64(len(data))
	h.next += uint32(len(data))
	c.stats.Dir[d].Bytes += int64(len(data))
}

// drain delivers the held segments that the stream has reached.
func (c *conn) drain(s int) {
	h := &c.half[s]
	for len(h.queue) > 0 && h.queue[0].off <= h.off {
		q := h.queue[0]
		h.queue = h.queue[1:]
		h.queued -= len(q.data)
		c.a.queued -= len(q.data)
		skip := h.off - q.off
		if skip >= int64(len(q.data)) {
			c.stats.Dir[c.dir(s)].Retrans++
			continue
		}
		data := q.data[skip:]
		c.refs[0] = FrameRef{Offset: h.off, Len: len(data), Frame: q.frame, Time: q.time}
		c.deliver(s, data, c.refs[:], false)
	}
	if len(h.queue) == 0 {
		h.queue = nil
	}
}

// hold keeps a copy of data that arrived ahead of a hole, within the page
// limits: past them, the hole is given up on.
func (c *conn) hold(s int, off int64, data []byte, p capture.Packet) {
	h := &c.half[s]
	q := held{off: off, data: append([]byte(nil), data...), frame: p.Frame, time: p.Info.Timestamp}
	i := len(h.queue)
	for i > 0 && h.queue[i-1].off > off {
		i--
	}
	h.queue = append(h.queue, held{})
	copy(h.queue[i+1:], h.queue[i:])
	h.queue[i] = q
	h.queued += len(data)
	c.a.queued += len(data)
	for c.queuedBytes() > c.a.maxConn || c.a.queued > c.a.maxAll {
		if !c.skipHole(c.fullest(), GapLimit) {
			break
		}
	}
}

func (c *conn) queuedBytes() int { return c.half[0].queued + c.half[1].queued }

// fullest is the half holding the most out-of-order bytes.
func (c *conn) fullest() int {
	if c.half[1].queued > c.half[0].queued {
		return 1
	}
	return 0
}

// skipHole gives up on the hole before sender s's first held segment:
// the missing bytes are a gap, and what was held behind it is delivered.
func (c *conn) skipHole(s int, reason GapReason) bool {
	h := &c.half[s]
	if len(h.queue) == 0 {
		return false
	}
	q := h.queue[0]
	missing := q.off - h.off
	if missing > 0 {
		d := c.dir(s)
		st := &c.stats.Dir[d]
		h.off += missing
		h.next += uint32(missing)
		st.GapBytes += missing
		st.Gaps++
		c.a.stats.GapBytes += missing
		c.a.stats.Gaps++
		if reason == GapLimit {
			c.a.stats.LimitFlushes++
		}
		c.h.Gap(d, Gap{Offset: h.off, Bytes: missing, Reason: reason, Frame: q.frame, Time: q.time})
	}
	c.drain(s)
	if h.finAhead && h.off >= h.finOff {
		c.finish(s)
	}
	return true
}

// flushOlder gives up on the holes of sender s whose held data is older
// than t.
func (c *conn) flushOlder(s int, t time.Time) {
	h := &c.half[s]
	for len(h.queue) > 0 && h.queue[0].time.Before(t) && !c.done {
		c.skipHole(s, GapLost)
	}
}

// finish ends sender s's half at its FIN; the connection closes when both
// halves have.
func (c *conn) finish(s int) {
	h := &c.half[s]
	if h.closed {
		return
	}
	h.closed = true
	h.next++ // the FIN takes one sequence number
	if c.half[1-s].closed {
		c.end(endFIN)
	}
}

// How a connection ended, for end.
const (
	endFIN = iota
	endReset
	endIdle
	endCapture
)

// end delivers what is still held (the holes become gaps), and closes the
// connection.
func (c *conn) end(how int) {
	if c.done {
		return
	}
	for s := range c.half {
		for len(c.half[s].queue) > 0 {
			c.skipHole(s, GapLost)
			if c.done {
				return // a FIN held behind the hole closed it
			}
		}
	}
	c.done = true
	c.a.live--
	switch how {
	case endReset:
		c.stats.RST = true
	case endIdle:
		if !c.stats.FIN {
			c.stats.TimedOut = true
		}
	case endCapture:
		if !c.stats.FIN {
			c.stats.Truncated = true
			c.a.stats.OpenAtEnd++
		}
	}
	for s := range c.half {
		c.half[s].recent = recent{}
	}
	c.h.Close(c.stats)
}
