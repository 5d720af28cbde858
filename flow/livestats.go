package flow

import (
	"fmt"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
)

// CodeLiveLoss is the diagnostic that closes a live capture whose kernel
// dropped packets or still held packets nobody read: what the capture
// missed, in every output and not only in the closing summary on stderr.
const CodeLiveLoss = "capture.live_loss"

// CaptureConn is the connection id of events about the capture itself
// rather than one connection ("c0").
const CaptureConn event.ConnID = 0

// emitLiveLoss emits CodeLiveLoss, as the last event of a live capture,
// when packets were lost to it. lastFrame is the number of the last packet
// read.
func emitLiveLoss(src capture.Source, out event.Receiver, lastFrame uint64) {
	ls, ok := src.(capture.LiveSource)
	if !ok {
		return
	}
	st := ls.Stats()
	unread := st.Unread()
	if st.Dropped == 0 && unread == 0 {
		return
	}
	text := fmt.Sprintf("%d packets received by the kernel were not analyzed: %d dropped by the kernel because the capture could not keep up, %d still queued when the capture stopped", st.Dropped+unread, st.Dropped, unread)
	out.Emit(event.Event{Kind: event.KindDiagnostic, ConnID: CaptureConn, Time: time.Now(),
		Diag: &event.Diagnostic{Severity: event.Warn, Code: CodeLiveLoss, Text: text, Offset: -1, Frames: [2]uint64{lastFrame, lastFrame}}})
}
