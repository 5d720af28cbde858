package dissect

import (
	"encoding/binary"

	"github.com/rtmpscope/rtmpscope/event"
)

// decodeControl decodes a protocol control body. It never fails: a short
// body is reported through Malformed.
func decodeControl(typ event.MsgType, body []byte) *event.Control {
	c := &event.Control{Type: typ}
	want := 4
	if typ == event.TypeSetPeerBandwidth {
		want = 5
	}
	if len(body) != want {
		c.Malformed = true
	}
	if len(body) >= 4 {
		c.Value = binary.BigEndian.Uint32(body)
	}
	if typ == event.TypeSetPeerBandwidth && len(body) >= 5 {
		c.LimitType = body[4]
	}
	return c
}

func decodeUserControl(body []byte) *event.UserControl {
	u := &event.UserControl{}
	if len(body) < 2 {
		u.Malformed = true
		u.EventName = "truncated"
		return u
	}
	u.Event = binary.BigEndian.Uint16(body)
	u.Known = event.KnownUserControl(u.Event)
	u.EventName = event.UserControlName(u.Event)
	data := body[2:]
	u32 := func(b []byte) uint32 {
		if len(b) < 4 {
			u.Malformed = true
			var tmp [4]byte
			copy(tmp[:], b)
			return binary.BigEndian.Uint32(tmp[:])
		}
		return binary.BigEndian.Uint32(b)
	}
	switch u.Event {
	case event.UCStreamBegin, event.UCStreamEOF, event.UCStreamDry, event.UCStreamIsRecorded, event.UCBufferEmpty, event.UCBufferReady:
		u.StreamID = u32(data)
		if len(data) != 4 {
			u.Malformed = true
		}
	case event.UCSetBufferLength:
		u.StreamID = u32(data)
		if len(data) >= 4 {
			u.BufferMS = u32(data[4:])
		}
		if len(data) != 8 {
			u.Malformed = true
		}
	case event.UCPingRequest, event.UCPingResponse:
		u.Timestamp = u32(data)
		if len(data) != 4 {
			u.Malformed = true
		}
	case event.UCSWFVerifyRequest:
		// The request carries no data; the response is 42 bytes.
		u.Data = data
	default:
		u.Data = data
	}
	return u
}
