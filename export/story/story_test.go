package story

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/rtmfp"
	"github.com/rtmpscope/rtmpscope/dissect/rtmpe"
	"github.com/rtmpscope/rtmpscope/dissect/tlsrec"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// captures lists every committed capture.
func captures(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), pat))
		out = append(out, m...)
	}
	if len(out) < 10 {
		t.Fatalf("only %d captures", len(out))
	}
	return out
}

// tellAll is the story of every RTMP connection of a capture, as text
// (Lines) and JSON, in close order.
func tellAll(t *testing.T, path string) ([]event.ConnID, []*Story) {
	t.Helper()
	cfg := pipeline.Config{Keys: keysFor(t, path)}
	if filepath.Base(path) == "otherport.pcap" {
		cfg.Reassembly = reassembly.Options{ServerPorts: []uint16{19999}}
	}
	b := New(Options{})
	var ids []event.ConnID
	var out []*Story
	for _, r := range capturetest.Records(t, path, cfg) {
		if s := b.Add(&r); s != nil {
			ids = append(ids, r.ConnID)
			out = append(out, s)
		}
	}
	return ids, out
}

// keysFor loads the keys committed beside an encrypted capture
// (NAME.keys), as the command's --tls-keylog, --rtmpe-keys and
// --rtmfp-keys would, so that its story is told from the decrypted
// session.
func keysFor(t *testing.T, path string) pipeline.Keys {
	t.Helper()
	var k pipeline.Keys
	name := filepath.Base(path)
	kf := strings.TrimSuffix(path, filepath.Ext(path)) + ".keys"
	if _, err := os.Stat(kf); err != nil {
		return k
	}
	var err error
	switch {
	case strings.HasPrefix(name, "rtmfp"):
		k.RTMFP, err = rtmfp.LoadKeys(kf)
	case strings.HasPrefix(name, "rtmpe") || strings.HasPrefix(name, "rtmpte"):
		k.RTMPE, err = rtmpe.LoadKeys(kf)
	default:
		k.TLS.KeyLog, err = tlsrec.LoadKeyLog(kf)
	}
	if err != nil {
		t.Fatalf("%s: %v", kf, err)
	}
	return k
}

func render(t *testing.T, ids []event.ConnID, stories []*Story) []byte {
	var b bytes.Buffer
	for i, s := range stories {
		fmt.Fprintf(&b, "%s\n", ids[i])
		for _, l := range s.Lines() {
			fmt.Fprintf(&b, "  %s\n", l)
		}
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  json %s\n", j)
	}
	return b.Bytes()
}

// TestGolden tells the story of every connection of every committed
// capture and compares it with testdata/golden/NAME.txt (update with
// -update and review the diff).
func TestGolden(t *testing.T) {
	for _, path := range captures(t) {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ids, stories := tellAll(t, path)
			got := render(t, ids, stories)
			g := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				if err := os.WriteFile(g, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(g)
			if err != nil {
				t.Fatalf("%v (go test ./export/story -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", name, got)
			}
		})
	}
}
