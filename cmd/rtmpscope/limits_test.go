package main

import (
	"strings"
	"testing"
)

// TestLimitsReported (#14 item 4): a budget that refuses something says so
// in the output itself (a diagnostic on the NDJSON and text streams, naming
// the flag) and in the closing summary, not only on stderr.
func TestLimitsReported(t *testing.T) {
	path := need(t, "publish.pcap")
	nd, errOut, code := rtmpscope(t, "--max-body-total", "2KiB", "-T", "ndjson", "-r", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(nd, `"code":"chunk.budget"`) || !strings.Contains(nd, "--max-body-total") {
		t.Errorf("no chunk.budget diagnostic in the NDJSON")
	}
	if !strings.Contains(errOut, "limits reached: chunk.budget") {
		t.Errorf("summary: %q", errOut)
	}
	text, _, _ := rtmpscope(t, "--max-outstanding", "1", "-r", path)
	if !strings.Contains(text, "session.table_full") {
		t.Errorf("text lacks session.table_full with --max-outstanding 1")
	}
	_, errOut, code = rtmpscope(t, "--max-body-total", "lots", "-r", path)
	if code == 0 || !strings.Contains(errOut, "not a size") {
		t.Errorf("bad size accepted: exit %d, %q", code, errOut)
	}
	// --max-flows reaches the reassembler: the second connection of
	// multi.pcap is counted, not followed.
	if multi := need(t, "multi.pcap"); multi != "" {
		_, errOut, _ = rtmpscope(t, "-q", "--max-flows", "1", "-r", multi)
		if !strings.Contains(errOut, "not followed (limit)") {
			t.Errorf("--max-flows 1: %q", errOut)
		}
	}
	// Without limits reached, no line.
	_, errOut, _ = rtmpscope(t, "-q", "-r", path)
	if strings.Contains(errOut, "limits reached") {
		t.Errorf("limits line without a refusal: %q", errOut)
	}
}
