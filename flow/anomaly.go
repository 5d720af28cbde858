package flow

import (
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// The TCP anomalies the assembler works around (corrupt segments,
// conflicting retransmissions) become diagnostics of the connection's
// events. Before the flow is decided they are only counted (the
// assembler's Stats, in the summary): an "other" flow has no diagnostics.

// Diagnostic codes of TCP anomalies (docs/diagnostics.md).
const (
	CodeTCPImplausible = "tcp.implausible_seq"
	CodeTCPResetIgnore = "tcp.rst_ignored"
	CodeTCPConflict    = "tcp.overlap_conflict"
)

var anomalyCodes = map[reassembly.AnomalyKind]struct {
	code string
	sev  event.Severity
}{
	reassembly.AnomalyImplausibleSeq:  {CodeTCPImplausible, event.Warn},
	reassembly.AnomalyResetIgnored:    {CodeTCPResetIgnore, event.Warn},
	reassembly.AnomalyOverlapConflict: {CodeTCPConflict, event.Warn},
}

// Anomaly implements reassembly.AnomalyHandler.
func (f *tcpFlow) Anomaly(d reassembly.Direction, a reassembly.Anomaly) {
	if !f.decided || f.other || f.ctx == nil {
		return
	}
	k, ok := anomalyCodes[a.Kind]
	if !ok {
		return
	}
	frames := a.Frames
	if frames[0] == 0 {
		frames[0] = frames[1]
	}
	f.ctx.Diag(f.dir(d), true, event.FrameRef{Frame: a.Frames[1], Time: a.Time},
		&event.Diagnostic{Severity: k.sev, Code: k.code, Text: a.Text, Offset: a.Offset, Length: a.Bytes, Frames: frames})
}
