package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// TextLine formats one event as a line of the tshark-like summary view:
// frame, time relative to base, connection, direction, then for messages
// csid, msid, RTMP timestamp, type, length and a short summary. Lines are
// meant to stay readable at 80 columns; the summary is cut at width when
// width > 0.
func TextLine(r session.Record, base time.Time, width int) string {
	ev := r.Event
	rel := ev.Time.Sub(base).Seconds()
	arrow := "   "
	if ev.HasDir {
		arrow = "C→S"
		if ev.Dir == event.S2C {
			arrow = "S→C"
		}
	}
	var s string
	switch ev.Kind {
	case event.KindMessage:
		s = messageLine(&r, rel, arrow)
		if p := r.Pair; p != nil && p.Role == session.RoleResponse {
			s += pairSuffix(p) // export/session.go
		}
	case event.KindDiagnostic:
		d := ev.Diag
		s = fmt.Sprintf("%6d %10.6f %-3s %s ! %s %s: %s", d.Frames[1], rel, ev.ConnID, arrow, d.Severity, d.Code, d.Text)
	case event.KindGap:
		g := ev.Gap
		n := fmt.Sprintf("%d bytes", g.Bytes)
		if g.Bytes < 0 {
			n = "unknown bytes"
		}
		s = fmt.Sprintf("%6d %10.6f %-3s %s ~ gap (%s): %s missing before offset %d. %s", g.Frame, rel, ev.ConnID, arrow, g.Reason, n, g.Offset, g.Action)
	case event.KindHandshake:
		s = fmt.Sprintf("%6s %10.6f %-3s     handshake %s", "", rel, ev.ConnID, handshakeSummary(ev.Handshake))
	case event.KindConn:
		c := ev.Conn
		if !c.Closed {
			in := &c.Info
			s = fmt.Sprintf("%6d %10.6f %-3s     connection %s -> %s %s over %s%s (client by %s): %s", in.Frame, rel, ev.ConnID,
				in.Client, in.Server, in.Variant, in.Transport, insideText(in.Outer), in.Orientation, in.Evidence)
		} else {
			s = fmt.Sprintf("%6s %10.6f %-3s     closed: %d messages C→S, %d S→C; %d/%d bytes", "", rel, ev.ConnID,
				c.Messages[0], c.Messages[1], c.Bytes[0], c.Bytes[1])
			if c.Stats != nil {
				s += "; " + c.Stats.End.String()
			}
			if !c.RTMP && (c.TLS == nil || c.TLS.Decrypted) {
				s += "; no RTMP recognised"
			}
		}
		s += tlsText(c.TLS, c.Closed)
	}
	if width > 0 && len([]rune(s)) > width {
		r := []rune(s)
		s = string(r[:width-1]) + "…"
	}
	return s
}

// insideText names a connection's encapsulation (" inside vxlan 42 / ...")
// or is empty for a plain packet.
func insideText(outer []string) string {
	if len(outer) == 0 {
		return ""
	}
	return " inside " + strings.Join(outer, " / ")
}

func handshakeSummary(h *event.Handshake) string {
	if r := redactRTMFP(h.RTMFP); r != nil {
		s := fmt.Sprintf("RTMFP to %q, session ids %08x/%08x", r.EPD.Ancillary+r.EPD.Hostname+r.EPD.Fingerprint, r.InitiatorSessionID, r.ResponderSessionID)
		if !h.Complete {
			s += ", incomplete"
		}
		return s + fmt.Sprintf(", RTT %.3fms", float64(h.RTT.Microseconds())/1000)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "C0=%d S0=%d", h.C0, h.S0)
	switch {
	case h.Encrypted:
		b.WriteString(" RTMPE (encrypted)")
	case h.Digest:
		fmt.Fprintf(&b, " digest (C1 %s, S1 %s)", digestScheme(h.C1.Scheme), digestScheme(h.S1.Scheme))
	default:
		b.WriteString(" simple")
	}
	if h.C2.Present || h.S2.Present {
		fmt.Fprintf(&b, ", C2 %s, S2 %s", orNone(h.C2.Kind), orNone(h.S2.Kind))
	}
	if !h.Complete {
		b.WriteString(", incomplete")
	}
	fmt.Fprintf(&b, ", RTT %.3fms", float64(h.RTT.Microseconds())/1000)
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
