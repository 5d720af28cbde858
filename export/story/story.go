// Package story tells what happened on each RTMP connection, in the terms
// a streaming engineer asks first: which application, publisher or player,
// which streams, the command exchange on one line, when media started, the
// codecs, who closed the connection and how, and a one-line verdict with
// its evidence when something failed.
//
// A Builder consumes the session layer's records (already decoded and
// redacted) and hands back a connection's Story with its conn-closed
// record. It keeps state for open connections only, each bounded.
package story

import (
	"fmt"
	"strings"
)

// Roles of a connection.
const (
	RolePublisher = "publisher"
	RolePlayer    = "player"
	RoleOther     = "other"
)

// Problems a verdict names (Verdict.Problem).
const (
	ProblemConnectRejected   = "connect_rejected"
	ProblemConnectUnanswered = "connect_unanswered"
	ProblemPublishRefused    = "publish_refused"
	ProblemPlayRefused       = "play_refused"
	ProblemUnanswered        = "unanswered"
	ProblemAckStall          = "ack_window_stall"
	ProblemNoKeyframe        = "no_keyframe"
	ProblemBackwards         = "timestamps_backwards"
	ProblemNoSession         = "no_session" // not one RTMP message: refused handshake, wrong protocol
)

// Story is one connection told in a few facts. Strings are redacted as the
// records they come from are.
type Story struct {
	App  string `json:"app,omitempty"`
	Role string `json:"role"` // RolePublisher, RolePlayer or RoleOther
	// RoleInferred is set when no publish or play was seen (a capture that
	// began mid-connection) and the role comes from the media direction.
	RoleInferred bool     `json:"role_inferred,omitempty"`
	Streams      []string `json:"streams,omitempty"` // stream names, app-qualified ("live/****")
	// Exchange is the command messages in order (at most Options.MaxSteps;
	// ExchangeMore counts the rest).
	Exchange     []Step `json:"exchange"`
	ExchangeMore int    `json:"exchange_more,omitempty"`
	// Media is when media started, relative to the publish or play that
	// asked for it.
	Media *MediaStart `json:"media,omitempty"`
	// Codecs are the codecs of the media the connection carried, e.g.
	// "video H.264 Constrained Baseline 320x240", "audio AAC-LC 48000 Hz mono".
	Codecs  []string `json:"codecs,omitempty"`
	Close   Close    `json:"close"`
	Verdict Verdict  `json:"verdict"`
}

// Step is one command message of the exchange.
type Step struct {
	Dir   string `json:"dir"`  // c2s or s2c
	Name  string `json:"name"` // connect, _result, onStatus, ...
	Code  string `json:"code,omitempty"`
	Frame uint64 `json:"frame"`
	// LatencyMS is set on a reply paired with its request: the time since
	// the request, in milliseconds; Request names that request.
	LatencyMS *float64 `json:"latency_ms,omitempty"`
	Request   string   `json:"request,omitempty"`
}

// MediaStart says when the first media arrived after publish or play.
type MediaStart struct {
	Command string `json:"command"` // "publish" or "play"
	// FirstFrameMS is the time from the command to the first audio or
	// video message of the stream, FirstKeyframeMS to its first video
	// keyframe (coded frame); nil when none came.
	FirstFrameMS    *float64 `json:"first_frame_ms,omitempty"`
	FirstKeyframeMS *float64 `json:"first_keyframe_ms,omitempty"`
	// DurationMS is the media time covered (first to last timestamp).
	DurationMS int64 `json:"duration_ms"`
}

// Close says how the connection ended.
type Close struct {
	// By is "client" or "server" when a FIN or RST was seen, the side
	// that sent the first one; empty otherwise.
	By  string `json:"by,omitempty"`
	How string `json:"how"` // fin, rst, idle, open (capture ended), close
	// After is the last message before the end ("onStatus
	// NetStream.Publish.BadName", "video", ...) and AfterMS how long
	// before the end it was.
	After   string  `json:"after,omitempty"`
	AfterMS float64 `json:"after_ms,omitempty"`
}

// Verdict is the one-line judgement of a connection.
type Verdict struct {
	OK bool `json:"ok"`
	// Unknown is set when nothing can be judged (encrypted without keys);
	// OK is then false too.
	Unknown  bool   `json:"unknown,omitempty"`
	Problem  string `json:"problem,omitempty"` // one of the Problem constants
	Text     string `json:"text"`
	Evidence string `json:"evidence,omitempty"`
	// Frame is the frame of the evidence (0 when it is not one message).
	Frame uint64 `json:"frame,omitempty"`
}

// ExchangeLine is the exchange on one line:
// "connect → _result 44 ms → createStream → publish → onStatus NetStream.Publish.BadName".
func (s *Story) ExchangeLine() string {
	var b strings.Builder
	for i, st := range s.Exchange {
		if i > 0 {
			b.WriteString(" → ")
		}
		b.WriteString(st.Name)
		if st.Code != "" && !(st.Name == "_result" && strings.HasSuffix(st.Code, ".Success")) {
			b.WriteString(" " + st.Code)
		}
		if st.LatencyMS != nil {
			b.WriteString(" " + FormatMS(*st.LatencyMS))
		}
	}
	if s.ExchangeMore > 0 {
		fmt.Fprintf(&b, " → … %d more", s.ExchangeMore)
	}
	return b.String()
}

// FormatMS writes a duration in milliseconds the way the story does:
// microseconds below 1 ms (loopback), whole milliseconds above 10 ms.
func FormatMS(ms float64) string {
	switch {
	case ms < 1:
		return fmt.Sprintf("%.3f ms", ms)
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// Lines is the story as text, one fact a line, for `conns --story` and
// the text view.
func (s *Story) Lines() []string {
	head := s.Role
	if s.RoleInferred {
		head += " (inferred from the media)"
	}
	if s.App != "" {
		head += " app " + s.App
	}
	if len(s.Streams) > 0 {
		head += " streams " + strings.Join(s.Streams, ", ")
	}
	out := []string{head}
	if ex := s.ExchangeLine(); ex != "" {
		out = append(out, "exchange: "+ex)
	}
	if m := s.Media; m != nil {
		l := "media: "
		switch {
		case m.FirstFrameMS == nil:
			l += "none after " + m.Command
		default:
			l += "first frame " + FormatMS(*m.FirstFrameMS)
			if m.FirstKeyframeMS != nil {
				l += ", first keyframe " + FormatMS(*m.FirstKeyframeMS)
			}
			l += " after " + m.Command + fmt.Sprintf(", %.1f s of media", float64(m.DurationMS)/1000)
		}
		out = append(out, l)
	}
	if len(s.Codecs) > 0 {
		out = append(out, "codecs: "+strings.Join(s.Codecs, ", "))
	}
	out = append(out, "closed: "+s.Close.Text())
	v := "verdict: "
	if s.Verdict.OK {
		v += "ok, "
	} else if s.Verdict.Unknown {
		v += "unknown, "
	} else {
		v += "FAILED, "
	}
	v += s.Verdict.Text
	if s.Verdict.Evidence != "" {
		v += " (" + s.Verdict.Evidence + ")"
	}
	return append(out, v)
}

// Text is the close as a phrase: "by the client (FIN) 12 ms after deleteStream".
func (c Close) Text() string {
	var s string
	switch c.How {
	case "open":
		s = "no, the capture ended first"
	case "idle":
		s = "idle (no packet for the idle timeout)"
	case "close":
		s = "by the protocol"
	default:
		who := c.By
		if who == "" {
			who = "unknown side"
		} else {
			who = "the " + who
		}
		s = fmt.Sprintf("by %s (%s)", who, strings.ToUpper(c.How))
	}
	if c.After != "" {
		s += ", " + FormatMS(c.AfterMS) + " after " + c.After
	}
	return s
}
