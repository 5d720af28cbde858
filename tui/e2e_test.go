package tui

import (
	"os/exec"
	"testing"
)

// TestEndToEnd runs scripts/tui-e2e.sh, which drives the built binary in
// tmux (CI installs tmux; without it the test skips).
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	out, err := exec.Command("bash", "../scripts/tui-e2e.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("tui-e2e.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
