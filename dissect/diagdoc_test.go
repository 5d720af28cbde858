package dissect

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDiagnosticsDocumented checks that every diagnostic code the package
// and the session layer above it (dissect/session) emit has a section in
// docs/diagnostics.md.
func TestDiagnosticsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/diagnostics.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	sessionFiles, _ := filepath.Glob("session/*.go")
	files = append(files, sessionFiles...)
	re := regexp.MustCompile(`"((?:conn|handshake|chunk|exts|ts|msg|ctrl|ack|resync|diag|session)\.[a-z_.]+)"`)
	n, session := 0, 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if strings.HasPrefix(m[1], "session.") {
				session++
			}
			if !strings.Contains(string(doc), "### "+m[1]+"\n") {
				t.Errorf("%s: code %s is not documented", f, m[1])
			}
		}
	}
	if n < 20 || session < 8 {
		t.Errorf("found only %d codes, %d of the session layer", n, session)
	}
}
