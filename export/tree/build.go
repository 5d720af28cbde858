package tree

import (
	"fmt"
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
func Build(r *session.Record) (root *Node) {
	defer func() {
		if p := recover(); p != nil {
			root = &Node{Label: "internal error", Value: fmt.Sprint(p), Severity: SevError, Expanded: true}
		}
	}()
	if r == nil {
		return &Node{Label: "no event", Expanded: true}
	}
	root = build(r)
	if r.Kind == event.KindMessage && r.Message != nil {
		sanitize(root, r.Message)
	}
	return root
}

// build is Build without the safety net: the range tests run it so that a
// range the builders get wrong fails the test instead of being dropped.
func build(r *session.Record) *Node {
	switch r.Kind {
	case event.KindConn:
		if r.Conn != nil {
			return buildConn(&r.Event)
		}
	case event.KindHandshake:
		if r.Handshake != nil {
			return buildHandshake(&r.Event)
		}
	case event.KindMessage:
		if r.Message != nil {
			n := buildMessage(&r.Event, r.Body)
			if p := pairNode(r.Pair); p != nil {
				n.add(p)
			}
			return n
		}
	case event.KindDiagnostic:
		if r.Diag != nil {
			return buildDiagnostic(&r.Event)
		}
	case event.KindGap:
		if r.Gap != nil {
			return buildGap(&r.Event)
		}
	}
	return &Node{Label: "Event", Value: r.Kind.String() + " (no payload)", Expanded: true}
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
func eventFields(ev *event.Event) *Node {
	g := field("Event", ev.Kind.String()).add(
		field("Connection", ev.ConnID.String()),
	)
	if ev.HasDir {
		g.add(field("Direction", dirName(ev.Dir)))
	}
	if !ev.Time.IsZero() {
		g.add(field("Capture time", ev.Time.UTC().Format(time.RFC3339Nano)))
	}
	return g
}

func frames(f [2]uint64) string {
	switch {
	case f[0] == 0 && f[1] == 0:
		return "unknown"
	case f[0] == f[1] || f[0] == 0:
		return fmt.Sprint(f[1])
	}
	return fmt.Sprintf("%d–%d", f[0], f[1])
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

func buildDiagnostic(ev *event.Event) *Node {
	d := ev.Diag
	sev := SevNormal
	switch d.Severity {
	case event.Warn:
		sev = SevWarn
	case event.Error:
		sev = SevError
	}
	root := (&Node{Label: "Diagnostic", Value: d.Severity.String() + " " + d.Code}).expand().sev(sev)
	root.add(eventFields(ev))
	root.add(
		field("Severity", d.Severity.String()).sev(sev),
		field("Code", d.Code),
		field("Text", d.Text),
	)
	if d.Offset >= 0 {
		o := field("Stream offset", fmt.Sprint(d.Offset))
		if ev.HasDir {
			o.Space, o.Off, o.Len = Wire, d.Offset, max(d.Length, 0)
		}
		root.add(o)
	}
	if d.Length > 0 {
		root.add(field("Length", fmt.Sprintf("%d bytes", d.Length)))
	}
	root.add(field("Frames", frames(d.Frames)))
	if d.CSID != 0 {
		root.add(field("Chunk stream ID", fmt.Sprint(d.CSID)))
	}
	return root
}

func buildGap(ev *event.Event) *Node {
	g := ev.Gap
	n := fmt.Sprintf("%d bytes", g.Bytes)
	if g.Bytes < 0 {
		n = "unknown"
	}
	root := (&Node{Label: "Gap", Value: n + " missing (" + g.Reason.String() + ")"}).expand().sev(SevWarn)
	root.add(eventFields(ev))
	root.add(
		field("Bytes missing", n),
		field("Reason", g.Reason.String()),
		field("Resumed at stream offset", fmt.Sprint(g.Offset)),
		field("First frame after the gap", fmt.Sprint(g.Frame)),
		field("Action", g.Action),
	)
	return root
}

func buildConn(ev *event.Event) *Node {
	c := ev.Conn
	in := &c.Info
	state := "opened"
	if c.Closed {
		state = "closed"
	}
	root := (&Node{Label: "Connection", Value: fmt.Sprintf("%s %s → %s", state, in.Client, in.Server)}).expand()
	root.add(eventFields(ev))
	root.add(
		field("Client", in.Client.String()),
		field("Server", in.Server.String()),
		field("Orientation", orientation(in.Orientation)),
	)
	if in.Orientation == event.OrientHandshake {
		root.add(field("Swapped", "yes: the first bytes showed the other side is the client").sev(SevWarn))
	}
	if in.Frame != 0 {
		root.add(field("First frame", fmt.Sprint(in.Frame)))
	}
	if in.Transport == event.TransportTCP {
		root.add(field("SYN captured", yesNo(in.SawSYN)))
	}
	id := field("Variant", in.Variant.String()).expand().add(
		field("Transport", in.Transport.String()),
		field("Layers", strings.Join(in.Layers, " → ")),
		field("Rule", in.Rule),
		field("Evidence", in.Evidence),
	)
	if len(in.Outer) > 0 {
		id.add(field("Inside", strings.Join(in.Outer, " → ")))
	}
	root.add(id, field("UID", in.UID), field("Community ID", in.CommunityID))
	if c.TLS != nil {
		root.add(tlsNode(c.TLS))
	}
	if !c.Closed {
		return root
	}
	variant := in.Variant.String()
	if !c.RTMP {
		variant = "not RTMP"
	}
	root.add(
		field("RTMP", variant),
		field("Joined mid-stream", yesNo(c.MidStream)),
	)
	if !c.First.IsZero() {
		root.add(field("First seen", c.First.UTC().Format(time.RFC3339Nano)),
			field("Last seen", c.Last.UTC().Format(time.RFC3339Nano)),
			field("Duration", c.Last.Sub(c.First).String()))
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
		root.add(field("Ended by", end))
	}
	for _, d := range []event.Dir{event.C2S, event.S2C} {
		root.add(connDir(c, d))
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
func connDir(c *event.ConnEvent, d event.Dir) *Node {
	i := int(d)
	g := field(arrow(d), fmt.Sprintf("%d bytes, %d messages", c.Bytes[i], c.Messages[i])).expand()
	if s := c.Stats; s != nil {
		ds := s.Dir[i]
		t := field("TCP", fmt.Sprintf("%d packets", ds.Packets)).add(
			field("Packets", fmt.Sprint(ds.Packets)),
			field("Bytes delivered", fmt.Sprint(ds.Bytes)),
			field("Retransmitted segments", fmt.Sprint(ds.Retrans)),
			field("Out-of-order segments", fmt.Sprint(ds.OutOfOrder)),
			field("Gaps", fmt.Sprint(ds.Gaps)),
			field("Bytes missing", fmt.Sprint(ds.GapBytes)),
			field("Start captured", yesNo(!ds.MidStream)),
		)
		if ds.Gaps > 0 {
			t.Severity = SevWarn
		}
		g.add(t)
	}
	a := c.Account[i]
	acc := field("Accounting", "where every byte went").add(
		field("Handshake", fmt.Sprint(a.Handshake)),
		field("Chunk headers", fmt.Sprint(a.Header)),
		field("Chunk payload", fmt.Sprint(a.Payload)),
	)
	for _, x := range []struct {
		label string
		n     int64
		sev   int
	}{{"Skipped while resynchronising", a.Skipped, SevWarn}, {"Encrypted (RTMPE)", a.Encrypted, SevNormal},
		{"Pending at close", a.Pending, SevWarn}, {"Missing (gaps)", a.Missing, SevWarn}} {
		if x.n != 0 {
			acc.add(field(x.label, fmt.Sprint(x.n)).sev(x.sev))
		}
	}
	g.add(acc)
	ak := c.Acks[i]
	if ak.Window != 0 || ak.Acks != 0 {
		g.add(field("Acknowledgements", fmt.Sprintf("%d from the peer", ak.Acks)).add(
			field("Window announced", fmt.Sprint(ak.Window)),
			field("Acknowledgements", fmt.Sprint(ak.Acks)),
			field("Last acknowledged", fmt.Sprint(ak.LastAck)),
			field("Most bytes unacknowledged", fmt.Sprint(ak.MaxUnacked)),
		))
	}
	return g
}

func buildHandshake(ev *event.Event) *Node {
	h := ev.Handshake
	scheme := "simple"
	switch {
	case h.Encrypted:
		scheme = "RTMPE (encrypted)"
	case h.Digest:
		scheme = "digest (Flash/FMS)"
	}
	root := (&Node{Label: "Handshake", Value: scheme}).expand()
	if !h.Complete {
		root.Value += ", incomplete"
		root.Severity = SevWarn
	}
	root.add(eventFields(ev))
	root.add(
		version("C0", h.C0),
		half("C1", &h.C1),
		version("S0", h.S0),
		half("S1", &h.S1),
		echo("C2", "S1", &h.C2),
		echo("S2", "C1", &h.S2),
		field("Scheme", scheme),
		field("Complete", yesNo(h.Complete)),
		field("Server delay", ms(h.ServerDelay)+" (C1's last byte to S0/S1's first)"),
		field("Client delay", ms(h.ClientDelay)+" (S1's last byte to C2's first)"),
		field("RTT estimate", ms(h.RTT)),
	)
	return root
}

func version(name string, v int) *Node {
	switch v {
	case -1:
		return field(name+" version", "not seen")
	case 3:
		return field(name+" version", "3 (plain RTMP)")
	case 6, 8:
		return field(name+" version", fmt.Sprintf("%d (RTMPE, encrypted)", v))
	}
	return field(name+" version", fmt.Sprintf("%d (unknown)", v)).sev(SevWarn)
}

func half(name string, h *event.HandshakeHalf) *Node {
	if !h.Present {
		return field(name, "not seen")
	}
	n := field(name, fmt.Sprintf("frame %d", h.Frame)).expand()
	n.add(field("Time", fmt.Sprint(h.Time)))
	if h.Version == 0 {
		n.add(field("Version", "0 (simple handshake)"))
	} else {
		n.add(field("Version", fmt.Sprintf("%d.%d.%d.%d (0x%08x)", h.Version>>24, h.Version>>16&0xff, h.Version>>8&0xff, h.Version&0xff, h.Version)))
	}
	if h.Scheme >= 0 {
		n.add(field("Digest", fmt.Sprintf("valid, scheme %d at offset %d", h.Scheme, h.DigestOffset)))
		if len(h.Digest) > 0 {
			n.add(field("Digest bytes", fmt.Sprintf("%x", h.Digest)))
		}
	} else if h.Version != 0 {
		n.add(field("Digest", "none validated").sev(SevWarn))
	} else {
		n.add(field("Digest", "none"))
	}
	return n
}

func echo(name, of string, e *event.EchoCheck) *Node {
	if !e.Present {
		return field(name, "not seen")
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
	return field(name, fmt.Sprintf("frame %d", e.Frame)).expand().add(
		field("Check", what).sev(sev),
		field("Time (echoed)", fmt.Sprint(e.Time)),
		field("Time2", fmt.Sprint(e.Time2)),
	)
}
