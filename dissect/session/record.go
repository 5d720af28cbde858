// Package session is the layer above messages: it decodes each message's
// body once, redacts secrets, and follows each connection's conversation
// (which request a response answers, which streams exist, what each side
// offered). Every sink — text, JSON, statistics, the terminal UI — consumes
// its Records, so they all see the same decoding and the same redaction.
package session

import (
	"maps"
	"slices"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/event"
)

// Record is one dissector event with what the session layer adds to it.
type Record struct {
	event.Event
	// Body is the decoded message body (KindMessage only), already
	// redacted unless Options.ShowSecrets.
	Body decode.Body
	// Pair links a command message to its request or response (see
	// Pair); nil for other messages and events.
	Pair *Pair
	// Session is the connection's conversation state, on the record of
	// a conn-closed event only.
	Session *State
	// Secrets are the body bytes of the values the redactor masked
	// (KindMessage, command and data bodies, unless Options.ShowSecrets),
	// with their plain text, so that a viewer can mask raw bytes and
	// reveal on demand without decoding or redacting again. They exist in
	// memory only: sinks that write must not write Plain.
	Secrets []Secret
}

// Secret is one masked value: Len bytes at Off in the message body hold
// the string Plain, which the redacted Body shows as Redacted.
type Secret struct {
	Off, Len        int
	Plain, Redacted string
}

// Options control the session layer.
type Options struct {
	// ShowSecrets turns redaction of stream keys and URL tokens off.
	ShowSecrets bool
	// MaxOutstanding caps the unanswered requests kept per connection
	// direction (DefaultMaxOutstanding when 0); the oldest is evicted,
	// with a session.table_full diagnostic, to make room.
	MaxOutstanding int
	// MaxDiagPerCode caps the session diagnostics of one code per
	// connection (DefaultMaxDiagPerCode when 0).
	MaxDiagPerCode int
}

// Tracker turns dissector events into Records and hands them to a function.
// It implements event.Receiver. It is not safe for concurrent use; the
// pipeline calls it from one goroutine.
type Tracker struct {
	opts    Options
	out     func(Record)
	conns   map[event.ConnID]*connState
	maxDiag int
}

// connState is what the tracker keeps per open connection; it is dropped
// when the connection closes, so memory follows open connections, not the
// capture's length.
type connState struct {
	id       event.ConnID
	redactor *command.Redactor
	state    State
	// pending holds outstanding requests by the direction they were sent
	// in; answers come from the other direction.
	pending [2]pending
	// joined is set when a direction started mid-stream and gapped when
	// bytes went missing: requests may then have been missed, so orphan
	// responses are expected and silence may be a lost reply.
	joined, gapped bool
	evicted        bool // the request table overflowed at least once
	diagCount      map[string]int
	// queue holds the session diagnostics of the current event, output
	// after its record (before it, for a close).
	queue []Record
}

// New returns a Tracker that passes every Record to out.
func New(opts Options, out func(Record)) *Tracker {
	if opts.MaxOutstanding <= 0 {
		opts.MaxOutstanding = DefaultMaxOutstanding
	}
	t := &Tracker{opts: opts, out: out, conns: map[event.ConnID]*connState{}, maxDiag: opts.MaxDiagPerCode}
	if t.maxDiag <= 0 {
		t.maxDiag = DefaultMaxDiagPerCode
	}
	return t
}

func (t *Tracker) conn(id event.ConnID) *connState {
	cs := t.conns[id]
	if cs == nil {
		cs = &connState{id: id, redactor: command.NewRedactor()}
		cs.pending[0].max, cs.pending[1].max = t.opts.MaxOutstanding, t.opts.MaxOutstanding
		t.conns[id] = cs
	}
	return cs
}

// Emit implements event.Receiver.
func (t *Tracker) Emit(ev event.Event) {
	cs := t.conn(ev.ConnID)
	rec := Record{Event: ev}
	switch ev.Kind {
	case event.KindMessage:
		rec.Body = decode.Message(ev.Message)
		if !t.opts.ShowSecrets {
			rec.Secrets = t.redact(cs, &rec.Body, len(ev.Message.Body))
		}
		if rec.Body.Command != nil {
			t.follow(cs, &rec)
		}
	case event.KindDiagnostic:
		if ev.Diag != nil && ev.Diag.Code == "conn.midstream" {
			cs.joined = true
		}
	case event.KindGap:
		cs.gapped = true
	case event.KindConn:
		if ev.Conn != nil && ev.Conn.Closed {
			t.finish(cs, ev.Time, endText(ev.Conn))
			rec.Session = &cs.state
			delete(t.conns, ev.ConnID)
			t.flushQueue(cs)
			t.out(rec)
			return
		}
	}
	t.out(rec)
	t.flushQueue(cs)
}

func (t *Tracker) flushQueue(cs *connState) {
	for i := range cs.queue {
		t.out(cs.queue[i])
		cs.queue[i] = Record{}
	}
	cs.queue = cs.queue[:0]
}

// State returns a copy of the conversation state of an open connection,
// for live viewers, or nil when the connection is unknown or closed.
func (t *Tracker) State(connID event.ConnID) *State {
	cs := t.conns[connID]
	if cs == nil {
		return nil
	}
	return cs.state.Clone()
}

// Flush ends the conversations of connections that never closed (a live
// capture interrupted before the reassembler flushed them): it outputs
// their unanswered-request diagnostics and forgets them. at is the time
// given to those diagnostics. Connections are flushed in id order.
func (t *Tracker) Flush(at time.Time) {
	ids := slices.Sorted(maps.Keys(t.conns))
	for _, id := range ids {
		cs := t.conns[id]
		t.finish(cs, at, "tracking stopped")
		delete(t.conns, id)
		t.flushQueue(cs)
	}
}

// redact scrubs stream keys and tokens from a decoded body. One redactor per
// connection remembers the keys it has seen, so a later onStatus description
// quoting one is scrubbed too. It returns the body byte ranges of the
// values it changed (n is the body's length).
func (t *Tracker) redact(cs *connState, b *decode.Body, n int) []Secret {
	var plain, red []amf.Value
	switch {
	case b.Command != nil:
		c := cs.redactor.Command(*b.Command)
		plain, red = b.Command.Values, c.Values
		b.Command = &c
	case b.Data != nil:
		d := cs.redactor.Data(*b.Data)
		plain, red = b.Data.Values, d.Values
		b.Data = &d
	}
	var out []Secret
	for i := 0; i < len(plain) && i < len(red); i++ {
		out = secretsOf(&plain[i], &red[i], n, out)
	}
	return out
}

// secretsOf appends the ranges of the strings that differ between a plain
// value and its redacted copy (the redactor keeps shape and offsets). The
// range is the string's content, the last len(Str) bytes of its encoding;
// an AMF3 string sent by reference has none of its own and is skipped.
func secretsOf(plain, red *amf.Value, n int, out []Secret) []Secret {
	switch plain.Kind {
	case amf.KindString, amf.KindXML, amf.KindXMLDocument:
		if plain.Str != red.Str && !plain.IsStrRef {
			end := plain.Offset + plain.Length
			off := end - len(plain.Str)
			if off >= plain.Offset && off >= 0 && end <= n {
				out = append(out, Secret{Off: off, Len: len(plain.Str), Plain: plain.Str, Redacted: red.Str})
			}
		}
		return out
	}
	for i := 0; i < len(plain.Props) && i < len(red.Props); i++ {
		out = secretsOf(&plain.Props[i].Value, &red.Props[i].Value, n, out)
	}
	for i := 0; i < len(plain.Elems) && i < len(red.Elems); i++ {
		out = secretsOf(&plain.Elems[i], &red.Elems[i], n, out)
	}
	for i := 0; i < len(plain.Entries) && i < len(red.Entries); i++ {
		out = secretsOf(&plain.Entries[i].Key, &red.Entries[i].Key, n, out)
		out = secretsOf(&plain.Entries[i].Value, &red.Entries[i].Value, n, out)
	}
	// Reference targets are the values decoded earlier, whose ranges
	// were found where they were sent.
	return out
}

// StateByName is State for a connection named as the outputs name it
// ("c1"), for sinks keyed by that name.
func (t *Tracker) StateByName(name string) *State {
	var id event.ConnID
	if id.UnmarshalText([]byte(name)) != nil {
		return nil
	}
	return t.State(id)
}
