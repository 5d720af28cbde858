// Package flow is the flow router: it takes the TCP connections that
// reassembly rebuilds and the UDP flows it keeps itself, decides once per
// flow what it carries (from the first bytes of both directions, with port
// hints as a fallback), records why, and hands the flow to the protocol
// handler of that decision. Handlers stack: an outer handler (TLS, the HTTP
// tunnel, RTMPE) peels its layer and feeds the bytes inside to an inner
// handler made through its Context; every stack ends in the RTMP handler.
// Flows that are none of the registered protocols are counted, never
// dissected.
//
// Adding a protocol is one Protocol value (a sniffer and a constructor)
// and one line in pipeline/protocols.go; see docs/architecture.md.
package flow

import (
	"net/netip"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Gap tells a handler that bytes are missing from a direction before
// Offset. Bytes is the count when it is known, -1 when not (the start of a
// connection that was not captured).
type Gap struct {
	Offset int64
	Bytes  int64
	Reason event.GapReason
	Frame  uint64 // first frame after the gap
	Time   time.Time
}

// StreamHandler consumes the two ordered byte streams of one flow: a TCP
// connection, or the bytes an outer layer peeled (TLS plaintext, an RTMPT
// session's de-tunnelled bytes, RTMPE's decrypted bytes). Data and Gap of
// the two directions interleave in capture order. data and refs are only
// valid during the call: a handler copies what it keeps. refs maps the
// bytes of data (offset..offset+len) to the frames they came from; an
// outer layer passes the frames of the records or requests that carried
// them, so coordinates survive every layer.
type StreamHandler interface {
	Data(dir event.Dir, offset int64, data []byte, refs []event.FrameRef)
	Gap(dir event.Dir, g Gap)
	// Close ends the flow. The handler emits what it still holds, then
	// fills its part of the closing event (RTMP, Bytes, Account, Messages,
	// Acks, MidStream); the router emits it afterwards.
	Close(ev *event.ConnEvent)
}

// DatagramHandler consumes the datagrams of one UDP flow, in capture order.
// data is only valid during the call.
type DatagramHandler interface {
	Datagram(dir event.Dir, data []byte, ref event.FrameRef)
	// Close is as StreamHandler.Close.
	Close(ev *event.ConnEvent)
}

// Head is what a sniffer sees of a flow: the first bytes of each direction.
type Head struct {
	Transport      event.Transport
	Client, Server netip.AddrPort // as oriented so far (SYN, ports, guess)
	Orientation    event.Orientation
	// Data holds the first bytes of each direction (TCP: contiguous bytes
	// from stream offset Start[d]; UDP: the first datagrams, Datagrams[d]).
	Data      [2][]byte
	Datagrams [2][][]byte
	// FromStart is true when Data[d] begins with the direction's first
	// byte (the SYN was captured and nothing was lost before it).
	FromStart [2]bool
	// Final is true when no more bytes will come before the decision: the
	// flow ended or the router's sniff buffer is full.
	Final bool
	// Ports are the ports configured as RTMP server ports (--port, 1935).
	Ports []uint16
}

// Decision is a sniffer's answer.
type Decision uint8

// The decisions.
const (
	// NeedMore means the bytes so far neither prove nor exclude the
	// protocol.
	NeedMore Decision = iota
	// No means the protocol is excluded.
	No
	// Yes means the bytes prove the protocol.
	Yes
	// Weak means only a hint (a port) points at the protocol; it is taken
	// when no sniffer says Yes and none needs more.
	Weak
)

// Verdict is a sniffer's answer with what the outputs show of it.
type Verdict struct {
	Decision Decision
	Variant  event.Variant
	// Swap is true when the bytes show that the side called the client is
	// the server (RTMP's server never speaks first).
	Swap bool
	// Rule is a short stable name of the rule ("handshake", "port",
	// "chunk-headers", "http-request", "client-hello").
	Rule string
	// Evidence is a sentence for people: "client sent C0=3 and a
	// 1536-byte C1".
	Evidence string
}

// Protocol is one registered protocol: how to recognise it and how to
// make its handler. Exactly one of Stream and Datagram is set, matching
// Transport.
type Protocol struct {
	Name      string // "rtmp", "tls", "rtmpt", "rtmpe", "rtmfp"
	Transport event.Transport
	Sniff     func(h *Head) Verdict
	Stream    func(ctx *Context) StreamHandler
	Datagram  func(ctx *Context) DatagramHandler
	// Facts makes the router run this protocol's stream handler even when
	// it only counts (Options.CountOnly): the handler reports facts of the
	// connection itself (TLS: version, suite, certificate), while the
	// layers inside it are not made.
	Facts bool
}
