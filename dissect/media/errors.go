package media

import (
	"errors"
	"fmt"
)

// Sentinels that every decoding error wraps; test with errors.Is.
var (
	// ErrTruncated means the buffer ended before a field that the layout
	// requires.
	ErrTruncated = errors.New("truncated")
	// ErrInvalid means a field holds a value the specification forbids.
	ErrInvalid = errors.New("invalid value")
	// ErrUnsupported means the bytes may be valid but this package does not
	// decode them (reserved codec ids, unknown FourCCs, reserved packet types).
	ErrUnsupported = errors.New("unsupported")
)

// Error reports where decoding stopped. Offset counts bytes from the start
// of the buffer handed to the exported decoder (the message body).
type Error struct {
	Offset int    // byte offset of the offending field
	Field  string // what was being decoded, e.g. "avcC SPS length"
	Err    error  // one of the sentinels, possibly wrapped
}

func (e *Error) Error() string {
	return fmt.Sprintf("media: %s at offset %d: %v", e.Field, e.Offset, e.Err)
}

// Unwrap lets errors.Is see the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func truncated(off int, field string) error {
	return &Error{Offset: off, Field: field, Err: ErrTruncated}
}

func invalid(off int, field string, format string, args ...any) error {
	return &Error{Offset: off, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}

func unsupported(off int, field string, format string, args ...any) error {
	return &Error{Offset: off, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)}
}

// rebase shifts the offset of err by base, so that an error found while
// decoding a nested record points into the enclosing message body.
func rebase(err error, base int) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Offset += base
		return &c
	}
	return err
}
