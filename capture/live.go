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

// LiveStats are the kernel's counters for a live capture.
type LiveStats struct {
	Received uint64
	Dropped  uint64 // dropped by the kernel because we were too slow
}

// LiveSource is a Source that reads an interface.
type LiveSource interface {
	Source
	LinkType() layers.LinkType
	Stats() LiveStats
}

const defaultSnaplen = 262144
