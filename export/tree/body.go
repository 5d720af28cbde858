package tree

import (
	"errors"
	"fmt"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
)

// body is the message body group: the decoded fields of whichever decoder
// handled the message type, covering the whole body.
func (a *Arena) body(m *event.Message, b decode.Body) *Node {
	n := len(m.Body)
	size := " bytes"
	if m.BodyTruncated {
		size = fmt.Sprintf(" bytes of %d (truncated: not decoded)", m.Length)
	}
	g := a.bodyField("Body", a.itoaThen(int64(n), size), 0, n).expand()
	if m.BodyTruncated {
		g.Severity = SevWarn
	}
	switch {
	case m.Control != nil:
		a.add(g, a.control(m.Control, n)...)
	case m.UserControl != nil:
		a.add(g, a.userControl(m.UserControl, n)...)
	case b.Command != nil:
		g.Label = "Command"
		a.add(g, a.commandFields(b.Command, n)...)
	case b.Data != nil:
		g.Label = "Data"
		a.add(g, a.data(b.Data, n)...)
	case b.Shared != nil:
		g.Label = "Shared object"
		a.add(g, a.sharedObject(b.Shared, m.Body)...)
	case b.Audio != nil:
		g.Label = "Audio"
		a.add(g, a.audio(b.Audio, 0)...)
	case b.Video != nil:
		g.Label = "Video"
		a.add(g, a.video(b.Video, 0, n)...)
	case b.Aggregate != nil:
		g.Label = "Aggregate"
		a.add(g, a.aggregate(b.Aggregate, n)...)
	}
	if b.Err != nil && b.Command == nil && b.Data == nil && b.Shared == nil {
		// Command, data and shared objects report their own error inside
		// their group (they carry it as a field too).
		a.add(g, a.errNode(b.Err, n))
		g.Severity = max(g.Severity, SevError)
	}
	return g
}

// errNode reports a decoder error, pointing at the offset it carries.
func (a *Arena) errNode(err error, bodyLen int) *Node {
	n := a.field("Error", err.Error()).sev(SevError)
	off := -1
	var ae *amf.Error
	var me *media.Error
	switch {
	case errors.As(err, &ae):
		off = ae.Offset
	case errors.As(err, &me):
		off = me.Offset
	}
	if off >= 0 && off <= bodyLen {
		n.Space, n.Off = Body, int64(off)
		if off < bodyLen {
			n.Len = 1
		}
	}
	return n
}

func (a *Arena) control(c *event.Control, n int) []*Node {
	var out []*Node
	v4 := func(label, value string) {
		out = a.app(out, a.bodyField(label, value, 0, min(4, n)))
	}
	switch c.Type {
	case event.TypeSetChunkSize:
		invalid := ""
		if c.Value&0x80000000 != 0 {
			invalid = " (top bit set: invalid)"
		}
		v4("Chunk size", a.utoaThen(uint64(c.Value), invalid))
	case event.TypeAbort:
		v4("Chunk stream ID", a.utoa(uint64(c.Value)))
	case event.TypeAck:
		v4("Sequence number", a.utoaThen(uint64(c.Value), " (bytes received)"))
	case event.TypeWindowAckSize:
		v4("Window size", a.utoa(uint64(c.Value)))
	case event.TypeSetPeerBandwidth:
		v4("Window size", a.utoa(uint64(c.Value)))
		lt := a.field("Limit type", a.numName(uint64(c.LimitType), event.LimitName(c.LimitType)))
		if n >= 5 {
			lt.Space, lt.Off, lt.Len = Body, 4, 1
		}
		out = a.app(out, lt)
	}
	if c.Malformed {
		out = a.app(out, a.field("Malformed", fmt.Sprintf("body is %d bytes", n)).sev(SevError))
	}
	return out
}

func (a *Arena) userControl(u *event.UserControl, n int) []*Node {
	ev := a.field("Event type", a.numName(uint64(u.Event), u.EventName))
	if n >= 2 {
		ev.Space, ev.Off, ev.Len = Body, 0, 2
	}
	if !u.Known {
		ev.Severity = SevWarn
	}
	out := a.app(nil, ev)
	at := func(label, value string, off int) {
		f := a.field(label, value)
		if off+4 <= n {
			f.Space, f.Off, f.Len = Body, int64(off), 4
		}
		out = a.app(out, f)
	}
	switch u.Event {
	case event.UCStreamBegin, event.UCStreamEOF, event.UCStreamDry, event.UCStreamIsRecorded,
		event.UCBufferEmpty, event.UCBufferReady:
		at("Stream ID", a.utoa(uint64(u.StreamID)), 2)
	case event.UCSetBufferLength:
		at("Stream ID", a.utoa(uint64(u.StreamID)), 2)
		at("Buffer length", a.utoaThen(uint64(u.BufferMS), " ms"), 6)
	case event.UCPingRequest, event.UCPingResponse:
		at("Timestamp", a.utoa(uint64(u.Timestamp)), 2)
	default:
		if n >= 2 && (len(u.Data) > 0 || !u.Known) {
			out = a.app(out, a.bodyField("Event data", a.hexSummary(u.Data), 2, len(u.Data)))
		}
	}
	if u.Malformed {
		out = a.app(out, a.field("Malformed", fmt.Sprintf("body is %d bytes", n)).sev(SevError))
	}
	return out
}

// hexSummary shows short byte strings in full and long ones by length.
func (a *Arena) hexSummary(b []byte) string {
	if len(b) <= 48 {
		return fmt.Sprintf("%d bytes: %x", len(b), b)
	}
	return fmt.Sprintf("%d bytes: %x…", len(b), b[:32])
}
