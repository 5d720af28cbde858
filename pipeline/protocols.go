package pipeline

import (
	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/flow"
)

// protocols is the registry of protocol handlers, in the order their
// sniffers are asked: the first whose sniffer says Yes gets the flow.
// Adding a protocol is one line here (docs/architecture.md). Outer layers
// (TLS, the HTTP tunnel, RTMPE) come before plain RTMP, whose port rule is
// only a weak hint.
func protocols(cfg *Config) []flow.Protocol {
	return []flow.Protocol{
		dissect.Protocol(cfg.Dissect), // RTMP over TCP (and RTMPE's handshake, reported as encrypted)
	}
}
