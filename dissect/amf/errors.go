package amf

import (
	"errors"
	"fmt"
)

// Reasons a decode stops. Every error returned by this package wraps one of
// them, so callers can test with errors.Is.
var (
	// ErrTruncated: the buffer ends inside a value, or a declared length or
	// count cannot fit in the bytes that remain.
	ErrTruncated = errors.New("amf: truncated")
	// ErrBadMarker: a type marker that is unknown, or not allowed where it
	// appears (an object-end outside an object, for example).
	ErrBadMarker = errors.New("amf: bad marker")
	// ErrReserved: a marker the specification reserves without defining its
	// layout (AMF0 movieclip 0x04, recordset 0x0E); nothing after it can be
	// located.
	ErrReserved = errors.New("amf: reserved marker")
	// ErrDepth: nesting deeper than Options.MaxDepth.
	ErrDepth = errors.New("amf: nesting too deep")
	// ErrBadRef: a reference to an entry its table does not hold (dangling
	// or forward reference).
	ErrBadRef = errors.New("amf: bad reference")
	// ErrLimit: more values, or a larger input, than Options allow.
	ErrLimit = errors.New("amf: limit exceeded")
	// ErrExternalizable: an AMF3 externalizable object of a class whose body
	// layout is not known. Its length is unknown too, so decoding stops.
	ErrExternalizable = errors.New("amf: unknown externalizable class")
)

// Error is a decode failure at a byte offset. Offset counts from the start
// of the decoded buffer plus the caller's base, like [Value.Offset].
type Error struct {
	Offset int    // where the faulty item starts
	Reason error  // one of the Err* sentinels
	Detail string // what was being decoded, for people
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%v at offset %d", e.Reason, e.Offset)
	}
	return fmt.Sprintf("%v at offset %d: %s", e.Reason, e.Offset, e.Detail)
}

// Unwrap returns the sentinel reason.
func (e *Error) Unwrap() error { return e.Reason }
