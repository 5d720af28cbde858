package flow

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// CodeFlowLimit is the diagnostic of a flow the flow table refused because
// it was full (--max-flows): on the event stream, not only in the closing
// summary, so that a real session refused after junk flows filled the
// table is visible in every output.
const CodeFlowLimit = "flow.limit"

// Refused implements reassembly.RefusedNotifier: a TCP connection was
// not followed because MaxConns were open. n counts the refusals so far.
func (r *Router) Refused(src, dst netip.AddrPort, frame uint64, t time.Time, n uint64) {
	r.refusedFlow("TCP connection", src, dst, frame, t, n)
}

// refusedFlow emits CodeFlowLimit for the first refused flow and then at
// every power of ten, so that a flood of junk flows costs a handful of
// events, each saying how many were refused so far.
func (r *Router) refusedFlow(what string, src, dst netip.AddrPort, frame uint64, t time.Time, n uint64) {
	if !powerOfTen(n) {
		return
	}
	text := fmt.Sprintf("%s %s -> %s not followed: the flow table is full (--max-flows); %d refused so far", what, src, dst, n)
	r.out.Emit(event.Event{Kind: event.KindDiagnostic, ConnID: CaptureConn, Time: t,
		Diag: &event.Diagnostic{Severity: event.Error, Code: CodeFlowLimit, Text: text, Offset: -1, Frames: [2]uint64{frame, frame}}})
}

func powerOfTen(n uint64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}
