// Package diagdoc checks, for the tests of a handler package, that every
// diagnostic code the package's sources emit has its section in
// docs/diagnostics.md.
package diagdoc

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Check reads the package's non-test sources in the working directory,
// finds every quoted code with the given prefix ("rtmpe."), and fails t for
// each one without a "### CODE" section in the document at doc; it also
// fails when fewer than min codes are found (the pattern went stale).
func Check(t *testing.T, doc, prefix string, min int) {
	t.Helper()
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"(` + regexp.QuoteMeta(prefix) + `[a-z_]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if !strings.Contains(string(text), "### "+m[1]+"\n") {
				t.Errorf("%s: code %s is not documented", f, m[1])
			}
		}
	}
	if n < min {
		t.Errorf("found only %d codes", n)
	}
}
