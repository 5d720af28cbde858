package dissect

import (
	"fmt"

	"github.com/rtmpscope/rtmpscope/event"
)

// tsJumpMS is the forward step of an audio or video timestamp (ms) reported
// as ts.jump: far beyond any frame or audio packet interval, so only a
// discontinuity (an encoder restart, a timestamp offset, a splice) trips it.
const tsJumpMS = 10000

// complete handles a message whose last byte has arrived: it decodes
// control bodies, applies their effect on the chunk layer, and emits it.
func (d *dirState) complete(m *event.Message) {
	c := d.c
	if d.trial != nil {
		d.trial.msgs++
		// Framing effects must be applied in a trial too.
		if m.TypeID == event.TypeSetChunkSize && len(m.Body) >= 4 {
			ctl := decodeControl(m.TypeID, m.Body)
			if v := ctl.Value & 0x7fffffff; v != 0 {
				d.chunkSize = v
			}
		}
		if m.TypeID == event.TypeAbort && len(m.Body) >= 4 {
			ctl := decodeControl(m.TypeID, m.Body)
			if cs := d.stream(ctl.Value); cs != nil && cs != d.cur {
				d.dropPartial(cs)
			}
		}
		return
	}
	c.rtmp = true
	d.messages++
	var after []func()
	switch m.TypeID {
	case event.TypeSetChunkSize, event.TypeAbort, event.TypeAck, event.TypeWindowAckSize, event.TypeSetPeerBandwidth:
		if m.BodyTruncated {
			break
		}
		ctl := decodeControl(m.TypeID, m.Body)
		m.Control = ctl
		if ctl.Malformed {
			after = append(after, func() {
				c.diag(d, event.Warn, "msg.bad_length", m.Frame, m.Offset, fmt.Sprintf("%s body is %d bytes, expected %d", event.MsgType(m.TypeID).Name(), len(m.Body), map[bool]int{true: 5, false: 4}[m.TypeID == event.TypeSetPeerBandwidth]))
			})
		}
		after = append(after, d.applyControl(m, ctl)...)
	case event.TypeUserControl:
		if m.BodyTruncated {
			break
		}
		u := decodeUserControl(m.Body)
		m.UserControl = u
		if !u.Known && !u.Malformed {
			after = append(after, func() {
				c.diag(d, event.Warn, "ctrl.unknown_event", m.Frame, m.Offset, fmt.Sprintf("user control event type %d is not defined", u.Event))
			})
		}
		if u.Malformed {
			after = append(after, func() {
				c.diag(d, event.Warn, "msg.bad_length", m.Frame, m.Offset, fmt.Sprintf("user control %s body is %d bytes", u.EventName, len(m.Body)))
			})
		}
	case event.TypeAudio, event.TypeVideo:
		// Timestamps of one type on one message stream must not go back,
		// and should not leap: either breaks players and segmenters.
		if !m.TS.Inferred {
			if d.lastTS == nil {
				d.lastTS = map[uint64]uint32{}
			}
			k := uint64(m.MSID)<<8 | uint64(m.TypeID)
			if last, ok := d.lastTS[k]; ok && int32(m.Timestamp-last) < 0 {
				after = append(after, func() {
					c.diag(d, event.Warn, "ts.backwards", m.Frame, m.Offset, fmt.Sprintf("%s timestamp went back from %d to %d on message stream %d", event.MsgType(m.TypeID).Name(), last, m.Timestamp, m.MSID))
				})
			} else if ok && int32(m.Timestamp-last) > tsJumpMS {
				after = append(after, func() {
					c.diag(d, event.Warn, "ts.jump", m.Frame, m.Offset, fmt.Sprintf("%s timestamp jumped forward from %d to %d (+%.3f s) on message stream %d", event.MsgType(m.TypeID).Name(), last, m.Timestamp, float64(m.Timestamp-last)/1000, m.MSID))
				})
			}
			d.lastTS[k] = m.Timestamp
		}
	default:
		if !event.MsgType(m.TypeID).Known() {
			after = append(after, func() {
				c.diag(d, event.Warn, "msg.unknown_type", m.Frame, m.Offset, fmt.Sprintf("message type id %d (0x%x) is not defined by RTMP; %d bytes on csid %d", m.TypeID, m.TypeID, m.Length, m.CSID))
			})
		}
	}
	c.emit(event.Event{Kind: event.KindMessage, Dir: d.ld, HasDir: true, Time: m.Time, Message: m})
	for _, f := range after {
		f()
	}
}

// applyControl applies a protocol control message to the chunk layer and
// the ack accounting; it returns diagnostics to emit after the message.
func (d *dirState) applyControl(m *event.Message, ctl *event.Control) []func() {
	c := d.c
	var after []func()
	switch ctl.Type {
	case event.TypeSetChunkSize:
		if ctl.Malformed {
			return nil
		}
		v := ctl.Value
		if v&0x80000000 != 0 {
			after = append(after, func() {
				c.diag(d, event.Warn, "chunk.size.highbit", m.Frame, m.Offset, fmt.Sprintf("Set Chunk Size 0x%08x has the top bit set; applying %d", v, v&0x7fffffff))
			})
			v &= 0x7fffffff
		}
		if v == 0 {
			after = append(after, func() {
				c.diag(d, event.Error, "chunk.size.zero", m.Frame, m.Offset, fmt.Sprintf("Set Chunk Size 0 is invalid; keeping %d", d.chunkSize))
			})
			return after
		}
		if v > maxMsgLen {
			after = append(after, func() {
				c.diag(d, event.Info, "chunk.size.large", m.Frame, m.Offset, fmt.Sprintf("Set Chunk Size %d exceeds the largest message (%d): every message is one chunk", v, maxMsgLen))
			})
		}
		if d.inferred {
			inf := d.inferSize
			if inf == v {
				after = append(after, func() {
					c.diag(d, event.Info, "chunk.size.confirmed", m.Frame, m.Offset, fmt.Sprintf("Set Chunk Size %d confirms the inferred chunk size", v))
				})
			} else {
				after = append(after, func() {
					c.diag(d, event.Warn, "chunk.size.corrected", m.Frame, m.Offset, fmt.Sprintf("Set Chunk Size %d corrects the inferred chunk size %d", v, inf))
				})
			}
			d.inferred = false
		}
		d.chunkSize = v
		d.sizeKnown = true
		if !containsU32(c.seenSizes, v) && len(c.seenSizes) < 8 {
			c.seenSizes = append(c.seenSizes, v)
		}
	case event.TypeAbort:
		cs := d.stream(ctl.Value)
		if cs != nil && cs.msg != nil && cs != d.cur {
			have, length := cs.have, cs.length
			d.dropPartial(cs)
			after = append(after, func() {
				c.diag(d, event.Info, "chunk.abort", m.Frame, m.Offset, fmt.Sprintf("Abort Message discarded the partial message on csid %d (%d of %d bytes)", ctl.Value, have, length))
			})
		} else {
			after = append(after, func() {
				c.diag(d, event.Info, "chunk.abort_idle", m.Frame, m.Offset, fmt.Sprintf("Abort Message for csid %d, which has no message in progress", ctl.Value))
			})
		}
	case event.TypeAck:
		after = append(after, c.ackReceived(d, m, ctl.Value)...)
	case event.TypeWindowAckSize:
		d.ack.window = ctl.Value
		d.ack.windowSet = true
		d.ack.windowPos = m.Offset
	case event.TypeSetPeerBandwidth:
		if ctl.LimitType > event.LimitDynamic {
			after = append(after, func() {
				c.diag(d, event.Warn, "ctrl.bad_limit_type", m.Frame, m.Offset, fmt.Sprintf("Set Peer Bandwidth limit type %d is not hard (0), soft (1) or dynamic (2)", ctl.LimitType))
			})
		}
	}
	return after
}

func containsU32(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
