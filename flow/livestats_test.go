package flow

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/diagdoc"
)

// TestCaptureCodesDocumented: the capture-level diagnostics have their
// section in docs/diagnostics.md.
func TestCaptureCodesDocumented(t *testing.T) {
	diagdoc.Check(t, "../docs/diagnostics.md", "capture.", 1)
}
