package session

import (
	"fmt"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/event"
)

// follow applies one command message to its connection's conversation:
// it pairs responses with requests, records requests, updates the State
// and queues diagnostics. rec.Body.Command is set and already redacted.
func (t *Tracker) follow(cs *connState, rec *Record) {
	c := rec.Body.Command
	switch {
	case c.IsResponse():
		t.onResult(cs, rec)
	case c.Name == "onStatus":
		t.onStatusReply(cs, rec)
	case namedReplies[c.Name] != "":
		t.onNamedReply(cs, rec)
	default:
		t.onRequest(cs, rec)
	}
}

// onRequest records a request and checks stream commands against the
// streams created so far.
func (t *Tracker) onRequest(cs *connState, rec *Record) {
	m, c := rec.Message, rec.Body.Command
	switch c.Name {
	case "publish", "play", "play2", "seek", "pause", "closeStream", "receiveAudio", "receiveVideo":
		t.checkStream(cs, rec) // before the State learns of this stream
	}
	switch c.Name {
	case "connect":
		cs.state.onConnect(c)
	case "publish":
		p, _ := c.Publish()
		cs.state.onStreamCommand(m.MSID, ActionPublish, p.Name)
	case "play", "play2":
		name, _ := c.StreamName()
		cs.state.onStreamCommand(m.MSID, ActionPlay, name)
	}
	spec := classify(c)
	if spec == nil {
		return
	}
	req := newRequest(m, c, spec, rec.Time)
	rec.Pair = &Pair{Role: RoleRequest, Request: c.Name, Expect: req.expectText()}
	p := &cs.pending[m.Dir&1]
	if req.txid != 0 {
		if old := p.take(func(r *request) bool { return r.txid == req.txid }); old != nil {
			t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeDuplicateTxID, fmt.Sprintf(
				"%s reuses transaction id %s while %s is still unanswered: a reply cannot tell them apart; pairing it with the newer one",
				c.Name, txidText(req.txid), reqName(old)))
		}
	}
	if ev := p.add(req); ev != nil {
		cs.evicted = true
		t.diag(cs, rec.Time, whereRequest(ev), event.Warn, CodeTableFull, fmt.Sprintf(
			"%d requests in this direction are unanswered; forgetting the oldest, %s, so a reply to it will look like an orphan",
			p.max, reqName(ev)))
	}
}

// checkStream flags a stream command sent on a message stream that no
// createStream reply returned.
func (t *Tracker) checkStream(cs *connState, rec *Record) {
	m, c := rec.Message, rec.Body.Command
	if m.MSID != 0 && cs.state.hasStream(m.MSID) {
		return
	}
	if m.MSID != 0 {
		if cr := cs.pending[m.Dir&1].byName("createStream"); cr != nil {
			t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeStreamEarly, fmt.Sprintf(
				"%s on message stream %d before the reply to %s: the client guessed the stream id",
				c.Name, m.MSID, reqName(cr)))
			return
		}
	}
	if cs.joined || cs.gapped || m.MSIDGuess {
		return // the createStream exchange may be in what was not captured
	}
	what := fmt.Sprintf("message stream %d, which no createStream reply returned", m.MSID)
	if m.MSID == 0 {
		what = "message stream 0 (the connection's own stream, not one createStream returned)"
	}
	t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeStreamUnknown, fmt.Sprintf("%s on %s", c.Name, what))
}

// onResult pairs a _result or _error with the request of the same
// transaction id sent the other way.
func (t *Tracker) onResult(cs *connState, rec *Record) {
	m, c := rec.Message, rec.Body.Command
	res, _ := c.Result()
	var req *request
	if c.TransactionID != 0 {
		req = cs.pending[m.Dir.Reverse()&1].take(func(r *request) bool { return r.txid == c.TransactionID })
	}
	if req != nil {
		rec.Pair = responsePair(req, rec.Time)
		t.applyResult(cs, req, res)
	} else {
		sev, why := event.Warn, ""
		switch {
		case cs.joined:
			sev, why = event.Info, ": the capture joined mid-stream, the request was probably before it"
		case cs.gapped:
			sev, why = event.Info, ": bytes are missing, the request may be among them"
		case cs.evicted:
			sev, why = event.Info, ": the request table overflowed, the request may have been forgotten"
		}
		t.diag(cs, rec.Time, whereMessage(m), sev, CodeOrphanResponse, fmt.Sprintf(
			"%s with transaction id %s answers no outstanding request from the %s%s",
			c.Name, txidText(c.TransactionID), sideName(m.Dir.Reverse()), why))
	}
	about := ""
	if req != nil {
		about = " to " + reqName(req)
	}
	switch {
	case res.Error:
		cs.state.Failed++
		t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeErrorResponse,
			fmt.Sprintf("_error%s: %s", about, statusText(res.Info.Code, res.Info.Description)))
	case res.Info.Failed():
		cs.state.Failed++
		t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeStatusFailed,
			fmt.Sprintf("_result%s carries a failure: %s", about, statusText(res.Info.Code, res.Info.Description)))
	}
}

// applyResult records in the State what a paired _result/_error says.
func (t *Tracker) applyResult(cs *connState, req *request, res command.Result) {
	switch req.name {
	case "connect":
		cs.state.onConnectReply(res)
	case "createStream":
		if !res.Error && res.StreamID != nil && *res.StreamID >= 0 && *res.StreamID <= 0xFFFFFFFF {
			cs.state.onCreated(uint32(*res.StreamID))
		}
	default:
		if res.Error && req.spec.status != nil {
			info := res.Info
			info.Level = "error"
			cs.state.onStatus(req.msid, info)
		}
	}
}

// onStatusReply pairs an onStatus with the oldest stream command on its
// message stream that the code answers (a failing code answers any), and
// applies the code to the stream's state. Unsolicited onStatus messages
// (Play.Stop, Play.PublishNotify, ...) are normal and pair with nothing.
func (t *Tracker) onStatusReply(cs *connState, rec *Record) {
	m, c := rec.Message, rec.Body.Command
	info, _ := c.Status()
	p := &cs.pending[m.Dir.Reverse()&1]
	req := p.take(func(r *request) bool {
		return r.spec.status != nil && r.msid == m.MSID && hasPrefix(info.Code, r.spec.status)
	})
	if req == nil && info.Failed() {
		req = p.take(func(r *request) bool { return r.spec.status != nil && r.msid == m.MSID })
	}
	if req != nil {
		rec.Pair = responsePair(req, rec.Time)
	}
	cs.state.onStatus(m.MSID, info)
	if info.Failed() {
		cs.state.Failed++
		about := ""
		if req != nil {
			about = " to " + reqName(req)
		}
		t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeStatusFailed, fmt.Sprintf(
			"onStatus%s on message stream %d: %s", about, m.MSID, statusText(info.Code, info.Description)))
	}
}

// onNamedReply pairs onFCPublish and its kind with the oldest request of
// the matching name.
func (t *Tracker) onNamedReply(cs *connState, rec *Record) {
	m, c := rec.Message, rec.Body.Command
	want := namedReplies[c.Name]
	req := cs.pending[m.Dir.Reverse()&1].take(func(r *request) bool { return r.name == want })
	if req != nil {
		rec.Pair = responsePair(req, rec.Time)
	}
	if info, _ := c.Status(); info.Failed() {
		cs.state.Failed++
		about := ""
		if req != nil {
			about = " to " + reqName(req)
		}
		t.diag(cs, rec.Time, whereMessage(m), event.Warn, CodeStatusFailed,
			fmt.Sprintf("%s%s: %s", c.Name, about, statusText(info.Code, info.Description)))
	}
}

// finish reports the requests still unanswered when a connection ends and
// the diagnostics suppressed over the limit, into the queue. end says how
// it ended, for the texts ("the connection closed").
func (t *Tracker) finish(cs *connState, at time.Time, end string) {
	for d := range cs.pending {
		for _, r := range cs.pending[d].list {
			var sev event.Severity
			switch r.spec.expect {
			case required:
				sev = event.Warn
			case call:
				sev = event.Info
			default:
				continue
			}
			why := ""
			if cs.gapped {
				sev, why = event.Info, "; bytes are missing from this connection, the reply may be among them"
			}
			cs.state.Unanswered++
			t.diag(cs, at, whereRequest(r), sev, CodeUnanswered, fmt.Sprintf(
				"%s was never answered (expected %s) before %s%s", reqName(r), r.expectText(), end, why))
		}
		cs.pending[d].list = nil
	}
	t.suppressed(cs, at)
}

// endText says how a connection's close event says it ended.
func endText(c *event.ConnEvent) string {
	if c.Stats == nil {
		return "the connection ended"
	}
	switch c.Stats.End {
	case event.EndOpen:
		return "the capture ended"
	case event.EndIdle:
		return "the connection went idle"
	case event.EndRST:
		return "the connection was reset"
	case event.EndFIN:
		return "the connection closed"
	}
	return "the connection ended"
}

// sideName names the side that sends in direction d.
func sideName(d event.Dir) string {
	if d == event.C2S {
		return "client"
	}
	return "server"
}
