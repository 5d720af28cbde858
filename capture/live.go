package capture

import (
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string // an interface name, or "any" for all of them
	Snaplen   int    // bytes kept of each packet; 0 means 262144
	// Filter is a compiled capture filter for LinkType, applied in the
	// kernel; nil captures everything.
	Filter []bpf.Instruction
	// FilterExpr is the filter's source text, for backends that compile it
	// themselves (libpcap).
	FilterExpr string
}

// LiveStats are the kernel's counters for a live capture, and what the
// capture read of them.
type LiveStats struct {
	// Received counts the packets the kernel took for this capture (those
	// its filter kept), Dropped included, as libpcap's ps_recv does.
	Received uint64
	Dropped  uint64 // dropped by the kernel because we were too slow
	// Delivered counts the packets the Source returned.
	Delivered uint64
}

// Unread is the number of packets the kernel received and kept for the
// capture but that were never read: still queued when the capture stopped
// (-c, Ctrl-C, a closed pipe). Like Dropped they were not analyzed.
func (s LiveStats) Unread() uint64 {
	if s.Received < s.Dropped+s.Delivered {
		return 0 // counters read at slightly different times
	}
	return s.Received - s.Dropped - s.Delivered
}

// LiveSource is a Source that reads an interface.
type LiveSource interface {
	Source
	LinkType() layers.LinkType
	Stats() LiveStats
}

const defaultSnaplen = 262144
