// Package session is the layer above messages: it decodes each message's
// body once, redacts secrets, and follows each connection's conversation
// (which request a response answers, which streams exist, what each side
// offered). Every sink — text, JSON, statistics, the terminal UI — consumes
// its Records, so they all see the same decoding and the same redaction.
package session

import (
	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
)

// Record is one dissector event with what the session layer adds to it.
type Record struct {
	dissect.Event
	// Body is the decoded message body (KindMessage only), already
	// redacted unless Options.ShowSecrets.
	Body decode.Body
}

// Options control the session layer.
type Options struct {
	// ShowSecrets turns redaction of stream keys and URL tokens off.
	ShowSecrets bool
}

// Tracker turns dissector events into Records and hands them to a function.
// It implements dissect.Sink. It is not safe for concurrent use; the
// pipeline calls it from one goroutine.
type Tracker struct {
	opts  Options
	out   func(Record)
	conns map[string]*connState
}

// connState is what the tracker keeps per open connection; it is dropped
// when the connection closes, so memory follows open connections, not the
// capture's length.
type connState struct {
	redactor *command.Redactor
}

// New returns a Tracker that passes every Record to out.
func New(opts Options, out func(Record)) *Tracker {
	return &Tracker{opts: opts, out: out, conns: map[string]*connState{}}
}

// Emit implements dissect.Sink.
func (t *Tracker) Emit(ev dissect.Event) {
	cs := t.conns[ev.ConnID]
	if cs == nil {
		cs = &connState{redactor: command.NewRedactor()}
		t.conns[ev.ConnID] = cs
	}
	rec := Record{Event: ev}
	if ev.Kind == dissect.KindMessage {
		rec.Body = decode.Message(ev.Message)
		if !t.opts.ShowSecrets {
			t.redact(cs, &rec.Body)
		}
	}
	if ev.Kind == dissect.KindConn && ev.Conn.Closed {
		delete(t.conns, ev.ConnID)
	}
	t.out(rec)
}

// redact scrubs stream keys and tokens from a decoded body. One redactor per
// connection remembers the keys it has seen, so a later onStatus description
// quoting one is scrubbed too.
func (t *Tracker) redact(cs *connState, b *decode.Body) {
	switch {
	case b.Command != nil:
		c := cs.redactor.Command(*b.Command)
		b.Command = &c
	case b.Data != nil:
		d := cs.redactor.Data(*b.Data)
		b.Data = &d
	}
}
