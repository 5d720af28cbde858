package tree

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// Build returns the detail tree of one record: a root per event whose
// Label is a short title and whose children are the event's fields. It
// never returns nil and never panics: a decoder bug shows up as an error
// node, not a crash of the viewer.
//
// Every Body range lies inside the message body and every Wire range inside
// the message's chunks (ranges that would not are dropped to NoBytes), so a
// hex view can highlight them without checking.
func Build(r *session.Record) *Node {
	return (*Arena)(nil).buildSafe(r)
}

// buildSafe is Build in a's memory.
func (a *Arena) buildSafe(r *session.Record) (root *Node) {
	defer func() {
		if p := recover(); p != nil {
			root = &Node{Label: "internal error", Value: fmt.Sprint(p), Severity: SevError, Expanded: true}
		}
	}()
	if r == nil {
		return &Node{Label: "no event", Expanded: true}
	}
	root = a.build(r)
	if r.Kind == event.KindMessage && r.Message != nil {
		sanitize(root, r.Message)
	}
	return root
}

// build is Build without the safety net: the range tests run it so that a
// range the builders get wrong fails the test instead of being dropped.
func build(r *session.Record) *Node { return (*Arena)(nil).build(r) }

func (a *Arena) build(r *session.Record) *Node {
	switch r.Kind {
	case event.KindConn:
		if r.Conn != nil {
			return a.buildConn(&r.Event)
		}
	case event.KindHandshake:
		if r.Handshake != nil {
			return a.buildHandshake(&r.Event)
		}
	case event.KindMessage:
		if r.Message != nil {
			n := a.buildMessage(&r.Event, r.Body)
			if p := a.pairNode(r.Pair); p != nil {
				a.add(n, p)
			}
			return n
		}
	case event.KindDiagnostic:
		if r.Diag != nil {
			return a.buildDiagnostic(&r.Event)
		}
	case event.KindGap:
		if r.Gap != nil {
			return a.buildGap(&r.Event)
		}
	}
	return a.field("Event", r.Kind.String()+" (no payload)").expand()
}

// arrow names a direction the way the text view does.
func arrow(d event.Dir) string {
	if d == event.S2C {
		return "S→C"
	}
	return "C→S"
}

// dirName is the long form of a direction.
func dirName(d event.Dir) string {
	if d == event.S2C {
		return "S→C (server to client)"
	}
	return "C→S (client to server)"
}

// eventFields are the lines every event starts with.
func (a *Arena) eventFields(ev *event.Event) *Node {
	g := a.add(a.field("Event", ev.Kind.String()),
		a.field("Connection", a.connID(ev.ConnID)),
	)
	if ev.HasDir {
		a.add(g, a.field("Direction", dirName(ev.Dir)))
	}
	if !ev.Time.IsZero() {
		var buf textBuf
		a.add(g, a.field("Capture time", a.str(ev.Time.UTC().AppendFormat(buf[:0], time.RFC3339Nano))))
	}
	return g
}

// connID is id.String() ("c12") without fmt: every event names its
// connection.
func (a *Arena) connID(id event.ConnID) string {
	var buf textBuf
	return a.str(strconv.AppendUint(append(buf[:0], 'c'), uint64(id), 10))
}

func (a *Arena) frames(f [2]uint64) string {
	switch {
	case f[0] == 0 && f[1] == 0:
		return "unknown"
	case f[0] == f[1] || f[0] == 0:
		return a.utoa(f[1])
	}
	var buf textBuf
	b := strconv.AppendUint(buf[:0], f[0], 10)
	b = append(b, "–"...)
	return a.str(strconv.AppendUint(b, f[1], 10))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000)
}

func (a *Arena) buildDiagnostic(ev *event.Event) *Node {
	d := ev.Diag
	sev := SevNormal
	switch d.Severity {
	case event.Warn:
		sev = SevWarn
	case event.Error:
		sev = SevError
	}
	root := a.field("Diagnostic", d.Severity.String()+" "+d.Code).expand().sev(sev)
	a.add(root, a.eventFields(ev))
	a.add(root,
		a.field("Severity", d.Severity.String()).sev(sev),
		a.field("Code", d.Code),
		a.field("Text", d.Text),
	)
	if d.Offset >= 0 {
		o := a.field("Stream offset", fmt.Sprint(d.Offset))
		if ev.HasDir {
			o.Space, o.Off, o.Len = Wire, d.Offset, max(d.Length, 0)
		}
		a.add(root, o)
	}
	if d.Length > 0 {
		a.add(root, a.field("Length", fmt.Sprintf("%d bytes", d.Length)))
	}
	a.add(root, a.field("Frames", a.frames(d.Frames)))
	if d.CSID != 0 {
		a.add(root, a.field("Chunk stream ID", fmt.Sprint(d.CSID)))
	}
	return root
}

func (a *Arena) buildGap(ev *event.Event) *Node {
	g := ev.Gap
	n := fmt.Sprintf("%d bytes", g.Bytes)
	if g.Bytes < 0 {
		n = "unknown"
	}
	root := a.field("Gap", n+" missing ("+g.Reason.String()+")").expand().sev(SevWarn)
	a.add(root, a.eventFields(ev))
	a.add(root,
		a.field("Bytes missing", n),
		a.field("Reason", g.Reason.String()),
		a.field("Resumed at stream offset", fmt.Sprint(g.Offset)),
		a.field("First frame after the gap", fmt.Sprint(g.Frame)),
		a.field("Action", g.Action),
	)
	return root
}

func (a *Arena) buildConn(ev *event.Event) *Node {
	c := ev.Conn
	in := &c.Info
	state := "opened"
	if c.Closed {
		state = "closed"
	}
	root := a.field("Connection", fmt.Sprintf("%s %s → %s", state, in.Client, in.Server)).expand()
	a.add(root, a.eventFields(ev))
	a.add(root,
		a.field("Client", in.Client.String()),
		a.field("Server", in.Server.String()),
		a.field("Orientation", orientation(in.Orientation)),
	)
	if in.Orientation == event.OrientHandshake {
		a.add(root, a.field("Swapped", "yes: the first bytes showed the other side is the client").sev(SevWarn))
	}
	if in.Frame != 0 {
		a.add(root, a.field("First frame", fmt.Sprint(in.Frame)))
	}
	if in.Transport == event.TransportTCP {
		a.add(root, a.field("SYN captured", yesNo(in.SawSYN)))
	}
	id := a.add(a.field("Variant", in.Variant.String()).expand(),
		a.field("Transport", in.Transport.String()),
		a.field("Layers", strings.Join(in.Layers, " → ")),
		a.field("Rule", in.Rule),
		a.field("Evidence", in.Evidence),
	)
	if len(in.Outer) > 0 {
		a.add(id, a.field("Inside", strings.Join(in.Outer, " → ")))
	}
	a.add(root, id, a.field("UID", in.UID), a.field("Community ID", in.CommunityID))
	if c.TLS != nil {
		a.add(root, a.tlsNode(c.TLS))
	}
	if !c.Closed {
		return root
	}
	variant := in.Variant.String()
	if !c.RTMP {
		variant = "not RTMP"
	}
	a.add(root,
		a.field("RTMP", variant),
		a.field("Joined mid-stream", yesNo(c.MidStream)),
	)
	if !c.First.IsZero() {
		a.add(root, a.field("First seen", c.First.UTC().Format(time.RFC3339Nano)),
			a.field("Last seen", c.Last.UTC().Format(time.RFC3339Nano)),
			a.field("Duration", c.Last.Sub(c.First).String()))
	}
	if s := c.Stats; s != nil {
		end := "capture ended with the connection open"
		switch s.End {
		case event.EndRST:
			end = "RST"
		case event.EndFIN:
			end = "FIN"
		case event.EndIdle:
			end = "idle timeout"
		case event.EndClose:
			end = "closed by the protocol"
		}
		a.add(root, a.field("Ended by", end))
	}
	for _, d := range []event.Dir{event.C2S, event.S2C} {
		a.add(root, a.connDir(c, d))
	}
	return root
}

func orientation(how event.Orientation) string {
	switch how {
	case event.OrientSYN:
		return "syn (client sent the SYN)"
	case event.OrientPort:
		return "port (server port is a known RTMP port)"
	case event.OrientHandshake:
		return "handshake (the first bytes told the sides apart)"
	case event.OrientFirst:
		return "first (the client sent the first datagram)"
	}
	return how.String()
}

// connDir is one direction's counters and byte accounting.
func (a *Arena) connDir(c *event.ConnEvent, d event.Dir) *Node {
	i := int(d)
	g := a.field(arrow(d), fmt.Sprintf("%d bytes, %d messages", c.Bytes[i], c.Messages[i])).expand()
	if s := c.Stats; s != nil {
		ds := s.Dir[i]
		t := a.add(a.field("TCP", fmt.Sprintf("%d packets", ds.Packets)),
			a.field("Packets", fmt.Sprint(ds.Packets)),
			a.field("Bytes delivered", fmt.Sprint(ds.Bytes)),
			a.field("Retransmitted segments", fmt.Sprint(ds.Retrans)),
			a.field("Out-of-order segments", fmt.Sprint(ds.OutOfOrder)),
			a.field("Gaps", fmt.Sprint(ds.Gaps)),
			a.field("Bytes missing", fmt.Sprint(ds.GapBytes)),
			a.field("Start captured", yesNo(!ds.MidStream)),
		)
		if ds.Gaps > 0 {
			t.Severity = SevWarn
		}
		a.add(g, t)
	}
	ac := c.Account[i]
	acc := a.add(a.field("Accounting", "where every byte went"),
		a.field("Handshake", fmt.Sprint(ac.Handshake)),
		a.field("Chunk headers", fmt.Sprint(ac.Header)),
		a.field("Chunk payload", fmt.Sprint(ac.Payload)),
	)
	for _, x := range []struct {
		label string
		n     int64
		sev   int
	}{{"Skipped while resynchronising", ac.Skipped, SevWarn}, {"Encrypted (RTMPE)", ac.Encrypted, SevNormal},
		{"Pending at close", ac.Pending, SevWarn}, {"Missing (gaps)", ac.Missing, SevWarn}} {
		if x.n != 0 {
			a.add(acc, a.field(x.label, fmt.Sprint(x.n)).sev(x.sev))
		}
	}
	a.add(g, acc)
	ak := c.Acks[i]
	if ak.Window != 0 || ak.Acks != 0 {
		a.add(g, a.add(a.field("Acknowledgements", fmt.Sprintf("%d from the peer", ak.Acks)),
			a.field("Window announced", fmt.Sprint(ak.Window)),
			a.field("Acknowledgements", fmt.Sprint(ak.Acks)),
			a.field("Last acknowledged", fmt.Sprint(ak.LastAck)),
			a.field("Most bytes unacknowledged", fmt.Sprint(ak.MaxUnacked)),
		))
	}
	return g
}

func (a *Arena) buildHandshake(ev *event.Event) *Node {
	h := ev.Handshake
	scheme := "simple"
	switch {
	case h.Encrypted:
		scheme = "RTMPE (encrypted)"
	case h.Digest:
		scheme = "digest (Flash/FMS)"
	}
	root := a.field("Handshake", scheme).expand()
	if !h.Complete {
		root.Value += ", incomplete"
		root.Severity = SevWarn
	}
	a.add(root, a.eventFields(ev))
	a.add(root,
		a.version("C0", h.C0),
		a.half("C1", &h.C1),
		a.version("S0", h.S0),
		a.half("S1", &h.S1),
		a.echo("C2", "S1", &h.C2),
		a.echo("S2", "C1", &h.S2),
		a.field("Scheme", scheme),
		a.field("Complete", yesNo(h.Complete)),
		a.field("Server delay", ms(h.ServerDelay)+" (C1's last byte to S0/S1's first)"),
		a.field("Client delay", ms(h.ClientDelay)+" (S1's last byte to C2's first)"),
		a.field("RTT estimate", ms(h.RTT)),
	)
	return root
}

func (a *Arena) version(name string, v int) *Node {
	switch v {
	case -1:
		return a.field(name+" version", "not seen")
	case 3:
		return a.field(name+" version", "3 (plain RTMP)")
	case 6, 8:
		return a.field(name+" version", fmt.Sprintf("%d (RTMPE, encrypted)", v))
	}
	return a.field(name+" version", fmt.Sprintf("%d (unknown)", v)).sev(SevWarn)
}

func (a *Arena) half(name string, h *event.HandshakeHalf) *Node {
	if !h.Present {
		return a.field(name, "not seen")
	}
	n := a.field(name, fmt.Sprintf("frame %d", h.Frame)).expand()
	a.add(n, a.field("Time", fmt.Sprint(h.Time)))
	if h.Version == 0 {
		a.add(n, a.field("Version", "0 (simple handshake)"))
	} else {
		a.add(n, a.field("Version", fmt.Sprintf("%d.%d.%d.%d (0x%08x)", h.Version>>24, h.Version>>16&0xff, h.Version>>8&0xff, h.Version&0xff, h.Version)))
	}
	if h.Scheme >= 0 {
		a.add(n, a.field("Digest", fmt.Sprintf("valid, scheme %d at offset %d", h.Scheme, h.DigestOffset)))
		if len(h.Digest) > 0 {
			a.add(n, a.field("Digest bytes", fmt.Sprintf("%x", h.Digest)))
		}
	} else if h.Version != 0 {
		a.add(n, a.field("Digest", "none validated").sev(SevWarn))
	} else {
		a.add(n, a.field("Digest", "none"))
	}
	return n
}

func (a *Arena) echo(name, of string, e *event.EchoCheck) *Node {
	if !e.Present {
		return a.field(name, "not seen")
	}
	var what string
	sev := SevNormal
	switch e.Kind {
	case "echo":
		what = "echo of " + of + " (bytes equal, except time2)"
	case "digest":
		what = "digest-signed echo of " + of + ", HMAC valid"
	case "digest-unverified":
		what = "digest handshake; echo of " + of + " not verified"
	case "mismatch":
		what = "does not echo " + of
		sev = SevWarn
	default:
		what = e.Kind
	}
	return a.add(a.field(name, fmt.Sprintf("frame %d", e.Frame)).expand(),
		a.field("Check", what).sev(sev),
		a.field("Time (echoed)", fmt.Sprint(e.Time)),
		a.field("Time2", fmt.Sprint(e.Time2)),
	)
}
