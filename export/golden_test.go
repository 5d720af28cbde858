package export

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

var update = flag.Bool("update", false, "rewrite the golden NDJSON files under testdata/golden")

// goldenMediaPerStream is how many audio/video messages of each stream
// (connection, direction, message stream, type) a golden file keeps; the
// rest are left out so that the files stay small. Everything else is kept.
const goldenMediaPerStream = 8

// goldenNDJSON is the export of a capture as the golden files hold it.
func goldenNDJSON(t *testing.T, name string) []byte {
	t.Helper()
	var b bytes.Buffer
	seen := map[string]int{}
	for _, r := range captureRecords(t, name) {
		if m := r.Message; m != nil && (m.TypeID == event.TypeAudio || m.TypeID == event.TypeVideo) {
			key := fmt.Sprint(r.ConnID, r.Dir, m.MSID, m.TypeID)
			seen[key]++
			if seen[key] > goldenMediaPerStream {
				continue
			}
		}
		line, err := MarshalEvent(r, EventOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestGolden compares the NDJSON export of every committed capture, byte
// for byte, with testdata/golden/NAME.ndjson (all events but the media
// messages past the first few per stream). Times are capture times, so
// the output is stable. After an intended change to the export run
//
//	go test ./export -run TestGolden -update
//
// and review the diff.
func TestGolden(t *testing.T) {
	for _, name := range committedCaptures(t) {
		t.Run(name, func(t *testing.T) {
			got := goldenNDJSON(t, name)
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(name, filepath.Ext(name))+".ndjson")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./export -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if gl[i] != wl[i] {
						t.Fatalf("%s line %d differs:\n got  %s\n want %s", path, i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("%s: %d lines, want %d", path, len(gl), len(wl))
			}
		})
	}
}
