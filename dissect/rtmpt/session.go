package rtmpt

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// table holds the RTMPT sessions of a run (shared by every TCP connection
// through flow.Context.Shared), keyed by server endpoint and session id.
type table struct {
	opts    *Options
	byKey   map[string]*session
	order   []*session
	orphans []orphan
}

// maxOrphans bounds the responses without requests kept for matching.
const maxOrphans = 64

// orphan is a response whose request was not captured; it is kept until a
// session finds the sequence number it answered missing.
type orphan struct {
	sess *session // the session of its connection, if known
	msg  *httpMsg
}

func sharedTable(ctx *flow.Context, opts *Options) *table {
	t := ctx.Shared("rtmpt/sessions", func() any {
		return &table{opts: opts, byKey: map[string]*session{}}
	}).(*table)
	ctx.AtEnd("rtmpt", t.finishAll)
	return t
}

func key(c *conn, id string) string { return c.ctx.Info.Server.String() + " " + id }

// open starts the session an /open response names.
func (t *table) open(c *conn, ex *exchange) {
	id := strings.TrimSpace(string(ex.resp.Body))
	if id == "" || strings.ContainsAny(id, "/ \r\n") || len(id) > 256 {
		c.diag(event.S2C, event.Warn, "rtmpt.http_malformed", ex.resp.Offset, ex.resp.Frames, ex.resp.Time,
			fmt.Sprintf("the /open response carries no usable session id (%d body bytes)", len(ex.resp.Body)))
		return
	}
	k := key(c, id)
	if old := t.byKey[k]; old != nil && !old.closed {
		old.end(event.EndOpen)
	}
	s := t.start(c, id, ex.req, fmt.Sprintf("RTMPT session %s opened by POST %s (frame %d)", id, clip(ex.req.Target), ex.req.Frames[0]))
	s.opened = true
	s.count(ex)
}

// lookup returns the session of a request, starting one when its /open
// was not captured; nil when the session was closed.
func (t *table) lookup(c *conn, ex *exchange) *session {
	s := t.byKey[key(c, ex.id)]
	if s == nil {
		c.diag(event.C2S, event.Warn, "rtmpt.unknown_session", ex.req.Offset, ex.req.Frames, ex.req.Start,
			fmt.Sprintf("POST %s: session %s was not opened in the capture; joined mid-session", clip(ex.req.Target), clip(ex.id)))
		s = t.start(c, ex.id, ex.req, fmt.Sprintf("RTMPT requests of session %s without its /open (the capture began mid-session)", clip(ex.id)))
		for d := event.C2S; d <= event.S2C; d++ {
			if s.inner != nil {
				s.inner.Gap(d, flow.Gap{Offset: 0, Bytes: -1, Reason: event.GapMidStream, Frame: ex.req.Frames[0], Time: ex.req.Start})
			}
		}
		return s
	}
	if s.closed {
		c.diag(event.C2S, event.Warn, "rtmpt.after_close", ex.req.Offset, ex.req.Frames, ex.req.Start,
			fmt.Sprintf("POST %s after the session was closed; skipped", clip(ex.req.Target)))
		return nil
	}
	return s
}

func (t *table) start(c *conn, id string, req *httpMsg, evidence string) *session {
	variant := event.VariantRTMPT
	if slices.Contains(c.ctx.Info.Layers, "tls") {
		variant = event.VariantRTMPTS // the HTTP it rides on is TLS plaintext
	}
	info := event.ConnInfo{
		Client: c.ctx.Info.Client, Server: c.ctx.Info.Server,
		Transport: event.TransportHTTPTunnel, Variant: variant,
		Orientation: c.ctx.Info.Orientation, Layers: []string{"http-tunnel"},
		Rule: "http-request", Evidence: evidence, SawSYN: c.ctx.Info.SawSYN,
		FirstSeen: req.Start, Frame: req.Frames[0],
	}
	s := &session{t: t, id: id, held: map[int64]*exchange{}, interval: -1,
		first: req.Start, last: req.Time, lastFrame: req.Frames[1], conns: map[event.ConnID]bool{}, cmds: map[string]int{}}
	s.diags.max = t.opts.MaxDiagPerCode
	s.ctx = c.ctx.Open(info)
	s.inner = t.opts.NewInner(s.ctx)
	t.byKey[key(c, id)] = s
	t.order = append(t.order, s)
	return s
}

// orphan keeps a response whose request was lost.
func (t *table) orphan(c *conn, m *httpMsg) {
	if len(t.orphans) >= maxOrphans { // the oldest can no longer be matched
		t.orphans = slices.Delete(t.orphans, 0, 1)
	}
	t.orphans = append(t.orphans, orphan{sess: c.last, msg: m})
}

// takeOrphan returns the oldest kept response that may answer a request
// of s that was not captured: one from s's own connection, or one from a
// connection whose session is unknown (a proxy's one-request connection).
func (t *table) takeOrphan(s *session) *httpMsg {
	for i, o := range t.orphans {
		if o.sess == s || o.sess == nil {
			t.orphans = slices.Delete(t.orphans, i, i+1)
			return o.msg
		}
	}
	return nil
}

func (t *table) finishAll() {
	for _, s := range t.order {
		if !s.closed {
			s.end(event.EndOpen)
		}
	}
}

// session is one RTMPT session: a logical connection whose two byte
// streams are joined from the requests and responses that carry it.
type session struct {
	t         *table
	id        string
	ctx       *flow.Context
	inner     flow.StreamHandler
	opened    bool // its /open was seen
	started   bool // the first sequence number was seen
	next      int64
	held      map[int64]*exchange
	off       [2]int64
	interval  int
	closed    bool
	ending    bool
	first     time.Time
	last      time.Time
	lastFrame uint64
	conns     map[event.ConnID]bool
	cmds      map[string]int
	msgs      [2]uint64
	gaps      [2]int
	missing   int
	httpBytes [2]int64
	maxOut    int // most requests outstanding on one connection
	diags     diagLimiter
}

func (s *session) diag(dir event.Dir, hasDir bool, sev event.Severity, code string, off int64, frames [2]uint64, t time.Time, text string) {
	if !s.diags.ok(code) {
		return
	}
	s.ctx.Diag(dir, hasDir, event.FrameRef{Frame: frames[0], Time: t}, &event.Diagnostic{Severity: sev, Code: code, Text: text, Offset: off, Frames: frames})
}

func (s *session) seen(m *httpMsg) {
	if m.Time.After(s.last) {
		s.last = m.Time
	}
	if m.Frames[1] > s.lastFrame {
		s.lastFrame = m.Frames[1]
	}
}

func (s *session) count(ex *exchange) {
	s.cmds[ex.cmd]++
	s.conns[ex.conn.ctx.ID()] = true
	s.httpBytes[0] += int64(ex.req.HeadLen + len(ex.req.Body))
}

// request takes a request of this session in the order its connection
// carried it and passes its bytes on in sequence-number order.
func (s *session) request(ex *exchange) {
	s.count(ex)
	s.seen(ex.req)
	if !s.started {
		s.started = true
		s.next = ex.seq
		if s.opened && ex.seq > 1 { // ffmpeg and librtmp count from 0
			s.next = 0
		}
	}
	switch {
	case ex.seq == s.next:
		s.deliverReq(ex)
		s.next++
		s.drain()
	case ex.seq > s.next:
		if s.held[ex.seq] != nil {
			ex.state = exSkipped
			s.diag(event.C2S, true, event.Warn, "rtmpt.seq_order", s.off[0], ex.req.Frames, ex.req.Time,
				fmt.Sprintf("sequence number %d repeated; the repeat is skipped", ex.seq))
			return
		}
		ex.state = exHeld
		s.held[ex.seq] = ex
		if len(s.held) > s.t.opts.MaxHeld {
			s.skipTo(s.minHeld())
		}
	default:
		ex.state = exSkipped
		s.diag(event.C2S, true, event.Warn, "rtmpt.seq_order", s.off[0], ex.req.Frames, ex.req.Time,
			fmt.Sprintf("sequence number %d arrived after %d was expected (late or repeated); its bytes are skipped", ex.seq, s.next))
	}
}

func (s *session) minHeld() int64 {
	first := true
	var m int64
	for k := range s.held {
		if first || k < m {
			m, first = k, false
		}
	}
	return m
}

// response takes the response of one of this session's requests.
func (s *session) response(ex *exchange) {
	if s.closed {
		return
	}
	s.seen(ex.resp)
	s.httpBytes[1] += int64(ex.resp.HeadLen + len(ex.resp.Body))
	switch ex.state {
	case exDelivered:
		s.deliverResp(ex.resp)
		if ex.cmd == "close" {
			s.end(event.EndClose)
		}
	case exHeld:
		// The server answered a later request: the missing ones will not
		// come (they were lost from the capture).
		s.skipTo(ex.seq)
	}
}

// unanswered is a request whose connection ended without its response.
func (s *session) unanswered(ex *exchange) {
	if ex.state == exHeld && !s.closed {
		s.skipTo(ex.seq)
	}
}

// skipTo declares the sequence numbers from next up to seq that were not
// seen missing, passes on held requests among them in order, and then what
// was held behind them.
func (s *session) skipTo(seq int64) {
	for s.next < seq && !s.closed {
		if s.held[s.next] != nil {
			s.drain()
			continue
		}
		stop := seq
		if len(s.held) > 0 {
			stop = min(stop, s.minHeld())
		}
		s.declareMissing(s.next, stop)
		s.next = stop
	}
	s.drain()
}

// declareMissing reports the sequence numbers [from, to) lost and tells
// the inner handler: one gap of unknown size per direction (a client may
// jump far; nothing here is per number), except that responses without a
// request are taken as the answers of the missing numbers.
func (s *session) declareMissing(from, to int64) {
	count := to - from
	s.missing += int(min(count, 1<<30))
	s.gaps[0]++
	if s.inner != nil {
		s.inner.Gap(event.C2S, flow.Gap{Offset: s.off[0], Bytes: -1, Reason: event.GapLost, Frame: s.lastFrame, Time: s.last})
	}
	var kept []uint64
	for int64(len(kept)) < count {
		m := s.t.takeOrphan(s)
		if m == nil {
			break
		}
		kept = append(kept, m.Frames[0])
		s.deliverResp(m)
	}
	if int64(len(kept)) < count {
		s.gaps[1]++
		if s.inner != nil {
			s.inner.Gap(event.S2C, flow.Gap{Offset: s.off[1], Bytes: -1, Reason: event.GapLost, Frame: s.lastFrame, Time: s.last})
		}
	}
	what := fmt.Sprintf("sequence number %d is missing", from)
	if count > 1 {
		what = fmt.Sprintf("sequence numbers %d to %d are missing", from, to-1)
	}
	note := "their client bytes (if any) are lost; no response to them was captured either"
	if len(kept) > 0 {
		note = fmt.Sprintf("the request's client bytes (if any) are lost; %d response(s) without a request (frames %v) were taken as theirs, so their server bytes are kept", len(kept), kept)
	}
	s.diag(event.C2S, true, event.Warn, "rtmpt.seq_missing", s.off[0], [2]uint64{s.lastFrame, s.lastFrame}, s.last,
		fmt.Sprintf("session %s: %s (request not captured); %s", clip(s.id), what, note))
}

// drain passes on held requests that are now in order.
func (s *session) drain() {
	for !s.closed {
		ex := s.held[s.next]
		if ex == nil {
			return
		}
		delete(s.held, s.next)
		s.diag(event.C2S, true, event.Info, "rtmpt.seq_reordered", s.off[0], ex.req.Frames, ex.req.Time,
			fmt.Sprintf("sequence number %d arrived ahead of an earlier one and was put back in order", ex.seq))
		s.deliverReq(ex)
		s.next++
		if ex.resp != nil {
			s.deliverResp(ex.resp)
			if ex.cmd == "close" {
				s.end(event.EndClose)
				return
			}
		}
	}
}

// deliverReq passes a /send body on as client-to-server bytes.
func (s *session) deliverReq(ex *exchange) {
	ex.state = exDelivered
	if s.closed {
		return
	}
	m := ex.req
	s.msgs[0]++
	if ex.cmd != "send" || len(m.Body) == 0 {
		return
	}
	if s.inner != nil {
		s.inner.Data(event.C2S, s.off[0], m.Body, appendRefs(nil, m.BodyRefs, 0, int64(len(m.Body)), s.off[0]))
	}
	s.off[0] += int64(len(m.Body))
}

// deliverResp passes a response body after its polling-interval byte on
// as server-to-client bytes.
func (s *session) deliverResp(m *httpMsg) {
	if s.closed || m.Status != 200 || len(m.Body) == 0 {
		return
	}
	s.msgs[1]++
	if iv := int(m.Body[0]); iv != s.interval {
		text := fmt.Sprintf("polling interval byte %d", iv)
		if s.interval >= 0 {
			text = fmt.Sprintf("polling interval byte changed from %d to %d", s.interval, iv)
		}
		s.interval = iv
		s.diag(event.S2C, true, event.Info, "rtmpt.poll_interval", s.off[1], m.Frames, m.Time, text)
	}
	n := int64(len(m.Body) - 1)
	if n == 0 {
		return
	}
	if s.inner != nil {
		s.inner.Data(event.S2C, s.off[1], m.Body[1:], appendRefs(nil, m.BodyRefs, 1, int64(len(m.Body)), s.off[1]))
	}
	s.off[1] += n
}

// end closes the session: on /close, or when the run ends.
func (s *session) end(how event.End) {
	if s.closed || s.ending {
		return
	}
	s.ending = true
	for len(s.held) > 0 {
		if m := s.minHeld(); m < s.next {
			delete(s.held, m) // cannot happen: held numbers are ahead of next
		} else {
			s.skipTo(m)
		}
	}
	s.closed = true
	cmds := make([]string, 0, len(s.cmds))
	for k := range s.cmds {
		cmds = append(cmds, k)
	}
	sort.Strings(cmds)
	var parts []string
	for _, k := range cmds {
		parts = append(parts, fmt.Sprintf("%d %s", s.cmds[k], k))
	}
	s.diag(event.C2S, false, event.Info, "rtmpt.session", -1, [2]uint64{s.lastFrame, s.lastFrame}, s.last,
		fmt.Sprintf("session %s: %s over %d TCP connection(s); HTTP %d+%d bytes carried %d+%d RTMP bytes; %d sequence number(s) missing; ended by %s",
			clip(s.id), strings.Join(parts, ", "), len(s.conns), s.httpBytes[0], s.httpBytes[1], s.off[0], s.off[1], s.missing, how)+
			fmt.Sprintf("; up to %d request(s) outstanding at once", s.maxOut))
	s.diags.flush(func(code string, n int) {
		s.ctx.Diag(event.C2S, false, event.FrameRef{}, &event.Diagnostic{Severity: event.Info, Code: "diag.suppressed",
			Text: fmt.Sprintf("%d more %s diagnostics not shown", n, code), Offset: -1})
	})
	ev := &event.ConnEvent{Closed: true, First: s.first, Last: s.last, Stats: &event.FlowStats{
		LastSeen: s.last, LastFrame: s.lastFrame, End: how,
		Dir: [2]event.DirStats{
			{Packets: s.msgs[0], Bytes: s.off[0], Gaps: s.gaps[0]},
			{Packets: s.msgs[1], Bytes: s.off[1], Gaps: s.gaps[1]},
		}}}
	if s.inner != nil {
		s.inner.Close(ev)
	} else {
		ev.Bytes = s.off
		ev.RTMP = true
	}
	s.ctx.Finish(ev)
}

// diagLimiter caps diagnostics per code.
type diagLimiter struct {
	max int
	n   map[string]int
}

func (l *diagLimiter) ok(code string) bool {
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[code]++
	return l.n[code] <= l.max
}

func (l *diagLimiter) flush(f func(code string, n int)) {
	codes := make([]string, 0, len(l.n))
	for k := range l.n {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, k := range codes {
		if l.n[k] > l.max {
			f(k, l.n[k]-l.max)
			l.n[k] = l.max
		}
	}
}
