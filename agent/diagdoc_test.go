package agent

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/diagdoc"
)

// TestDiagnosticsDocumented: the agent's diagnostic codes have their
// section in docs/diagnostics.md.
func TestDiagnosticsDocumented(t *testing.T) {
	diagdoc.Check(t, "../docs/diagnostics.md", "agent.", 1)
}
