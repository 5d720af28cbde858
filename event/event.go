package event

import (
	"fmt"
	"time"
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

var kindNames = []string{"", "conn", "handshake", "message", "diagnostic", "gap"}

// String returns the name used for the kind in every output.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return enumText(kindNames, int(k), "kind") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	i, err := enumParse(kindNames, b, "kind")
	*k = Kind(i)
	return err
}

// ConnID is the internal number of a connection: 1, 2, ... in the order of
// its first packet, across TCP, UDP and tunnel sessions. Outputs write it
// as "c1"; ConnInfo.UID is the id that is unique across captures.
type ConnID uint64

// String returns "c1", the form every output uses.
func (id ConnID) String() string { return fmt.Sprintf("c%d", uint64(id)) }

// MarshalText implements encoding.TextMarshaler.
func (id ConnID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ConnID) UnmarshalText(b []byte) error {
	var n uint64
	if _, err := fmt.Sscanf(string(b), "c%d", &n); err != nil || n == 0 {
		return fmt.Errorf("event: bad connection id %q", b)
	}
	*id = ConnID(n)
	return nil
}

// Event is one thing a handler has to say. Exactly one of the pointer
// fields, the one named by Kind, is set. Events of one connection are
// emitted in the order their last byte was seen.
type Event struct {
	Kind   Kind
	ConnID ConnID
	Dir    Dir // meaningful when HasDir
	HasDir bool
	Time   time.Time // capture time of the frame that completed the event

	Conn      *ConnEvent
	Handshake *Handshake
	Message   *Message
	Diag      *Diagnostic
	Gap       *GapEvent
}

// Receiver takes events. Emit is called synchronously, in order; the event
// and everything it points to belong to the receiver afterwards (the
// emitter keeps no reference to them).
type Receiver interface {
	Emit(Event)
}

// ReceiverFunc adapts a function to Receiver.
type ReceiverFunc func(Event)

// Emit calls f(e).
func (f ReceiverFunc) Emit(e Event) { f(e) }

// FrameRef says that a run of stream bytes came from one captured packet:
// the coordinates that tie a byte of any layer back to the capture.
type FrameRef struct {
	Offset int64     // stream offset of the first byte of the run
	Len    int       // number of bytes in the run
	Frame  uint64    // 1-based frame number, as tshark counts
	Time   time.Time // capture time of the frame
}

// GapEvent says bytes are missing before Offset in a direction.
type GapEvent struct {
	Offset int64 // stream offset where delivery resumed
	Bytes  int64 // bytes missing, -1 when unknown
	Reason GapReason
	Frame  uint64 // first frame after the gap
	// Action says what the handler did: which partial messages it dropped
	// and that it is resynchronising.
	Action string
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
