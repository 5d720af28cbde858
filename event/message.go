package event

import (
	"encoding/hex"
	"fmt"
	"time"
)

// TSHow records how a message's absolute timestamp was derived.
type TSHow struct {
	Fmt      uint8  // fmt of the header that started the message
	Field    uint32 // the timestamp field as sent (absolute for fmt 0, delta otherwise)
	Delta    uint32 // delta applied (fmt 1/2 field, or the re-applied delta for fmt 3)
	Extended bool   // the field was 0xFFFFFF and a 4-byte extended timestamp followed
	// Inferred is true when the base the delta applied to was never seen
	// (the chunk stream's fmt 0 header was before the capture or a gap), so
	// the absolute value is relative to an unknown origin.
	Inferred bool
}

// ChunkInfo is one chunk of a message, for hex views and statistics.
type ChunkInfo struct {
	Offset     int64  // stream offset of the chunk's first header byte
	HeaderLen  int    // basic + message + extended timestamp header bytes
	Fmt        uint8  // 0..3
	CSID       uint32 // chunk stream id
	PayloadLen int    // payload bytes in this chunk
	Frame      uint64 // frame of the chunk's first byte
	// Header is the chunk header's bytes as on the wire (HeaderLen of
	// them), kept only when Options.KeepChunkHeaders is set.
	Header []byte
}

// Message is one reassembled RTMP message.
type Message struct {
	Dir       Dir
	Time      time.Time // capture time of the frame that completed it
	Frame     uint64    // frame in which the last byte arrived (tshark's frame)
	Frames    [2]uint64 // first and last frame it spans
	Offset    int64     // stream offset of the first chunk's first byte
	CSID      uint32
	MSID      uint32
	Timestamp uint32 // absolute, wrapping at 2^32 ms
	TS        TSHow
	TypeID    MsgType
	Length    uint32 // message length from the header
	// ChunkCount is the number of chunks the message spanned; Chunks lists
	// them (at most Options.MaxChunkList).
	ChunkCount int
	Chunks     []ChunkInfo

	// Body is a copy of the payload (when Sparse, only of the bytes
	// decoding reads). It is shorter than Length only when BodyTruncated
	// (the per-connection memory budget was exhausted).
	Body          []byte
	BodyTruncated bool
	// Sparse says Body holds only the bytes decoding reads, at their
	// offsets (dissect.Options.SparseVideo, for views that show no body
	// bytes); the rest of it is not the message's.
	Sparse bool

	// Control is set for protocol control messages (types 1, 2, 3, 5, 6).
	Control *Control
	// UserControl is set for user control messages (type 4).
	UserControl *UserControl

	// Inferred is true when the message was framed under inference (after a
	// mid-stream start or a gap, before a real Set Chunk Size confirmed the
	// chunk size), or when its msid/timestamp base were never seen.
	Inferred   bool
	Confidence float64 // 0..1, 1 when nothing was inferred
	InferNote  string  // how: "chunk size 4096 inferred from 12 continuation headers"
	MSIDGuess  bool    // msid was not on the wire since the capture joined (fmt 1 on an unseen chunk stream)
}

// Summary is a short one-line description: the decoded control message, or
// the type name for others (other packages describe commands and media).
func (m *Message) Summary() string {
	if m.Control != nil {
		return m.Control.Summary()
	}
	if m.UserControl != nil {
		return m.UserControl.Summary()
	}
	return m.TypeID.Name()
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
	Type      MsgType
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
	return c.Type.Name()
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

// KnownUserControl reports whether ev is a user control event type this
// model names.
func KnownUserControl(ev uint16) bool {
	_, ok := ucNames[ev]
	return ok
}
