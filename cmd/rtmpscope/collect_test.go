package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

// TestCollectCrashExactlyOnce: a collector stops right after writing 300
// events, 44 of them past its last commit (batches of 256) and not
// acknowledged; its files hold them. Started again, it cuts them back (or
// removes the uncommitted Parquet segment), takes the redelivered events,
// and the store holds every event of the capture exactly once.
func TestCollectCrashExactlyOnce(t *testing.T) {
	t.Parallel()
	path := need(t, "multi.pcap")
	want := localNDJSON(t, "-r", path)
	srv := natstest.Embedded(t)
	if _, errOut, code := rtmpscope(t, "-r", path, "-q", "--publish", srv.URL(), "--publish-host", "crash"); code != 0 {
		t.Fatalf("publish: %s", errOut)
	}
	kinds := map[string]int64{}
	for _, l := range lines(want) {
		var e struct{ Kind string }
		json.Unmarshal([]byte(l), &e)
		kinds[e.Kind]++
	}
	for _, format := range []string{"ndjson", "parquet"} {
		dir := t.TempDir()
		args := []string{"collect", "--nats", srv.URL(), "--durable", "crash-" + format, "-T", format, "-o", dir}
		_, errOut, code := rtmpscope(t, append(args, "--crash-after", "300")...)
		if code != 1 || !strings.Contains(errOut, "stopped before committing") {
			t.Fatalf("%s: crashing collect: exit %d: %s", format, code, errOut)
		}
		file := filepath.Join(dir, "host=crash", "events.ndjson")
		if format == "ndjson" {
			b, _ := os.ReadFile(file)
			if n := len(lines(b)); n != 300 {
				t.Fatalf("after the crash the file holds %d lines, want 300 (44 uncommitted)", n)
			}
		}
		if _, errOut, code := rtmpscope(t, append(args, "--until-empty")...); code != 0 {
			t.Fatalf("%s: collect again: %s", format, errOut)
		}
		if format == "ndjson" {
			got, _ := os.ReadFile(file)
			if string(got) != string(want) {
				t.Errorf("ndjson store: %d lines, the capture has %d (each once, in order)", len(lines(got)), len(lines(want)))
			}
			continue
		}
		for kind, n := range kinds {
			if got := countRows(t, filepath.Join(dir, "host=crash", "kind="+kind, "*.parquet")); got != n {
				t.Errorf("parquet store, kind %s: %d rows, the capture has %d events", kind, got, n)
			}
		}
	}
}
