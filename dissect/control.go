package dissect

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// RTMP message type ids.
const (
	TypeSetChunkSize     = 1
	TypeAbort            = 2
	TypeAck              = 3
	TypeUserControl      = 4
	TypeWindowAckSize    = 5
	TypeSetPeerBandwidth = 6
	TypeAudio            = 8
	TypeVideo            = 9
	TypeDataAMF3         = 15
	TypeSharedObjAMF3    = 16
	TypeCommandAMF3      = 17
	TypeDataAMF0         = 18
	TypeSharedObjAMF0    = 19
	TypeCommandAMF0      = 20
	TypeAggregate        = 22
)

// typeNames are the names tshark's RTMPT dissector prints, so that the two
// tools' outputs can be compared line by line.
var typeNames = [...]string{
	TypeSetChunkSize:     "Set Chunk Size",
	TypeAbort:            "Abort Message",
	TypeAck:              "Acknowledgement",
	TypeUserControl:      "User Control Message",
	TypeWindowAckSize:    "Window Acknowledgement Size",
	TypeSetPeerBandwidth: "Set Peer Bandwidth",
	TypeAudio:            "Audio Data",
	TypeVideo:            "Video Data",
	TypeDataAMF3:         "AMF3 Data",
	TypeSharedObjAMF3:    "AMF3 Shared Object",
	TypeCommandAMF3:      "AMF3 Command",
	TypeDataAMF0:         "AMF0 Data",
	TypeSharedObjAMF0:    "AMF0 Shared Object",
	TypeCommandAMF0:      "AMF0 Command",
	TypeAggregate:        "Aggregate",
}

// KnownType reports whether id is a message type defined by the RTMP
// specification.
func KnownType(id uint8) bool {
	return int(id) < len(typeNames) && typeNames[id] != ""
}

// TypeName returns the name of a message type, or "Unknown (0xNN)".
func TypeName(id uint8) string {
	if KnownType(id) {
		return typeNames[id]
	}
	return fmt.Sprintf("Unknown (0x%x)", id)
}

// Bandwidth limit types of Set Peer Bandwidth.
const (
	LimitHard    = 0
	LimitSoft    = 1
	LimitDynamic = 2
)

// Control is a decoded protocol control message (types 1, 2, 3, 5, 6).
// Value is the chunk size, the aborted chunk stream id, the acknowledged
// sequence number or the window size, by type.
type Control struct {
	Type      uint8
	Value     uint32
	LimitType uint8 // Set Peer Bandwidth only
	// Malformed is set when the body had the wrong length; the fields hold
	// what could be read.
	Malformed bool
}

// LimitName names a Set Peer Bandwidth limit type.
func LimitName(t uint8) string {
	switch t {
	case LimitHard:
		return "hard"
	case LimitSoft:
		return "soft"
	case LimitDynamic:
		return "dynamic"
	}
	return fmt.Sprintf("limit-type-%d", t)
}

// Summary is a one-line description such as "Set Chunk Size 4096".
func (c *Control) Summary() string {
	switch c.Type {
	case TypeSetChunkSize:
		return fmt.Sprintf("Set Chunk Size %d", c.Value)
	case TypeAbort:
		return fmt.Sprintf("Abort Message csid %d", c.Value)
	case TypeAck:
		return fmt.Sprintf("Acknowledgement %d", c.Value)
	case TypeWindowAckSize:
		return fmt.Sprintf("Window Ack Size %d", c.Value)
	case TypeSetPeerBandwidth:
		return fmt.Sprintf("Set Peer Bandwidth %d %s", c.Value, LimitName(c.LimitType))
	}
	return TypeName(c.Type)
}

// decodeControl decodes a protocol control body. It never fails: a short
// body is reported through Malformed.
func decodeControl(typ uint8, body []byte) *Control {
	c := &Control{Type: typ}
	want := 4
	if typ == TypeSetPeerBandwidth {
		want = 5
	}
	if len(body) != want {
		c.Malformed = true
	}
	if len(body) >= 4 {
		c.Value = binary.BigEndian.Uint32(body)
	}
	if typ == TypeSetPeerBandwidth && len(body) >= 5 {
		c.LimitType = body[4]
	}
	return c
}

// User control event types.
const (
	UCStreamBegin      = 0
	UCStreamEOF        = 1
	UCStreamDry        = 2
	UCSetBufferLength  = 3
	UCStreamIsRecorded = 4
	UCPingRequest      = 6
	UCPingResponse     = 7
	UCSWFVerifyRequest = 26
	UCSWFVerifyReply   = 27
	UCBufferEmpty      = 31
	UCBufferReady      = 32
)

var ucNames = map[uint16]string{
	UCStreamBegin:      "Stream Begin",
	UCStreamEOF:        "Stream EOF",
	UCStreamDry:        "Stream Dry",
	UCSetBufferLength:  "Set Buffer Length",
	UCStreamIsRecorded: "Stream Is Recorded",
	UCPingRequest:      "Ping Request",
	UCPingResponse:     "Ping Response",
	UCSWFVerifyRequest: "SWF Verify Request",
	UCSWFVerifyReply:   "SWF Verify Response",
	UCBufferEmpty:      "Buffer Empty",
	UCBufferReady:      "Buffer Ready",
}

// UserControlName names a user control event type.
func UserControlName(ev uint16) string {
	if n, ok := ucNames[ev]; ok {
		return n
	}
	return fmt.Sprintf("Unknown event %d", ev)
}

// UserControl is a decoded user control message (type 4).
type UserControl struct {
	Event     uint16
	EventName string
	// StreamID is set for the stream events (0-4, 31, 32).
	StreamID uint32
	// BufferMS is the buffer length of Set Buffer Length.
	BufferMS uint32
	// Timestamp is the value of Ping Request/Response.
	Timestamp uint32
	// Data is the event data of SWF verification (and of unknown events).
	Data []byte
	// Known is false for event types not listed above.
	Known     bool
	Malformed bool
}

// Summary is a one-line description such as "User Control Stream Begin 1".
func (u *UserControl) Summary() string {
	switch u.Event {
	case UCStreamBegin, UCStreamEOF, UCStreamDry, UCStreamIsRecorded, UCBufferEmpty, UCBufferReady:
		return fmt.Sprintf("User Control %s %d", u.EventName, u.StreamID)
	case UCSetBufferLength:
		return fmt.Sprintf("User Control %s %d %dms", u.EventName, u.StreamID, u.BufferMS)
	case UCPingRequest, UCPingResponse:
		return fmt.Sprintf("User Control %s %d", u.EventName, u.Timestamp)
	case UCSWFVerifyReply:
		return fmt.Sprintf("User Control %s %s", u.EventName, hex.EncodeToString(u.Data))
	}
	return "User Control " + u.EventName
}

func decodeUserControl(body []byte) *UserControl {
	u := &UserControl{}
	if len(body) < 2 {
		u.Malformed = true
		u.EventName = "truncated"
		return u
	}
	u.Event = binary.BigEndian.Uint16(body)
	_, u.Known = ucNames[u.Event]
	u.EventName = UserControlName(u.Event)
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
	case UCStreamBegin, UCStreamEOF, UCStreamDry, UCStreamIsRecorded, UCBufferEmpty, UCBufferReady:
		u.StreamID = u32(data)
		if len(data) != 4 {
			u.Malformed = true
		}
	case UCSetBufferLength:
		u.StreamID = u32(data)
		if len(data) >= 4 {
			u.BufferMS = u32(data[4:])
		}
		if len(data) != 8 {
			u.Malformed = true
		}
	case UCPingRequest, UCPingResponse:
		u.Timestamp = u32(data)
		if len(data) != 4 {
			u.Malformed = true
		}
	case UCSWFVerifyRequest:
		// The request carries no data; the response is 42 bytes.
		u.Data = data
	default:
		u.Data = data
	}
	return u
}
