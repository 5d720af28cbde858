package flow

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/diagdoc"
)

// TestTCPDiagnosticsDocumented: every tcp.* code the router emits has its
// section in docs/diagnostics.md.
func TestTCPDiagnosticsDocumented(t *testing.T) {
	diagdoc.Check(t, "../docs/diagnostics.md", "tcp.", len(anomalyCodes))
}

// TestFlowDiagnosticsDocumented: the flow table's own codes too.
func TestFlowDiagnosticsDocumented(t *testing.T) {
	diagdoc.Check(t, "../docs/diagnostics.md", "flow.", 1)
}
