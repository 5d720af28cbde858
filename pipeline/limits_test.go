package pipeline_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// TestFlowLimitOnTheStream (issue #14 item 4): with room for one TCP
// connection, multi.pcap's other connections are refused, and the refusal
// is an event of the run (flow.limit on c0), not only a summary count.
func TestFlowLimitOnTheStream(t *testing.T) {
	path := filepath.Join(capturetest.Pcaps(), "multi.pcap")
	var diags []*event.Diagnostic
	for _, ev := range capturetest.Events(t, path, pipeline.Config{Reassembly: reassembly.Options{MaxConns: 1}}) {
		if ev.Kind == event.KindDiagnostic && ev.Diag.Code == flow.CodeFlowLimit {
			if ev.ConnID != flow.CaptureConn {
				t.Errorf("flow.limit on %s, want c0", ev.ConnID)
			}
			diags = append(diags, ev.Diag)
		}
	}
	if len(diags) == 0 || !strings.Contains(diags[0].Text, "1 refused so far") || !strings.Contains(diags[0].Text, "--max-flows") {
		t.Fatalf("flow.limit diagnostics: %+v", diags)
	}
}
