// Package store keeps what the terminal UI shows of a capture: one small
// fixed-size Row per event, in chunked slices, and an append-only spill file
// holding each message's summary, framing details, chunk-header bytes and
// body. The session layer's redacted decoding of command and data messages
// is kept in memory, with the plain text of the (few) secrets it masked; the
// spill file holds their bodies with the secret bytes overwritten, so
// nothing on disk holds a secret. A selected media or control message is
// re-read from the spill file and decoded again on demand, so memory follows
// the number of events (about 48 bytes each), not the capture's size.
//
// One goroutine (the pipeline) appends through Sink; the UI reads at the
// same time. Every method is safe for concurrent use.
package store

import (
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Row flags.
const (
	FlagHasDir   uint8 = 1 << iota // Dir is meaningful
	FlagInferred                   // message framed or timed under inference
	FlagSecret                     // the redacted summary differs from the plain one
)

// Row is one event as the timeline lists it. It is deliberately small:
// a million messages cost 48 MB.
type Row struct {
	Time      int64 // capture time, Unix nanoseconds
	Ref       int64 // message: spill offset of its record; other kinds: index into the kept events
	RefLen    uint32
	Conn      uint32 // index into Conns
	Frame     uint32
	CSID      uint32
	MSID      uint32
	Timestamp uint32
	Length    uint32
	Kind      event.Kind
	Dir       uint8 // event.Dir
	Severity  event.Severity
	TypeID    uint8
	Flags     uint8
}

// When returns the row's capture time.
func (r Row) When() time.Time { return time.Unix(0, r.Time) }

// Has reports whether flag f is set.
func (r Row) Has(f uint8) bool { return r.Flags&f != 0 }

// chunkRows is the number of rows per chunk of the row table; chunks are
// never reallocated, so appending never copies old rows.
const chunkRows = 1 << 14
