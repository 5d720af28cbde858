package tree

import (
	"fmt"

	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// pairNode is the request ↔ response link of a command message: on a
// response, the request it answers (frame, direction) and the latency;
// on a request, what answers it. Records go out as messages complete, so
// a request's record cannot name its response yet (the viewer finds it
// by the response's link back). nil for other messages.
func (a *Arena) pairNode(p *session.Pair) *Node {
	if p == nil {
		return nil
	}
	if p.Role == session.RoleResponse {
		ms := float64(p.Latency.Microseconds()) / 1000
		n := a.field("Response to", fmt.Sprintf("%s in frame %d, %s later", p.Request, p.Frame, latencyText(ms))).expand()
		a.add(n, a.field("Request", p.Request),
			a.field("Request frame", fmt.Sprint(p.Frame)),
			a.field("Request offset", fmt.Sprint(p.Offset)),
			a.field("Request direction", dirName(p.Dir)),
			a.field("Latency", latencyText(ms)))
		return n
	}
	v := p.Request
	if p.Expect != "" {
		v += ", answered by " + p.Expect
	}
	n := a.field("Request", v).expand()
	a.add(n, a.field("Command", p.Request))
	if p.Expect != "" {
		a.add(n, a.field("Expects", p.Expect))
	}
	return n
}

// latencyText keeps microseconds below a millisecond (loopback), as the
// text view's "(0.025 ms after frame 20)" does.
func latencyText(ms float64) string {
	if ms < 1 {
		return fmt.Sprintf("%.3f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}
