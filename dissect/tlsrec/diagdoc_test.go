package tlsrec

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDiagnosticsDocumented checks that every diagnostic code this package
// emits has a section in docs/diagnostics.md.
func TestDiagnosticsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/diagnostics.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"(tls\.[a-z_]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if !strings.Contains(string(doc), "### "+m[1]+"\n") {
				t.Errorf("%s: code %s is not documented", f, m[1])
			}
		}
	}
	if n < 5 {
		t.Errorf("found only %d codes", n)
	}
}
