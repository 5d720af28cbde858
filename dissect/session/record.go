// Package session is the layer above messages: it decodes each message's
// body once, redacts secrets, and follows each connection's conversation
// (which request a response answers, which streams exist, what each side
// offered). Every sink — text, JSON, statistics, the terminal UI — consumes
// its Records, so they all see the same decoding and the same redaction.
package session

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/media"
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
	// MaxSecrets caps the secrets each connection's redactor remembers
	// (command.DefaultMaxSecrets when 0); the oldest is forgotten first.
	MaxSecrets int
	// AMF bounds the decoding of command, data and shared-object bodies
	// (nesting depth, values per message; amf's defaults when zero). A
	// body past them is decoded up to the limit and gets a
	// session.amf_limit diagnostic.
	AMF amf.Options
	// MaxTags caps the distinct secrets numbered in one run
	// (command.DefaultMaxTags when 0); later ones are masked unnumbered.
	MaxTags int
}

// Tracker turns dissector events into Records and hands them to a function.
// It implements event.Receiver. It is not safe for concurrent use; the
// pipeline calls it from one goroutine.
type Tracker struct {
	opts    Options
	out     func(Record)
	conns   map[event.ConnID]*connState
	maxDiag int
	// tags numbers the distinct secrets of the run, shared by every
	// connection's redactor so a key has one tag everywhere.
	tags *command.Tags
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
	// formats gives AAC (and other configured) coded frames their
	// stream's effective sample rate and channels.
	formats media.Formats
}

// New returns a Tracker that passes every Record to out.
func New(opts Options, out func(Record)) *Tracker {
	if opts.MaxOutstanding <= 0 {
		opts.MaxOutstanding = DefaultMaxOutstanding
	}
	t := &Tracker{opts: opts, out: out, conns: map[event.ConnID]*connState{}, maxDiag: opts.MaxDiagPerCode,
		tags: command.NewTags(opts.MaxTags)}
	if t.maxDiag <= 0 {
		t.maxDiag = DefaultMaxDiagPerCode
	}
	return t
}

func (t *Tracker) conn(id event.ConnID) *connState {
	cs := t.conns[id]
	if cs == nil {
		cs = &connState{id: id, redactor: command.NewRedactorWith(t.tags, t.opts.MaxSecrets)}
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
		rec.Body = decode.MessageWith(ev.Message, t.opts.AMF)
		if err := rec.Body.Err; err != nil && (errors.Is(err, amf.ErrLimit) || errors.Is(err, amf.ErrDepth)) {
			t.diag(cs, ev.Time, whereMessage(ev.Message), event.Warn, CodeAMFLimit, fmt.Sprintf("%s body not decoded past the AMF limits (--max-amf-depth, --max-amf-values): %v", ev.Message.TypeID.Name(), err))
		}
		cs.applyFormats(ev.Message, &rec.Body)
		if !t.opts.ShowSecrets {
			rec.Secrets = t.redact(cs, &rec.Body, ev.Message.Body)
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
// values it changed (see secrets.go).
func (t *Tracker) redact(cs *connState, b *decode.Body, body []byte) []Secret {
	var out []Secret
	switch {
	case b.Command != nil:
		c := cs.redactor.Command(*b.Command)
		out = valueSecrets(body, b.Command.Values, c.Values, out)
		b.Command = &c
	case b.Data != nil:
		d := cs.redactor.Data(*b.Data)
		out = valueSecrets(body, b.Data.Values, d.Values, out)
		b.Data = &d
	case b.Shared != nil:
		so := cs.redactor.SharedObject(*b.Shared)
		out = sharedObjectSecrets(body, b.Shared, &so, out)
		b.Shared = &so
	case b.Aggregate != nil:
		out = t.redactAggregate(cs, b.Aggregate, body, out)
	}
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

// applyFormats gives the audio of a message (or of an aggregate's
// sub-messages) its stream's effective format (media.Formats).
func (cs *connState) applyFormats(m *event.Message, b *decode.Body) {
	if b.Audio != nil {
		cs.formats.Audio(uint8(m.Dir), m.MSID, b.Audio)
	}
	for i := range b.Aggregate {
		if a := b.Aggregate[i].Audio; a != nil {
			cs.formats.Audio(uint8(m.Dir), m.MSID, a)
		}
	}
}
