package rtmpt

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// exchange is one request and, once it came, its response.
type exchange struct {
	req   *httpMsg
	resp  *httpMsg
	cmd   string // "open", "send", "idle", "close", "ident", "" (not RTMPT)
	id    string
	seq   int64
	sess  *session
	conn  *conn
	state exState
}

type exState uint8

const (
	exNew       exState = iota
	exHeld              // ahead of a missing sequence number
	exDelivered         // its request bytes went to the session in order
	exSkipped           // late or repeated: not used
)

// conn is the handler of one TCP connection carrying RTMPT.
type conn struct {
	ctx      *flow.Context
	opts     *Options
	tab      *table
	p        [2]*parser
	pending  []*exchange
	bytes    [2]int64
	missing  [2]int64 // bytes reported missing by gaps (known sizes)
	last     *session // session of the last request on this connection
	lastTime time.Time
	maxOut   int // most requests outstanding at once (pipelining)
	// early holds responses that came while their request's body was
	// still arriving: a server may answer on the head alone (nginx's 404).
	early []*httpMsg
	diags diagLimiter
}

func newConn(ctx *flow.Context, opts *Options) *conn {
	c := &conn{ctx: ctx, opts: opts, tab: sharedTable(ctx, opts)}
	c.diags.max = opts.MaxDiagPerCode
	for d := 0; d < 2; d++ {
		dir := event.Dir(d)
		c.p[d] = newParser(dir == event.C2S, func(m *httpMsg) { c.message(dir, m) },
			func(off int64, at event.FrameRef, what string) {
				c.diag(dir, event.Warn, "rtmpt.http_malformed", off, [2]uint64{at.Frame, at.Frame}, at.Time,
					"not HTTP/1.x: "+what+"; skipped to the next "+map[bool]string{true: "request", false: "status"}[dir == event.C2S]+" line")
			})
	}
	return c
}

func (c *conn) diag(dir event.Dir, sev event.Severity, code string, off int64, frames [2]uint64, t time.Time, text string) {
	if !c.diags.ok(code) {
		return
	}
	c.ctx.Diag(dir, true, event.FrameRef{Frame: frames[0], Time: t}, &event.Diagnostic{Severity: sev, Code: code, Text: text, Offset: off, Frames: frames})
}

// Data implements flow.StreamHandler.
func (c *conn) Data(dir event.Dir, offset int64, data []byte, refs []event.FrameRef) {
	if n := len(refs); n > 0 {
		c.lastTime = refs[n-1].Time
	}
	c.bytes[dir&1] += int64(len(data))
	c.p[dir&1].Data(offset, data, refs)
}

// Gap implements flow.StreamHandler.
func (c *conn) Gap(dir event.Dir, g flow.Gap) {
	if g.Bytes > 0 {
		c.missing[dir&1] += g.Bytes
	}
	if c.p[dir&1].gap(g.Offset) && g.Reason != event.GapMidStream {
		what := "response"
		if dir == event.C2S {
			what = "request"
		}
		c.diag(dir, event.Warn, "rtmpt.http_gap", g.Offset, [2]uint64{g.Frame, g.Frame}, g.Time,
			fmt.Sprintf("%s cut by %s missing bytes: dropped, looking for the next start line", what, count(g.Bytes)))
	}
}

func count(n int64) string {
	if n < 0 {
		return "an unknown number of"
	}
	return strconv.FormatInt(n, 10)
}

// Close implements flow.StreamHandler.
func (c *conn) Close(ev *event.ConnEvent) {
	// Where the bytes went: HTTP heads and chunk framing (Header), bodies
	// (Payload), an unfinished head (Pending), the rest skipped.
	for d := 0; d < 2; d++ {
		p := c.p[d]
		a := &ev.Account[d]
		a.Header, a.Payload, a.Pending, a.Missing = p.hdr, p.pay, p.pending(), c.missing[d]
		a.Skipped = c.bytes[d] - a.Header - a.Payload - a.Pending
	}
	for d := 0; d < 2; d++ {
		if c.p[d].end() {
			c.diag(event.Dir(d), event.Warn, "rtmpt.http_truncated", c.p[d].next, [2]uint64{}, c.lastTime,
				"the connection ended inside an HTTP message")
		}
	}
	for _, m := range c.early {
		c.diag(event.S2C, event.Warn, "rtmpt.orphan_response", m.Offset, m.Frames, m.Start,
			fmt.Sprintf("HTTP %d came while a request was still arriving, and that request never completed", m.Status))
	}
	c.early = nil
	for _, ex := range c.pending {
		c.diag(event.C2S, event.Warn, "rtmpt.unanswered", ex.req.Offset, ex.req.Frames, ex.req.Time,
			fmt.Sprintf("POST %s got no response before the connection ended", ex.req.Target))
		if ex.sess != nil {
			ex.sess.unanswered(ex)
		}
	}
	c.pending = nil
	c.diags.flush(func(code string, n int) {
		c.ctx.Diag(event.C2S, false, event.FrameRef{}, &event.Diagnostic{Severity: event.Info, Code: "diag.suppressed",
			Text: fmt.Sprintf("%d more %s diagnostics not shown", n, code), Offset: -1})
	})
	ev.Bytes = c.bytes
	ev.RTMP = true
}

// message takes one complete request or response.
func (c *conn) message(dir event.Dir, m *httpMsg) {
	if dir == event.C2S {
		c.request(m)
		c.answerEarly()
	} else {
		c.response(m)
	}
}

// parseTarget splits an RTMPT target: /send/<id>/<seq>.
func parseTarget(t string) (cmd, id string, seq int64, ok bool) {
	if strings.HasPrefix(t, "/fcs/ident") {
		return "ident", "", 0, true
	}
	if t == "/open/1" || strings.HasPrefix(t, "/open/") {
		return "open", "", 0, true
	}
	f := strings.Split(strings.TrimPrefix(t, "/"), "/")
	if len(f) != 3 || f[1] == "" {
		return "", "", 0, false
	}
	switch f[0] {
	case "send", "idle", "close":
	default:
		return "", "", 0, false
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || n < 0 {
		return "", "", 0, false
	}
	return f[0], f[1], n, true
}

func (c *conn) request(m *httpMsg) {
	ex := &exchange{req: m, conn: c}
	c.pending = append(c.pending, ex)
	c.maxOut = max(c.maxOut, len(c.pending))
	cmd, id, seq, ok := parseTarget(m.Target)
	if !ok || m.Method != "POST" {
		c.diag(event.C2S, event.Info, "rtmpt.not_rtmpt", m.Offset, m.Frames, m.Start,
			fmt.Sprintf("%s %s is not an RTMPT request; skipped", m.Method, pathOnly(m.Target)))
		return
	}
	ex.cmd, ex.id, ex.seq = cmd, id, seq
	if id == "" {
		return
	}
	s := c.tab.lookup(c, ex)
	if s == nil {
		return
	}
	ex.sess = s
	c.last = s
	s.maxOut = max(s.maxOut, c.maxOut)
	s.request(ex)
}

// answerEarly pairs a response that came before its request was complete.
func (c *conn) answerEarly() {
	if len(c.early) > 0 && len(c.pending) > 0 {
		m := c.early[0]
		c.early = c.early[1:]
		c.response(m)
	}
}

func (c *conn) response(m *httpMsg) {
	if m.Status/100 == 1 { // 100 Continue: an interim response
		return
	}
	if len(c.pending) == 0 && c.p[event.C2S].cur != nil && len(c.early) < maxOrphans {
		// The request is still being read: pair the response with it
		// when it is complete.
		c.early = append(c.early, m)
		return
	}
	if len(c.pending) == 0 {
		c.diag(event.S2C, event.Warn, "rtmpt.orphan_response", m.Offset, m.Frames, m.Start,
			fmt.Sprintf("HTTP %d answers no request seen on this connection (the request was not captured)", m.Status))
		c.tab.orphan(c, m)
		return
	}
	ex := c.pending[0]
	c.pending = c.pending[1:]
	ex.resp = m
	if m.Status != 200 {
		sev, note := event.Warn, ""
		switch {
		case ex.cmd == "ident" && m.Status == 404:
			sev, note = event.Info, " (usual: servers without ident2 answer 404 and clients go on)"
		case m.Status == 404 && ex.id != "":
			note = " (the server does not know the session)"
		case m.Status >= 500:
			note = " (server error)"
		}
		c.diag(event.S2C, sev, "rtmpt.http_status", m.Offset, m.Frames, m.Start,
			fmt.Sprintf("HTTP %d to POST %s%s", m.Status, clip(ex.req.Target), note))
	}
	switch {
	case ex.cmd == "open":
		if m.Status == 200 {
			c.tab.open(c, ex)
		}
	case ex.sess != nil:
		ex.sess.response(ex)
	}
}

// pathOnly is a target without its query, which may hold secrets
// (tokens): diagnostics and evidence show only the path.
func pathOnly(t string) string {
	if i := strings.IndexAny(t, "?#"); i >= 0 {
		t = t[:i] + "?…"
	}
	return clip(t)
}
