package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rtmpscope report writes one HTML file, redacted unless --show-secrets
// (the stream key comes from tshark's reference, not from our parser), and
// refuses a missing -o with a usage error.
func TestReport(t *testing.T) {
	path := need(t, "publish.pcap")
	key := streamKey(t, path)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	_, errOut, code := rtmpscope(t, "report", "-r", path, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.HasPrefix(doc, "<!DOCTYPE html>") || !strings.Contains(doc, `<svg class="ladder"`) || !strings.Contains(doc, `<svg class="chart"`) {
		t.Errorf("not a report with a ladder and charts")
	}
	if strings.Contains(doc, key) {
		t.Errorf("the report shows the stream key %q", key)
	}
	stdout, _, code := rtmpscope(t, "report", "-r", path, "-o", "-", "--show-secrets")
	if code != 0 || !strings.Contains(stdout, key) {
		t.Errorf("report -o - --show-secrets: exit %d, key shown %v", code, strings.Contains(stdout, key))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %d files in the output directory, want only the report", len(entries))
	}
	_, errOut, code = rtmpscope(t, "report", "-r", path)
	if code != 2 || !strings.Contains(errOut, "-o FILE is required") {
		t.Errorf("without -o: exit %d, %q", code, errOut)
	}
}
