package rtmfp

import (
	"fmt"
	"time"
)

// Limits of one flow's reassembly. A sender may claim any sequence number
// and any number of fragments; what is kept is bounded by bytes that
// actually arrived, never by what a header claims.
const (
	// DefaultMaxMessage is the largest message reassembled (RTMP's own
	// length field is 24 bits: 16 MB).
	DefaultMaxMessage = 16 << 20
	// DefaultMaxPending is how many bytes of fragments past a hole a flow
	// holds before it gives the hole up as lost.
	DefaultMaxPending = 4 << 20
	// maxPendingFrags bounds the fragments held past a hole, so that tiny
	// hostile fragments cannot make the hole search quadratic.
	maxPendingFrags = 4096
)

// FlowMessage is one reassembled message of a flow.
type FlowMessage struct {
	FlowID    uint64
	Seq       [2]uint64 // sequence numbers of its first and last fragment
	Fragments int
	Frames    [2]uint64 // frames of its first and last fragment
	Time      time.Time // capture time of the last fragment
	// Data is the message. It is only valid during the callback.
	Data []byte
}

// FlowNote is something the reassembler noticed: a diagnostic code (see
// diag.go) and its text, with the frame it refers to.
type FlowNote struct {
	Code  string
	Text  string
	Frame uint64
	Time  time.Time
}

type pendingFrag struct {
	flags byte
	data  []byte
	frame uint64
	time  time.Time
}

// Reassembler rebuilds one flow's messages from its user data fragments
// (RFC 7016 §3.6.3): in sequence order, fragments joined by their
// fragment control bits, retransmissions dropped, abandoned sequence
// numbers (the forward sequence number) skipped.
type Reassembler struct {
	FlowID     uint64
	MaxMessage int
	MaxPending int

	started  bool
	next     uint64 // next sequence number to deliver
	pending  map[uint64]pendingFrag
	pendSize int

	inMsg     bool
	dropping  bool // the current message is being discarded (too large)
	msg       []byte
	msgSeq    uint64
	msgFrames [2]uint64
	msgFrags  int

	// Fin is set once the sender marked the flow's last fragment.
	Fin bool
	// Duplicates counts retransmitted fragments dropped.
	Duplicates int
	// Missing counts sequence numbers given up as lost.
	Missing uint64

	out  func(FlowMessage)
	note func(FlowNote)
}

// NewReassembler makes the reassembler of flow id; out receives each
// message, note each finding (either may be nil).
func NewReassembler(id uint64, out func(FlowMessage), note func(FlowNote)) *Reassembler {
	return &Reassembler{FlowID: id, MaxMessage: DefaultMaxMessage, MaxPending: DefaultMaxPending, out: out, note: note}
}

func (r *Reassembler) notef(frame uint64, t time.Time, code, format string, args ...any) {
	if r.note != nil {
		r.note(FlowNote{Code: code, Text: fmt.Sprintf(format, args...), Frame: frame, Time: t})
	}
}

// Add takes one fragment, seen in frame at capture time t. u.Data is only
// read during the call.
func (r *Reassembler) Add(u *UserData, frame uint64, t time.Time) {
	if !r.started {
		r.started = true
		r.next = u.Seq
		if u.Seq > 1 && !u.HasMetadata {
			r.notef(frame, t, CodeFlowMidStream, "flow %d first seen at sequence number %d: its start was not captured", r.FlowID, u.Seq)
		}
	}
	// Everything at or below the forward sequence number is finished for
	// the sender: delivered, or abandoned.
	if u.FSNOffset <= u.Seq {
		fsn := u.Seq - u.FSNOffset
		if u.FSNOffset == 0 && fsn > 0 {
			fsn-- // an offset of 0 would abandon the fragment itself
		}
		if fsn >= r.next {
			r.skipTo(fsn+1, frame, t, "the sender's forward sequence number passed them")
		}
	}
	if u.Seq < r.next {
		r.Duplicates++
		return
	}
	if u.Seq > r.next {
		if r.pending == nil {
			r.pending = map[uint64]pendingFrag{}
		}
		if _, dup := r.pending[u.Seq]; dup {
			r.Duplicates++
			return
		}
		r.pending[u.Seq] = pendingFrag{u.Flags, append([]byte(nil), u.Data...), frame, t}
		r.pendSize += len(u.Data) + 64
		if r.pendSize > r.MaxPending || len(r.pending) > maxPendingFrags {
			r.skipTo(r.lowestPending(), frame, t, "too many bytes waited behind them")
		}
		return
	}
	r.deliver(u.Flags, u.Data, frame, t)
	r.drain()
}

func (r *Reassembler) lowestPending() uint64 {
	first := true
	var lo uint64
	for s := range r.pending {
		if first || s < lo {
			lo, first = s, false
		}
	}
	return lo
}

// skipTo gives up the sequence numbers below to that have not arrived,
// delivering those that have.
func (r *Reassembler) skipTo(to uint64, frame uint64, t time.Time, why string) {
	var missing uint64
	for r.next < to {
		if p, ok := r.pending[r.next]; ok {
			r.takePending(r.next)
			r.deliver(p.flags, p.data, p.frame, p.time)
			continue
		}
		// Count the hole's size without walking a hostile span one by one.
		end := to
		for s := range r.pending {
			if s > r.next && s < end {
				end = s
			}
		}
		missing += end - r.next
		r.next = end
		r.dropMessage()
	}
	if missing > 0 {
		r.Missing += missing
		r.notef(frame, t, CodeFlowGap, "flow %d: %d fragment(s) never seen before sequence number %d (%s); their message was dropped", r.FlowID, missing, to, why)
	}
	r.drain()
}

func (r *Reassembler) takePending(s uint64) {
	p := r.pending[s]
	r.pendSize -= len(p.data) + 64
	delete(r.pending, s)
}

func (r *Reassembler) drain() {
	for len(r.pending) > 0 {
		p, ok := r.pending[r.next]
		if !ok {
			return
		}
		r.takePending(r.next)
		r.deliver(p.flags, p.data, p.frame, p.time)
	}
}

func (r *Reassembler) dropMessage() {
	r.inMsg, r.dropping = false, false
	r.msg = r.msg[:0]
}

// deliver takes the fragment at r.next.
func (r *Reassembler) deliver(flags byte, data []byte, frame uint64, t time.Time) {
	seq := r.next
	r.next++
	if flags&UDFinal != 0 {
		r.Fin = true
	}
	if flags&UDAbandon != 0 {
		if r.inMsg {
			r.notef(frame, t, CodeFlowAbandoned, "flow %d: the sender abandoned the message begun at sequence number %d", r.FlowID, r.msgSeq)
		}
		r.dropMessage()
		return
	}
	switch flags & UDFragMsk {
	case FragWhole:
		if r.inMsg {
			r.notef(frame, t, CodeFlowGap, "flow %d: message begun at sequence number %d never ended", r.FlowID, r.msgSeq)
			r.dropMessage()
		}
		if r.out != nil {
			r.out(FlowMessage{FlowID: r.FlowID, Seq: [2]uint64{seq, seq}, Fragments: 1, Frames: [2]uint64{frame, frame}, Time: t, Data: data})
		}
	case FragBegin:
		if r.inMsg {
			r.notef(frame, t, CodeFlowGap, "flow %d: message begun at sequence number %d never ended", r.FlowID, r.msgSeq)
		}
		r.dropMessage()
		r.inMsg, r.msgSeq, r.msgFrames, r.msgFrags = true, seq, [2]uint64{frame, frame}, 1
		r.msg = append(r.msg[:0], data...)
	case FragMiddle, FragEnd:
		if !r.inMsg {
			// The message began before the capture or a hole; nothing
			// to join it to.
			return
		}
		r.msgFrags++
		r.msgFrames[1] = frame
		if !r.dropping {
			if len(r.msg)+len(data) > r.MaxMessage {
				r.notef(frame, t, CodeMessageTooLarge, "flow %d: message begun at sequence number %d exceeds %d bytes; dropped", r.FlowID, r.msgSeq, r.MaxMessage)
				r.dropping = true
				r.msg = nil
			} else {
				r.msg = append(r.msg, data...)
			}
		}
		if flags&UDFragMsk == FragEnd {
			if !r.dropping && r.out != nil {
				r.out(FlowMessage{FlowID: r.FlowID, Seq: [2]uint64{r.msgSeq, seq}, Fragments: r.msgFrags, Frames: r.msgFrames, Time: t, Data: r.msg})
			}
			r.dropMessage()
		}
	}
}

// Close gives up every hole and delivers what can be delivered; a message
// still open is dropped and reported.
func (r *Reassembler) Close(frame uint64, t time.Time) {
	// Hole by hole, lowest first: "one past the highest" can wrap at
	// 2^64 when a sender's numbers are hostile.
	for len(r.pending) > 0 {
		lo := r.lowestPending()
		if lo < r.next { // behind a wrapped counter: nothing to join it to
			r.takePending(lo)
			continue
		}
		r.skipTo(lo, frame, t, "the capture ended")
		if _, still := r.pending[lo]; still { // cannot happen; never loop on it
			r.takePending(lo)
		}
	}
	if r.inMsg {
		r.notef(frame, t, CodeFlowGap, "flow %d: message begun at sequence number %d was incomplete when the capture ended", r.FlowID, r.msgSeq)
		r.dropMessage()
	}
}
