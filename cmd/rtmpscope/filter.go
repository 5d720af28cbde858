package main

import (
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/capture/filter"
)

// newFileFilter compiles a tcpdump expression to run on the packets of a
// saved file, where no kernel filters them. A pcapng file may mix link
// types, so one program is compiled per link type, when first needed.
func newFileFilter(expr string) (func([]byte, capture.Packet) bool, error) {
	// Compile once up front so that a syntax error is reported before
	// reading starts.
	if _, err := filter.NewMatcher(expr, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	matchers := map[layers.LinkType]*filter.Matcher{}
	return func(data []byte, p capture.Packet) bool {
		m, ok := matchers[p.LinkType]
		if !ok {
			var err error
			if m, err = filter.NewMatcher(expr, p.LinkType); err != nil {
				m = nil // a link type the compiler cannot handle: keep its packets
			}
			matchers[p.LinkType] = m
		}
		return m == nil || m.Match(data)
	}, nil
}

// compileLiveFilter compiles a tcpdump expression for the kernel. The
// pure-Go live source reads every interface with its Ethernet header.
func compileLiveFilter(expr string, snaplen int) ([]bpf.Instruction, error) {
	return filter.Compile(expr, layers.LinkTypeEthernet, snaplen)
}
