package dissect

import (
	"fmt"

	"github.com/rtmpscope/rtmpscope/event"
)

// Acknowledgement accounting. A Window Acknowledgement Size sent in a
// direction asks the receiver to acknowledge that direction's bytes every
// window; the receiver's Acknowledgement (in the other direction) carries
// the count of bytes it has received, handshake included, modulo 2^32.

// ackState is kept per direction, for the bytes travelling that way.
type ackState struct {
	window     uint32 // Window Ack Size announced in this direction
	windowSet  bool
	windowPos  int64  // offset at which the window was announced
	acks       int    // acknowledgements received for this direction's bytes
	lastAck    uint32 // the last sequence number acknowledged
	lastAckPos int64  // this direction's offset when it arrived
	reported   bool   // ack.missing reported since the last acknowledgement
	maxUnacked int64
}

// ackMissingFactor is how many windows may go unacknowledged before the
// receiver is reported. Receivers acknowledge when their count passes the
// window (nginx-rtmp, ffmpeg, librtmp), so even a slow one is within one
// window plus what is in flight; two leave room for that.
const ackMissingFactor = 2

// ackReceived handles an Acknowledgement travelling in direction d: it
// acknowledges the bytes of the opposite direction.
func (c *Conn) ackReceived(d *dirState, m *event.Message, seq uint32) []func() {
	t := c.dirs[d.ld^1]
	t.ack.acks++
	t.ack.lastAck = seq
	t.ack.lastAckPos = t.pos
	t.ack.reported = false
	if t.midStream {
		return nil
	}
	sent := uint32(t.pos)
	if ahead := int32(seq - sent); ahead > 0 {
		return []func(){func() {
			c.diag(d, event.Warn, "ack.beyond_sent", m.Frame, m.Offset, fmt.Sprintf("Acknowledgement %d exceeds the %d bytes sent so far in the other direction (by %d)", seq, sent, ahead))
		}}
	}
	return nil
}

// checkAcks looks at direction d after new bytes: has its receiver let
// more than ackMissingFactor windows pass without acknowledging?
func (c *Conn) checkAcks(d *dirState) {
	a := &d.ack
	if !a.windowSet || a.window == 0 || d.phase == phaseEncrypted {
		return
	}
	var unacked int64
	switch {
	case !d.midStream:
		// Receivers count from the start of the connection, but cannot
		// be expected to acknowledge before they were told the window.
		unacked = min(int64(uint32(d.pos)-a.lastAck), d.pos-a.windowPos)
		if a.acks > 0 {
			unacked = int64(uint32(d.pos) - a.lastAck)
		}
	case a.acks > 0:
		unacked = d.pos - a.lastAckPos
	default:
		return
	}
	if unacked > a.maxUnacked {
		a.maxUnacked = unacked
	}
	if !a.reported && unacked > ackMissingFactor*int64(a.window) {
		a.reported = true
		peer := c.dirs[d.ld^1]
		c.diag(peer, event.Warn, "ack.missing", d.curFrame, -1, fmt.Sprintf("%d bytes received without an Acknowledgement; the window announced is %d (%d acknowledgements so far)", unacked, a.window, a.acks))
	}
}

func (a *ackState) stats() event.AckStats {
	return event.AckStats{Window: a.window, Acks: a.acks, LastAck: a.lastAck, MaxUnacked: a.maxUnacked}
}
