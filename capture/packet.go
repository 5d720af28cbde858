// Package capture reads packets from saved captures (pcap, pcapng, gzip,
// stdin) and live interfaces, numbers them as tshark does, and decodes the
// link, network and transport layers far enough to hand TCP segments on.
package capture

import (
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Packet is one captured frame.
type Packet struct {
	Frame    uint64 // 1-based frame number in capture order, as tshark counts
	Info     gopacket.CaptureInfo
	LinkType layers.LinkType
	Data     []byte // valid until the next call to Next, or see Stable
	// Stable says Data stays valid, unchanged, until the Source is closed
	// (a memory-mapped file): whoever hands it on need not copy it.
	Stable bool
}

// Source yields packets in capture order. Next returns io.EOF at the end
// of a file; any other error says where reading stopped.
type Source interface {
	Next() (Packet, error)
	Close() error
}

// A Releaser is a Source that can give back what holds the packets it
// handed out (a mapped file's pages) once its user says it is done with
// them, instead of a fixed distance behind the reader. The user takes a
// Mark after the packets of a batch and releases it when the batch is
// done; marks are released in the order they were taken. A first
// Release of the zero Mark, before any packet, says that the user will
// release: until then pages go mapLag behind the reader.
type Releaser interface {
	Mark() Mark
	Release(Mark)
}

// Mark is a position in a Source: after the last packet handed out when
// it was taken.
type Mark struct {
	file int // index in a SequenceSource
	off  int // byte offset in that file's mapping
}

// ErrTimeout is returned by a live Source's Next when no packet arrived
// within its poll interval; the caller may do periodic work and call again.
var ErrTimeout = errors.New("capture: read timeout")
