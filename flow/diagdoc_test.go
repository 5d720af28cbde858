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
