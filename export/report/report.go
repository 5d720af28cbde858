// Package report writes `rtmpscope report`: one self-contained HTML file
// per capture, meant to be attached to a bug report at nginx-rtmp, SRS or
// OBS. For each connection it tells what happened (the facts `conns`
// shows, the command exchange on one line, how it ended, and what went
// wrong), draws a ladder diagram of its command exchange with each
// answer's latency, and charts its streams (bitrate, frame rate, GOP, A/V
// drift over media time) and its request latency, as inline SVG. The file
// loads nothing when opened: no script, no stylesheet, font or image from
// anywhere, so it reads the same offline and in a mail client's sandbox.
//
// A Builder consumes the session layer's records; what it shows is as
// redacted as they are (the default), or plain when the pipeline was told
// to show secrets. The statistics come from the one engine
// (export.StatsCollector) and the time series from export/report/series.
package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/report/series"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// Defaults of Options.
const (
	DefaultMaxLadder = 80 // ladder steps drawn per connection
	DefaultMaxConns  = 50 // connections told in full
	maxDiags         = 20 // diagnostics listed per connection
)

// Options tune a report.
type Options struct {
	Source  string // the capture's name, shown in the title
	Version string // rtmpscope's version line, shown in the footer
	// Revealed says the records carry plain secrets (--show-secrets); the
	// report then says so in red at the top.
	Revealed bool
	// MaxLadder bounds the ladder steps per connection (DefaultMaxLadder
	// when 0); MaxConns the connections told in full (DefaultMaxConns).
	MaxLadder int
	MaxConns  int
	// RelayFrames bounds the publisher frames remembered to match the
	// frames a server relayed to players (relay.DefaultMaxFrames when 0).
	RelayFrames int
}

// Builder collects what a report shows from session records. It is not
// safe for concurrent use.
type Builder struct {
	opts    Options
	conns   []*conn
	byID    map[event.ConnID]*conn
	first   time.Time
	last    time.Time
	stats   *export.StatsCollector
	series  series.Collector
	counts  struct{ messages, diags, errors, warnings int }
	dropped int // connections past MaxConns
	// stories tells each connection's story (export/story, as `conns
	// --story` does); the report's own facts stand in for a connection
	// still open at the end.
	stories *story.Builder
}

// conn is what the report tells of one connection.
type conn struct {
	id             event.ConnID
	client, server string
	variant        string
	layers         []string
	open, close    time.Time
	closed, rtmp   bool
	end            string
	bytes          [2]int64
	messages       int
	app            string
	role           string
	names          []string
	steps          []step
	more           int // steps past MaxLadder
	diags          []event.Diagnostic
	moreDiags      int
	errors         int
	streams        []export.StreamStats
	firstMedia     time.Time
	mediaAsked     time.Time // publish or play sent
	story          *story.Story
}

// step is one message of a connection's ladder.
type step struct {
	at      time.Duration // since the connection opened
	frame   uint64
	dir     event.Dir
	label   string
	latency time.Duration // on an answer paired with its request
	answer  bool
	failed  bool // _error, or onStatus of level error
}

// New returns an empty Builder.
func New(opts Options) *Builder {
	if opts.MaxLadder <= 0 {
		opts.MaxLadder = DefaultMaxLadder
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	b := &Builder{opts: opts, byID: map[event.ConnID]*conn{}, stories: story.New(story.Options{})}
	b.series.RelayFrames = opts.RelayFrames
	b.stats = &export.StatsCollector{OnStream: func(s export.StreamStats) {
		for _, c := range b.conns {
			if c.id.String() == s.Conn {
				c.streams = append(c.streams, s)
			}
		}
	}}
	return b
}

// Add takes one record.
func (b *Builder) Add(r *session.Record) {
	if b.first.IsZero() || r.Time.Before(b.first) {
		b.first = r.Time
	}
	if r.Time.After(b.last) {
		b.last = r.Time
	}
	b.stats.Add(*r)
	b.series.Add(r)
	told := b.stories.Add(r)
	c := b.byID[r.ConnID]
	if c == nil {
		c = &conn{id: r.ConnID, open: r.Time}
		if len(b.conns) >= b.opts.MaxConns {
			b.dropped++
			c = nil
		} else {
			b.conns = append(b.conns, c)
		}
		b.byID[r.ConnID] = c
	}
	switch r.Kind {
	case event.KindMessage:
		b.counts.messages++
	case event.KindDiagnostic:
		b.counts.diags++
		switch r.Diag.Severity {
		case event.Error:
			b.counts.errors++
		case event.Warn:
			b.counts.warnings++
		}
	}
	if c == nil {
		return
	}
	if told != nil {
		c.story = told
	}
	switch r.Kind {
	case event.KindConn:
		in := r.Conn.Info
		c.client, c.server, c.variant, c.layers = in.Client.String(), in.Server.String(), in.Variant.String(), in.Layers
		if r.Conn.Closed {
			c.closed, c.rtmp, c.bytes, c.close = true, r.Conn.RTMP, r.Conn.Bytes, r.Time
			c.messages = r.Conn.Messages[0] + r.Conn.Messages[1]
			if r.Conn.Stats != nil {
				c.end = r.Conn.Stats.End.String()
			}
		}
	case event.KindDiagnostic:
		if r.Diag.Severity == event.Error {
			c.errors++
		}
		if len(c.diags) < maxDiags {
			c.diags = append(c.diags, *r.Diag)
		} else {
			c.moreDiags++
		}
	case event.KindMessage:
		b.message(c, r)
	}
}

// message notes a message: names, media start and a ladder step for
// everything but media and acknowledgements.
func (b *Builder) message(c *conn, r *session.Record) {
	m := r.Message
	switch m.TypeID {
	case event.TypeAudio, event.TypeVideo, event.TypeAggregate:
		if c.firstMedia.IsZero() && m.Length > 0 {
			c.firstMedia = r.Time
		}
		return
	case event.TypeAck:
		return
	}
	if cmd := r.Body.Command; cmd != nil {
		if cn, ok := cmd.Connect(); ok {
			c.app = cn.App
		}
		if p, ok := cmd.Publish(); ok {
			c.role, c.mediaAsked = "publisher", r.Time
			c.addName(c.app + "/" + p.Name)
		}
		if p, ok := cmd.Play(); ok {
			c.role, c.mediaAsked = "player", r.Time
			c.addName(c.app + "/" + p.Name)
		}
	}
	if len(c.steps) >= b.opts.MaxLadder {
		c.more++
		return
	}
	s := step{at: r.Time.Sub(c.open), frame: m.Frame, dir: m.Dir, label: decode.Summary(m, r.Body)}
	if p := r.Pair; p != nil && p.Role == session.RoleResponse {
		s.answer, s.latency = true, p.Latency
	}
	low := strings.ToLower(s.label)
	s.failed = strings.HasPrefix(low, "_error") || strings.Contains(low, `level: "error"`)
	c.steps = append(c.steps, s)
}

func (c *conn) addName(n string) {
	for _, x := range c.names {
		if x == n {
			return
		}
	}
	c.names = append(c.names, n)
}

// Finish reports the streams of connections still open at the end. Call it
// once, after the last Add and before Write.
func (b *Builder) Finish() { b.stats.Flush() }

// exchange is the connection's command exchange on one line, as in
// "connect → _result 44 ms → createStream → _result 0.03 ms → publish →
// onStatus NetStream.Publish.Start".
func (c *conn) exchange() string {
	if c.story != nil {
		return c.story.ExchangeLine()
	}
	var parts []string
	for _, s := range c.steps {
		name, _, _ := strings.Cut(s.label, " ")
		if i := strings.IndexByte(name, '#'); i > 0 {
			name = name[:i]
		}
		if name == "" || !isCommandName(name) {
			continue
		}
		if name == "onStatus" {
			if code := statusCode(s.label); code != "" {
				name += " " + code
			}
		}
		if s.answer {
			name += " " + ms(s.latency)
		}
		parts = append(parts, name)
		if len(parts) == 14 {
			parts = append(parts, "…")
			break
		}
	}
	return strings.Join(parts, " → ")
}

// isCommandName says whether a summary's first word is a command (not a
// control message's "Set Chunk Size").
func isCommandName(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '_' || c == '@' || (c >= 'a' && c <= 'z') || c == 'F'
}

// statusCode pulls the code of an onStatus summary.
func statusCode(label string) string {
	_, rest, ok := strings.Cut(label, `code: "`)
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, `"`)
	return code
}

// verdict is one line on how the connection went, with its evidence.
func (c *conn) verdict() (string, bool) {
	if v := c.storyVerdict(); v != "" {
		return v, !c.story.Verdict.OK && !c.story.Verdict.Unknown
	}
	for _, s := range c.steps {
		if s.failed {
			return fmt.Sprintf("failed: %s (frame %d)", clip(s.label, 120), s.frame), true
		}
	}
	for _, d := range c.diags {
		if d.Severity == event.Error {
			return fmt.Sprintf("error %s: %s", d.Code, d.Text), true
		}
	}
	if !c.rtmp && c.closed && c.messages == 0 {
		return "no RTMP message was decoded on this connection", true
	}
	if c.role != "" && c.firstMedia.IsZero() {
		verb := "publish"
		if c.role == "player" {
			verb = "play"
		}
		return "asked to " + verb + " but no media followed", true
	}
	return "no problem seen", false
}

// ms formats a duration in milliseconds, three significant decimals at most.
func ms(d time.Duration) string {
	v := float64(d.Microseconds()) / 1000
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.3f ms", v)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// storyVerdict is the story's verdict with its evidence, "" without a story.
func (c *conn) storyVerdict() string {
	if c.story == nil {
		return ""
	}
	v := c.story.Verdict
	t := v.Text
	switch {
	case v.OK:
		t = "ok: " + t
	case v.Unknown:
		t = "unknown: " + t
	default:
		t = "FAILED: " + t
	}
	if v.Evidence != "" {
		t += " (" + v.Evidence + ")"
	}
	return t
}
