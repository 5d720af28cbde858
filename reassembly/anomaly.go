package reassembly

import (
	"bytes"
	"fmt"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
)

// AnomalyKind names something a connection's packets did that TCP does
// not explain: the assembler worked around it and says so.
type AnomalyKind uint8

// The anomalies the assembler reports.
const (
	// AnomalyImplausibleSeq: a segment whose sequence number lies far
	// outside any plausible window (a flipped bit): ignored, not taken as
	// the stream's new position.
	AnomalyImplausibleSeq AnomalyKind = iota + 1
	// AnomalyResetIgnored: a RST after which the connection went on in
	// sequence, so the receiver cannot have taken it (a corrupt segment).
	AnomalyResetIgnored
	// AnomalyOverlapConflict: a retransmission whose bytes differ from
	// the bytes already delivered for the same stream offsets; the first
	// bytes were kept.
	AnomalyOverlapConflict
)

// Anomaly is one anomaly, in the direction of the bytes it concerns.
type Anomaly struct {
	Kind   AnomalyKind
	Offset int64     // stream offset it concerns
	Bytes  int64     // bytes concerned
	Frames [2]uint64 // the frames involved: [earlier, this one] (0: none)
	Time   time.Time
	Text   string // what happened, for people
}

// AnomalyHandler is implemented by Handlers that want to hear of
// anomalies; the assembler reports them as they happen, in order with
// Data and Gap.
type AnomalyHandler interface {
	Anomaly(dir Direction, a Anomaly)
}

func (c *conn) note(s int, an Anomaly) {
	if c.notes != nil {
		c.notes.Anomaly(c.dir(s), an)
	}
}

// plausibleAhead is how far ahead of the next expected byte sender s's
// data may start: a few windows of what the receiver last advertised
// (scaled when both SYNs told the scale), never less than 256 KiB and
// never more than 64 MiB; 16 MiB when the receiver's window is unknown.
func (c *conn) plausibleAhead(s int) int64 {
	const floor, ceiling, unknown = 256 << 10, 64 << 20, 16 << 20
	r := &c.half[1-s]
	if !r.winKnown {
		return unknown
	}
	w := int64(r.window)
	if c.half[s].scale >= 0 && r.scale >= 0 {
		w <<= r.scale
	} else {
		w <<= 7 // a common scale, when the SYNs were not captured
	}
	return min(max(4*w, floor), ceiling)
}

// implausible counts and reports a segment ignored as corrupt.
func (c *conn) implausible(s int, p capture.Packet, payload int, diff int64, where string) {
	c.a.stats.Implausible++
	h := &c.half[s]
	c.note(s, Anomaly{Kind: AnomalyImplausibleSeq, Offset: h.off, Bytes: int64(payload), Frames: [2]uint64{0, p.Frame}, Time: p.Info.Timestamp,
		Text: fmt.Sprintf("segment in frame %d starts %d bytes %s the next expected byte (offset %d): outside any plausible window, ignored as corrupt", p.Frame, abs(diff), where, h.off)})
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// resetIgnored: the RST's sender went on in sequence after it.
func (c *conn) resetIgnored(p capture.Packet) {
	frame := p.Frame
	r := c.reset
	c.reset = nil
	c.a.stats.ResetsIgnored++
	if st := &c.stats.Dir[c.dir(r.sender)]; st.CloseFrame == r.frame {
		st.CloseFrame, st.Reset = 0, false // the next FIN or RST is the close
	}
	c.note(r.sender, Anomaly{Kind: AnomalyResetIgnored, Offset: c.half[r.sender].off, Frames: [2]uint64{r.frame, frame}, Time: r.time,
		Text: fmt.Sprintf("RST in frame %d ignored: the connection went on in sequence (frame %d)", r.frame, frame)})
}

// checkRetransmission compares retransmitted bytes with those delivered
// for the same offsets, as far as they are still remembered.
func (c *conn) checkRetransmission(s int, p capture.Packet, off int64, data []byte) {
	h := &c.half[s]
	old, oldOff, frame := h.recent.get(off, off+int64(len(data)))
	if len(old) == 0 {
		return
	}
	mine := data[oldOff-off : oldOff-off+int64(len(old))]
	if bytes.Equal(old, mine) {
		return
	}
	i := 0
	for i < len(old) && old[i] == mine[i] {
		i++
	}
	c.a.stats.Conflicts++
	c.note(s, Anomaly{Kind: AnomalyOverlapConflict, Offset: oldOff + int64(i), Bytes: int64(len(old) - i), Frames: [2]uint64{frame, p.Frame}, Time: p.Info.Timestamp,
		Text: fmt.Sprintf("retransmission in frame %d differs from frame %d at stream offset %d: the bytes of frame %d were kept", p.Frame, frame, oldOff+int64(i), frame)})
}

// recent remembers the last bytes delivered in one direction (up to
// recentSize, in a circular buffer: one copy of each byte, no moves) and
// the frames they came from, so that a retransmission can be compared with
// what was kept.
//
// Bytes that stay valid (Packet.Stable: a mapped file) are not copied as
// they come: up to recentPending of them wait as references, and when they
// are copied (the list is full, a retransmission needs them, unstable
// bytes follow) only those still within the last recentSize bytes are.
// On a standard-MTU stream that copies a seventh of what it used to; what
// is remembered, and so every comparison, is the same.
type recent struct {
	buf   []byte // recentSize bytes once something was delivered
	end   int64  // stream offset just past the last byte remembered
	size  int64  // bytes remembered (<= recentSize), ending at end
	segs  [recentSegs]recentSeg
	nseg  int // segments added, the last recentSegs of them kept
	pend  [recentPending]pendingBytes
	npend int
}

type recentSeg struct {
	off   int64
	frame uint64
}

// pendingBytes are stable delivered bytes not yet copied into buf.
type pendingBytes struct {
	off  int64
	data []byte
}

// recentSize bounds what is remembered per direction: a full-size segment
// or two, enough for the retransmissions that overlap (a lost ACK resends
// the last flight), small enough for ten thousand connections.
const (
	recentSize    = 2048
	recentSegs    = 8
	recentPending = 8
)

func (r *recent) add(off int64, data []byte, refs []FrameRef, stable bool) {
	if r.buf == nil {
		r.buf = make([]byte, recentSize)
	}
	if off != r.end {
		r.size, r.npend = 0, 0
	}
	if stable {
		if r.npend == recentPending {
			r.copyPending()
		}
		r.pend[r.npend] = pendingBytes{off, data}
		r.npend++
		r.end, r.size = off+int64(len(data)), min(r.size+int64(len(data)), recentSize)
	} else {
		r.copyPending()
		r.copyIn(off, data)
		r.end, r.size = off+int64(len(data)), min(r.size+int64(len(data)), recentSize)
	}
	for _, ref := range refs {
		r.segs[r.nseg%recentSegs] = recentSeg{ref.Offset, ref.Frame}
		r.nseg++
	}
}

// copyIn copies the part of data (at stream offset off) that falls within
// the last recentSize bytes of the stream into its place in buf.
func (r *recent) copyIn(off int64, data []byte) {
	end := off + int64(len(data))
	if lo := max(r.end, end) - recentSize; off < lo {
		if lo >= end {
			return
		}
		data, off = data[lo-off:], lo
	}
	for len(data) > 0 {
		at := int(off % recentSize)
		n := copy(r.buf[at:], data)
		data, off = data[n:], off+int64(n)
	}
}

// copyPending copies the pending references into buf.
func (r *recent) copyPending() {
	for i := range r.npend {
		p := &r.pend[i]
		r.copyIn(p.off, p.data)
		p.data = nil
	}
	r.npend = 0
}

// get returns the remembered bytes within [from, to) (the first
// contiguous run of them in the buffer), their offset, and the frame the
// first of them came from.
func (r *recent) get(from, to int64) ([]byte, int64, uint64) {
	r.copyPending()
	lo, hi := max(from, r.end-r.size), min(to, r.end)
	if lo >= hi {
		return nil, 0, 0
	}
	at := int(lo % recentSize)
	n := min(int(hi-lo), recentSize-at)
	var frame uint64
	best := int64(-1)
	for i := 0; i < min(r.nseg, recentSegs); i++ {
		if sg := r.segs[i]; sg.off <= lo && sg.off > best {
			best, frame = sg.off, sg.frame
		}
	}
	return r.buf[at : at+n], lo, frame
}
