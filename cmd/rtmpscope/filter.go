package main

import (
	"errors"

	"github.com/rtmpscope/rtmpscope/capture"
	"golang.org/x/net/bpf"
)

// newFileFilter compiles a tcpdump expression to run on the packets of a
// saved file, where no kernel filters them.
func newFileFilter(expr string) (func([]byte, capture.Packet) bool, error) {
	return nil, errors.New("-f: capture filters are not built yet")
}

// compileLiveFilter compiles a tcpdump expression for the kernel.
func compileLiveFilter(expr string, snaplen int) ([]bpf.Instruction, error) {
	return nil, errors.New("-f: capture filters are not built yet")
}
