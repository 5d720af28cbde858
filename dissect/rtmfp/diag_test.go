package rtmfp

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every code is listed in Codes and documented, with its severity, in
// docs/diagnostics.md.
func TestDiagnosticsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "diagnostics.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"(rtmfp\.[a-z_]+)"`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	if len(seen) != len(Codes) {
		t.Errorf("%d codes in the source, %d in Codes", len(seen), len(Codes))
	}
	for code, sev := range Codes {
		if !strings.Contains(string(doc), "### "+code+"\n") {
			t.Errorf("%s has no section", code)
		}
		if !strings.Contains(string(doc), "`"+code+"`](#"+strings.ReplaceAll(code, ".", "")+") | "+sev.String()+" |") {
			t.Errorf("%s has no table row with severity %s", code, sev)
		}
	}
}
