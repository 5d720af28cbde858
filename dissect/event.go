// Package dissect turns the two ordered byte streams of a TCP connection into
// RTMP events: the handshake, every chunk and message with the frames it came
// from, and diagnostics for whatever could not be explained. One Conn is one
// connection's state machine; it implements reassembly.Handler.
package dissect

import (
	"fmt"
	"time"

	"github.com/rtmpscope/rtmpscope/reassembly"
)

// Kind says which of the event payloads an Event carries.
type Kind uint8

const (
	// KindConn is a connection opening or closing (Event.Conn).
	KindConn Kind = iota + 1
	// KindHandshake is the outcome of the RTMP handshake (Event.Handshake).
	KindHandshake
	// KindMessage is one complete RTMP message (Event.Message).
	KindMessage
	// KindDiagnostic is something wrong or noteworthy (Event.Diag).
	KindDiagnostic
	// KindGap is bytes missing from one direction (Event.Gap).
	KindGap
)

// String returns the name used for the kind in every output.
func (k Kind) String() string {
	switch k {
	case KindConn:
		return "conn"
	case KindHandshake:
		return "handshake"
	case KindMessage:
		return "message"
	case KindDiagnostic:
		return "diagnostic"
	case KindGap:
		return "gap"
	}
	return "unknown"
}

// Event is one thing the dissector has to say. Exactly one of the pointer
// fields, the one named by Kind, is set. Events of one connection are
// emitted in the order their last byte was seen.
type Event struct {
	Kind   Kind
	ConnID string               // "c1", "c2", ... (from reassembly.ConnInfo.ID)
	Dir    reassembly.Direction // meaningful when HasDir
	HasDir bool
	Time   time.Time // capture time of the frame that completed the event

	Conn      *ConnEvent
	Handshake *Handshake
	Message   *Message
	Diag      *Diagnostic
	Gap       *GapEvent
}

// Sink receives events. Emit is called synchronously from the reassembly
// callbacks; the event and everything it points to belong to the sink
// afterwards (the dissector keeps no reference to them).
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// ConnEvent is a connection opening (Closed false) or closing (Closed true).
type ConnEvent struct {
	Closed   bool
	Info     reassembly.ConnInfo
	Client   string // ip:port, IPv6 in brackets
	Server   string
	Oriented string // how client and server were told apart: "syn", "port", "guess", "handshake"
	// Swapped is true when the handshake showed that the side reassembly
	// called the server is the client. Directions in every event of this
	// connection are already corrected.
	Swapped bool
	// The remaining fields are filled on close.
	RTMP      bool   // some RTMP was recognised
	Variant   string // "rtmp", "rtmpe", or "" when not RTMP
	MidStream bool   // at least one direction was joined mid-stream
	First     time.Time
	Last      time.Time
	Stats     *reassembly.ConnStats
	Bytes     [2]int64      // per direction, as delivered
	Account   [2]Accounting // where every byte went, per direction
	Messages  [2]int        // messages emitted per direction
	Acks      [2]AckStats   // acknowledgements of each direction's bytes
}

// Accounting says what each delivered byte of a direction was used for. On
// a clean capture Handshake+Header+Payload equals the bytes delivered.
type Accounting struct {
	Handshake int64 // C0/C1/C2 or S0/S1/S2
	Header    int64 // chunk basic, message and extended-timestamp headers
	Payload   int64 // chunk payload bytes
	Skipped   int64 // bytes passed over while resynchronising
	Encrypted int64 // RTMPE bytes after the handshake
	Pending   int64 // bytes of a header or message still incomplete at close
	Missing   int64 // bytes reported missing by gaps
}

// GapEvent says bytes are missing before Offset in a direction.
type GapEvent struct {
	Offset int64  // stream offset where delivery resumed
	Bytes  int64  // bytes missing, -1 when unknown
	Reason string // "lost", "mid-stream", "limit"
	Frame  uint64 // first frame after the gap
	// Action says what the dissector did: which partial messages it
	// dropped and that it is resynchronising.
	Action string
}

// Severity ranks a diagnostic.
type Severity uint8

const (
	// Info is noteworthy but not wrong (a convention, an inference).
	Info Severity = iota
	// Warn is a protocol violation or interop hazard that was worked around.
	Warn
	// Error means bytes could not be explained.
	Error
)

// String returns "info", "warn" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warn:
		return "warn"
	}
	return "error"
}

// Diagnostic is a finding about the traffic. Code is stable and documented
// in docs/diagnostics.md; Text is for people and may change.
type Diagnostic struct {
	Severity Severity
	Code     string
	Text     string
	Offset   int64     // stream offset the finding refers to, -1 if none
	Length   int64     // extent in bytes when the finding covers a range (resync.skipped)
	Frames   [2]uint64 // first and last frame involved (0 when unknown)
	CSID     uint32    // chunk stream, when it applies
}

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
	Dir       reassembly.Direction
	Time      time.Time // capture time of the frame that completed it
	Frame     uint64    // frame in which the last byte arrived (tshark's frame)
	Frames    [2]uint64 // first and last frame it spans
	Offset    int64     // stream offset of the first chunk's first byte
	CSID      uint32
	MSID      uint32
	Timestamp uint32 // absolute, wrapping at 2^32 ms
	TS        TSHow
	TypeID    uint8
	TypeName  string
	Length    uint32 // message length from the header
	// ChunkCount is the number of chunks the message spanned; Chunks lists
	// them (at most Options.MaxChunkList).
	ChunkCount int
	Chunks     []ChunkInfo

	// Body is a copy of the payload. It is shorter than Length only when
	// BodyTruncated (the per-connection memory budget was exhausted).
	Body          []byte
	BodyTruncated bool

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
	if m.TypeName != "" {
		return m.TypeName
	}
	return TypeName(m.TypeID)
}

// HandshakeHalf is what one side sent as C1 or S1.
type HandshakeHalf struct {
	Present bool
	Time    uint32 // bytes 0..3
	Version uint32 // bytes 4..7: zero for the simple handshake, else a version
	// Scheme is 0 or 1 when a digest was found and validated at the offset
	// that scheme gives (bytes 8..11 or 772..775), -1 when none validated.
	Scheme       int
	DigestOffset int // offset of the 32-byte digest within C1/S1, when Scheme >= 0
	Digest       []byte
	Frame        uint64
	Time0, Time1 time.Time // capture times of the first and last byte
}

// EchoCheck is the result of checking C2 against S1 or S2 against C1.
type EchoCheck struct {
	Present bool
	// Kind is "echo" (bytes equal the peer's C1/S1, except time2),
	// "digest" (a digest-signed echo whose HMAC validated),
	// "digest-unverified" (digest handshake; the echo did not validate),
	// or "mismatch" (simple handshake, bytes differ).
	Kind  string
	Time  uint32 // bytes 0..3: the peer's time echoed
	Time2 uint32 // bytes 4..7
	Frame uint64
}

// Handshake describes the RTMP handshake of a connection.
type Handshake struct {
	C0, S0      int // version bytes, -1 when not seen
	Encrypted   bool
	C1, S1      HandshakeHalf
	C2, S2      EchoCheck
	Digest      bool          // a digest (Flash/FMS) handshake, rather than the simple one
	Complete    bool          // all six parts were seen
	ServerDelay time.Duration // C1's last byte to S0/S1's first byte
	ClientDelay time.Duration // S1's last byte to C2's first byte
	// RTT is the handshake round-trip estimate: ServerDelay when S0 was
	// seen, else ClientDelay.
	RTT time.Duration
}

// ConnName formats a connection id as used in every output.
func ConnName(id uint64) string { return fmt.Sprintf("c%d", id) }
