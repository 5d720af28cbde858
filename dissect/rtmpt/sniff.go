// Package rtmpt dissects RTMPT, RTMP tunnelled in HTTP POSTs: it parses
// the HTTP/1.x requests and responses of every TCP connection that carries
// them (keep-alive, one request per connection, pipelined; Content-Length
// and chunked bodies), joins them into sessions by session id across TCP
// connections, orders them by sequence number, and feeds the de-tunnelled
// bytes to the RTMP handler: /send request bodies are client-to-server
// bytes; every response body is one polling-interval byte followed by
// server-to-client bytes.
//
// Each RTMPT TCP connection is a connection of its own (variant rtmpt,
// transport tcp) whose closing event accounts its bytes: HTTP heads and
// chunked framing as Header, bodies as Payload, bytes that were not HTTP
// as Skipped. Each session is a logical connection (transport
// http-tunnel) opened through flow.Context.Open, whose byte counts and
// messages are those of the de-tunnelled RTMP.
package rtmpt

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Options configure the RTMPT handler. Zero values take the defaults.
type Options struct {
	// NewInner makes the handler of a session's de-tunnelled bytes.
	// Default: ctx.Inner("rtmp") made at the first client byte, or
	// ctx.Inner("rtmpe") when that byte (C0) is 6 or 8 and an "rtmpe"
	// protocol is registered (RTMPTE; the session's variant becomes
	// rtmpte). Tests inject a recorder here.
	NewInner func(ctx *flow.Context) flow.StreamHandler
	// MaxHeld is how many requests of a session that arrived ahead of a
	// missing sequence number are held before it is declared lost.
	// Default 32.
	MaxHeld int
	// MaxDiagPerCode is the most diagnostics of one code per connection
	// or session; the rest are counted in one diag.suppressed. Default 50.
	MaxDiagPerCode int
}

func (o *Options) fill() {
	if o.NewInner == nil {
		o.NewInner = newChooser
	}
	if o.MaxHeld <= 0 {
		o.MaxHeld = 32
	}
	if o.MaxDiagPerCode <= 0 {
		o.MaxDiagPerCode = 50
	}
}

// Protocol registers the RTMPT handler with the flow router.
func Protocol(opts Options) flow.Protocol {
	opts.fill()
	return flow.Protocol{
		Name: "rtmpt", Transport: event.TransportTCP, Sniff: Sniff,
		Stream: func(ctx *flow.Context) flow.StreamHandler { return newConn(ctx, &opts) },
	}
}

// rtmptPaths are the request targets of RTMPT.
var rtmptPaths = []string{"/open/", "/send/", "/idle/", "/close/", "/fcs/ident"}

// Sniff recognises RTMPT on any port by an HTTP POST request line to one
// of the RTMPT commands, or by a request with Content-Type
// application/x-fcs. A capture that begins inside a connection is
// recognised by the first such request line at a line start.
func Sniff(h *flow.Head) flow.Verdict {
	c, s := h.Data[event.C2S], h.Data[event.S2C]
	if len(c) == 0 && fcsResponse(s) && !h.FromStart[event.C2S] {
		return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMPT, Rule: "http-response",
			Evidence: "HTTP response with Content-Type application/x-fcs (no request captured)"}
	}
	if v := sniffDir(c, h.FromStart[event.C2S], h.Final); v.Decision != flow.No {
		return v
	}
	// The side taken for the server sent the request: swap.
	if v := sniffDir(s, h.FromStart[event.S2C], h.Final); v.Decision == flow.Yes {
		v.Swap = true
		return v
	}
	// Only the response was captured (its request was lost): an HTTP
	// response with Content-Type application/x-fcs.
	if len(c) == 0 && fcsResponse(s) {
		return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMPT, Rule: "http-response",
			Evidence: "HTTP response with Content-Type application/x-fcs (no request captured)"}
	}
	return flow.Verdict{Decision: flow.No}
}

func fcsResponse(b []byte) bool {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if !bytes.HasPrefix(b, []byte("HTTP/1.")) || end < 0 {
		return false
	}
	for _, l := range strings.Split(string(b[:end]), "\r\n")[1:] {
		k, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(k, "content-type") && strings.Contains(strings.ToLower(v), "application/x-fcs") {
			return true
		}
	}
	return false
}

func sniffDir(b []byte, fromStart, final bool) flow.Verdict {
	start := 0
	if !bytes.HasPrefix(b, []byte("POST ")) {
		if fromStart && len(b) >= 5 {
			return flow.Verdict{Decision: flow.No}
		}
		if fromStart {
			if bytes.HasPrefix([]byte("POST "), b) && !final {
				return flow.Verdict{Decision: flow.NeedMore}
			}
			return flow.Verdict{Decision: flow.No}
		}
		i := bytes.Index(b, []byte("\nPOST /"))
		if i < 0 {
			if final || len(b) >= 64<<10 {
				return flow.Verdict{Decision: flow.No}
			}
			return flow.Verdict{Decision: flow.NeedMore}
		}
		start = i + 1
	}
	b = b[start:]
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 {
		if final || len(b) > 4096 {
			return flow.Verdict{Decision: flow.No}
		}
		return flow.Verdict{Decision: flow.NeedMore}
	}
	f := strings.Fields(string(b[:eol]))
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/1.") {
		return flow.Verdict{Decision: flow.No}
	}
	target := f[1]
	fcs := false
	if end := bytes.Index(b, []byte("\r\n\r\n")); end >= 0 {
		for _, l := range strings.Split(string(b[:end]), "\r\n")[1:] {
			k, v, _ := strings.Cut(l, ":")
			if strings.EqualFold(k, "content-type") && strings.Contains(strings.ToLower(v), "application/x-fcs") {
				fcs = true
			}
		}
	}
	known := false
	for _, p := range rtmptPaths {
		if strings.HasPrefix(target, p) {
			known = true
		}
	}
	if !known && !fcs {
		return flow.Verdict{Decision: flow.No}
	}
	ev := "HTTP POST " + pathOnly(target)
	if fcs {
		ev += " with Content-Type application/x-fcs"
	}
	if start > 0 {
		ev += fmt.Sprintf(" (at byte %d: the capture began inside the connection)", start)
	}
	return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMPT, Rule: "http-request", Evidence: ev}
}
