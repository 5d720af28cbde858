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
func body(m *event.Message, b decode.Body) *Node {
	n := len(m.Body)
	g := bodyField("Body", fmt.Sprintf("%d bytes", n), 0, n).expand()
	if m.BodyTruncated {
		g.Value += fmt.Sprintf(" of %d (truncated: not decoded)", m.Length)
		g.Severity = SevWarn
	}
	switch {
	case m.Control != nil:
		g.add(control(m.Control, n)...)
	case m.UserControl != nil:
		g.add(userControl(m.UserControl, n)...)
	case b.Command != nil:
		g.Label = "Command"
		g.add(commandFields(b.Command, n)...)
	case b.Data != nil:
		g.Label = "Data"
		g.add(data(b.Data, n)...)
	case b.Shared != nil:
		g.Label = "Shared object"
		g.add(sharedObject(b.Shared, m.Body)...)
	case b.Audio != nil:
		g.Label = "Audio"
		g.add(audio(b.Audio, 0)...)
	case b.Video != nil:
		g.Label = "Video"
		g.add(video(b.Video, 0, n)...)
	case b.Aggregate != nil:
		g.Label = "Aggregate"
		g.add(aggregate(b.Aggregate, n)...)
	}
	if b.Err != nil && b.Command == nil && b.Data == nil && b.Shared == nil {
		// Command, data and shared objects report their own error inside
		// their group (they carry it as a field too).
		g.add(errNode(b.Err, n))
		g.Severity = max(g.Severity, SevError)
	}
	return g
}

// errNode reports a decoder error, pointing at the offset it carries.
func errNode(err error, bodyLen int) *Node {
	n := field("Error", err.Error()).sev(SevError)
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

func control(c *event.Control, n int) []*Node {
	var out []*Node
	v4 := func(label, value string) {
		out = append(out, bodyField(label, value, 0, min(4, n)))
	}
	switch c.Type {
	case event.TypeSetChunkSize:
		v := fmt.Sprint(c.Value)
		if c.Value&0x80000000 != 0 {
			v += " (top bit set: invalid)"
		}
		v4("Chunk size", v)
	case event.TypeAbort:
		v4("Chunk stream ID", fmt.Sprint(c.Value))
	case event.TypeAck:
		v4("Sequence number", fmt.Sprintf("%d (bytes received)", c.Value))
	case event.TypeWindowAckSize:
		v4("Window size", fmt.Sprint(c.Value))
	case event.TypeSetPeerBandwidth:
		v4("Window size", fmt.Sprint(c.Value))
		lt := field("Limit type", fmt.Sprintf("%d (%s)", c.LimitType, event.LimitName(c.LimitType)))
		if n >= 5 {
			lt.Space, lt.Off, lt.Len = Body, 4, 1
		}
		out = append(out, lt)
	}
	if c.Malformed {
		out = append(out, field("Malformed", fmt.Sprintf("body is %d bytes", n)).sev(SevError))
	}
	return out
}

func userControl(u *event.UserControl, n int) []*Node {
	ev := field("Event type", fmt.Sprintf("%d (%s)", u.Event, u.EventName))
	if n >= 2 {
		ev.Space, ev.Off, ev.Len = Body, 0, 2
	}
	if !u.Known {
		ev.Severity = SevWarn
	}
	out := []*Node{ev}
	at := func(label, value string, off int) {
		f := field(label, value)
		if off+4 <= n {
			f.Space, f.Off, f.Len = Body, int64(off), 4
		}
		out = append(out, f)
	}
	switch u.Event {
	case event.UCStreamBegin, event.UCStreamEOF, event.UCStreamDry, event.UCStreamIsRecorded,
		event.UCBufferEmpty, event.UCBufferReady:
		at("Stream ID", fmt.Sprint(u.StreamID), 2)
	case event.UCSetBufferLength:
		at("Stream ID", fmt.Sprint(u.StreamID), 2)
		at("Buffer length", fmt.Sprintf("%d ms", u.BufferMS), 6)
	case event.UCPingRequest, event.UCPingResponse:
		at("Timestamp", fmt.Sprint(u.Timestamp), 2)
	default:
		if n >= 2 && (len(u.Data) > 0 || !u.Known) {
			out = append(out, bodyField("Event data", hexSummary(u.Data), 2, len(u.Data)))
		}
	}
	if u.Malformed {
		out = append(out, field("Malformed", fmt.Sprintf("body is %d bytes", n)).sev(SevError))
	}
	return out
}

// hexSummary shows short byte strings in full and long ones by length.
func hexSummary(b []byte) string {
	if len(b) <= 48 {
		return fmt.Sprintf("%d bytes: %x", len(b), b)
	}
	return fmt.Sprintf("%d bytes: %x…", len(b), b[:32])
}
