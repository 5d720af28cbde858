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

// ErrTimeout is returned by a live Source's Next when no packet arrived
// within its poll interval; the caller may do periodic work and call again.
var ErrTimeout = errors.New("capture: read timeout")
