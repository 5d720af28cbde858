package tlsrec

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/diagdoc"
)

// TestDiagnosticsDocumented checks that every diagnostic code this package
// emits has a section in docs/diagnostics.md.
func TestDiagnosticsDocumented(t *testing.T) {
	diagdoc.Check(t, "../../docs/diagnostics.md", "tls.", 5)
}
