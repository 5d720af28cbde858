package dissect

import (
	"fmt"
	"slices"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Protocol registers the RTMP handler with the flow router: its sniffer
// and a constructor of Conns with opts.
func Protocol(opts Options) flow.Protocol {
	if opts.Budget == nil {
		// One budget for every connection of the run.
		opts.Budget = NewBudget(opts.MaxTotalBodyBytes)
	}
	return flow.Protocol{
		Name: "rtmp", Transport: event.TransportTCP, Sniff: Sniff,
		Stream: func(ctx *flow.Context) flow.StreamHandler { return NewConn(ctx, opts) },
	}
}

// Handshake sizes from the RTMP specification, for sniffing.
const sniffC0C1 = 1 + hsPartLen

// probeAt is how many bytes of a mid-stream direction are gathered before
// the chunk headers are trial-parsed (unless the flow ends first).
const probeAt = 32 << 10

func isVersion(b byte) bool { return b == 3 || b == 6 || b == 8 }

func handshakeVerdict(c0 byte, swap bool) flow.Verdict {
	side := "client"
	if swap {
		side = "the side first taken for the server"
	}
	v := flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMP, Swap: swap, Rule: "handshake",
		Evidence: fmt.Sprintf("%s sent C0=%d and a 1536-byte C1", side, c0)}
	if c0 != 3 {
		v.Variant = event.VariantRTMPE
		v.Evidence += " (RTMPE, encrypted)"
	}
	return v
}

// Sniff recognises RTMP: by the handshake (C0 of 3, or 6/8 for RTMPE,
// followed by a 1536-byte C1) on any port; when the start of the
// connection was not captured, by chunk headers recovered from the first
// bytes, or weakly by an RTMP server port.
func Sniff(h *flow.Head) flow.Verdict {
	c, s := h.Data[event.C2S], h.Data[event.S2C]
	onPort := slices.Contains(h.Ports, h.Server.Port())
	port := fmt.Sprintf("server port %d", h.Server.Port())
	// The server never speaks first: C0+C1 from the side taken for the
	// server means the orientation was backwards.
	if h.FromStart[event.S2C] && len(s) >= sniffC0C1 && isVersion(s[0]) && len(c) == 0 {
		return handshakeVerdict(s[0], true)
	}
	if h.FromStart[event.C2S] && len(c) > 0 {
		if !isVersion(c[0]) {
			return flow.Verdict{Decision: flow.No}
		}
		if len(c) >= sniffC0C1 {
			return handshakeVerdict(c[0], false)
		}
		if !h.Final {
			return flow.Verdict{Decision: flow.NeedMore}
		}
		if len(s) > 0 && isVersion(s[0]) {
			v := handshakeVerdict(c[0], false)
			v.Evidence = fmt.Sprintf("client sent C0=%d and the server answered S0=%d; handshake incomplete", c[0], s[0])
			return v
		}
		if onPort {
			return flow.Verdict{Decision: flow.Weak, Variant: event.VariantRTMP, Rule: "port", Evidence: port + "; handshake incomplete"}
		}
		return flow.Verdict{Decision: flow.No}
	}
	if len(c) == 0 && len(s) == 0 {
		if h.Final {
			return flow.Verdict{Decision: flow.No}
		}
		return flow.Verdict{Decision: flow.NeedMore}
	}
	if h.FromStart[event.C2S] || (len(c) == 0 && !h.Final && !onPort) {
		// The client's start was captured but it has said nothing yet, or
		// only the server has spoken: wait for the client.
		if !h.Final {
			return flow.Verdict{Decision: flow.NeedMore}
		}
	}
	// The capture joined mid-stream.
	if onPort {
		if len(c) > 0 && len(s) > 0 {
			return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMP, Rule: "port", Evidence: port + "; handshake not captured"}
		}
		// One side only: a lone segment whose port a flipped bit turned
		// into 1935 must not become an RTMP connection. Wait for the other
		// side, or for enough bytes to frame messages from.
		if !h.Final && len(c) < probeAt && len(s) < probeAt {
			return flow.Verdict{Decision: flow.NeedMore}
		}
		if n, size := probeChunks(h); n >= 2 {
			return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMP, Rule: "port",
				Evidence: fmt.Sprintf("%s; handshake not captured; %d messages framed before the other side spoke (chunk size %d)", port, n, size)}
		}
		return flow.Verdict{Decision: flow.No}
	}
	if !h.Final && len(c) < probeAt && len(s) < probeAt {
		return flow.Verdict{Decision: flow.NeedMore}
	}
	if n, size := probeChunks(h); n >= trialAcceptMin {
		return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMP, Rule: "chunk-headers",
			Evidence: fmt.Sprintf("handshake not captured; %d messages framed from recovered chunk headers (chunk size %d)", n, size)}
	}
	return flow.Verdict{Decision: flow.No}
}

// probeChunks runs the dissector on the first bytes of each mid-stream
// direction, discarding its output, and returns the most messages framed
// in one direction and the chunk size they were framed with.
func probeChunks(h *flow.Head) (int, uint32) {
	best, size := 0, uint32(0)
	for d := event.C2S; d <= event.S2C; d++ {
		b := h.Data[d]
		if len(b) == 0 || h.FromStart[d] {
			continue
		}
		n := 0
		info := event.ConnInfo{Client: h.Client, Server: h.Server}
		c := NewConn(flow.NewContext(&info, event.ReceiverFunc(func(ev event.Event) {
			if ev.Kind == event.KindMessage && ev.Dir == d {
				n++
			}
		})), Options{})
		c.Gap(d, flow.Gap{Offset: 0, Bytes: -1, Reason: event.GapMidStream})
		c.Data(d, 0, b, nil)
		c.Close(&event.ConnEvent{})
		if n > best {
			best, size = n, c.dirs[d].chunkSize
		}
	}
	return best, size
}
