package capture_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect/rtmfp"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

func wild(name string) string { return filepath.Join(capturetest.Pcaps(), "wild", name) }

func runFile(t *testing.T, path string) string {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out, err := ndjson(t, src)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var outerField = regexp.MustCompile(`"outer":\[[^]]*\],`)

// TestTunnelsDerived: RTMP wrapped in each tunnel by derive-tunnels.sh
// (from the real plain capture vxlan-inner.pcap) gives exactly the events
// of the plain capture, and the connection names its outer layers.
func TestTunnelsDerived(t *testing.T) {
	plain := runFile(t, wild("vxlan-inner.pcap"))
	if strings.Count(plain, `"kind":"message"`) < 200 || outerField.MatchString(plain) {
		t.Fatalf("plain capture: %d messages, outer %v", strings.Count(plain, `"kind":"message"`), outerField.FindString(plain))
	}
	for _, c := range []struct {
		file  string
		outer []string // of the first packet, a client's SYN
	}{
		{"gtpu", []string{"802.1q 300", "ipv4 198.51.100.1>198.51.100.2", "gtp-u 0x1000"}},
		{"pppoe", []string{"pppoe 0x2a"}},
		{"gre", []string{"ipv4 203.0.113.1>203.0.113.2", "gre key 7"}},
		{"erspan2", []string{"ipv4 198.18.0.1>198.18.0.2", "gre", "erspan-ii 5"}},
		{"erspan3", []string{"ipv4 198.18.0.1>198.18.0.2", "gre", "erspan-iii 6"}},
		{"mpls", []string{"mpls 1000", "mpls 16"}},
		{"geneve", []string{"ipv4 192.0.2.10>192.0.2.20", "geneve 7"}},
		{"qinq", []string{"802.1ad 200", "802.1q 100"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			got := runFile(t, wild("tunnels/"+c.file+".pcap"))
			outers := outerField.FindAllString(got, -1)
			if len(outers) != 2 { // the open and the close event
				t.Fatalf("%d conn events name outer layers, want 2", len(outers))
			}
			var o struct{ Outer []string }
			if err := json.Unmarshal([]byte("{"+strings.TrimSuffix(outers[0], ",")+"}"), &o); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(o.Outer, c.outer) {
				t.Errorf("outer %q, want %q", o.Outer, c.outer)
			}
			if stripped := outerField.ReplaceAllString(got, ""); stripped != plain {
				t.Errorf("events differ from the plain capture's beyond the outer layers")
			}
		})
	}
}

// TestTunnelVXLANReal: the real VXLAN capture (make-vxlan.sh: the underlay
// of a publish across a Linux VXLAN) gives the same messages as the
// capture made on the VXLAN device at the same time.
func TestTunnelVXLANReal(t *testing.T) {
	outer := runFile(t, wild("vxlan.pcap"))
	if !strings.Contains(outer, `"outer":["ipv4 192.0.2.1\u003e192.0.2.2","vxlan 42"]`) {
		t.Errorf("the conn event does not name the VXLAN tunnel: %.400s", outer)
	}
	// The two captures number and time their frames differently (the
	// underlay also has ARP and ICMP).
	sameMessages(t, outer, runFile(t, wild("vxlan-inner.pcap")), false)
}

// sameMessages compares the message events of two NDJSON exports of
// captures made of the same traffic at the same time by two capturing
// programs: their capture times differ, and so their frame numbers unless
// keepFrames.
func sameMessages(t *testing.T, got, want string, keepFrames bool) {
	t.Helper()
	messages := func(nd string) []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(nd), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			if m["kind"] != "message" {
				continue
			}
			delete(m, "time")
			if pair, ok := m["pair"].(map[string]any); ok {
				delete(pair, "latency_ms")
				if !keepFrames {
					delete(pair, "frame")
				}
			}
			if !keepFrames {
				delete(m, "frame")
				delete(m, "frames")
			}
			out = append(out, m)
		}
		return out
	}
	a, b := messages(got), messages(want)
	if len(a) < 200 || len(a) != len(b) {
		t.Fatalf("%d messages, want %d", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("message %d differs:\n%v\n%v", i, a[i], b[i])
		}
	}
}

// TestRotatedDumpcapRing: a real dumpcap ring (-b filesize) of the plain
// capture point, read as one capture, gives the same messages.
func TestRotatedDumpcapRing(t *testing.T) {
	seqs, err := capture.GroupFiles([]string{wild("rotated/dumpcap")})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 1 || len(seqs[0].Files) < 3 {
		t.Fatalf("%d sequences, want one of 3 files or more", len(seqs))
	}
	src, err := capture.OpenSequence(seqs[0].Names())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := ndjson(t, src)
	if err != nil {
		t.Fatal(err)
	}
	// dumpcap and tcpdump captured the same device at the same time: the
	// messages and their frame numbers (not the capture times) agree.
	sameMessages(t, got, runFile(t, wild("vxlan-inner.pcap")), true)
}

// TestTunnelRTMFP: RTMFP (UDP) inside GTP-U — the real rtmfp-play.pcap
// wrapped by derive-tunnels.sh — is decrypted and dissected as the plain
// capture is, and its flows name the tunnel.
func TestTunnelRTMFP(t *testing.T) {
	keys, err := rtmfp.LoadKeys(filepath.Join(capturetest.Pcaps(), "rtmfp-play.keys"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(path string) string {
		src, err := capture.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var out strings.Builder
		sink := pipeline.NewSink(func(r *session.Record) error {
			b, err := export.MarshalEvent(*r, export.EventOptions{})
			out.Write(b)
			out.WriteByte('\n')
			return err
		}, nil)
		if _, err := pipeline.New(pipeline.Config{Keys: pipeline.Keys{RTMFP: keys}}).Run(context.Background(), src, sink); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	plain := run(filepath.Join(capturetest.Pcaps(), "rtmfp-play.pcap"))
	got := run(wild("tunnels/rtmfp-gtpu.pcap"))
	if strings.Count(plain, `"kind":"message"`) < 100 {
		t.Fatalf("the plain capture has %d messages", strings.Count(plain, `"kind":"message"`))
	}
	if n := strings.Count(got, `"outer":["802.1q 300","ipv4 198.51.100.1\u003e198.51.100.2","gtp-u 0x1000"]`); n != strings.Count(got, `"kind":"conn"`) || n == 0 {
		t.Errorf("%d of %d conn events name the tunnel", n, strings.Count(got, `"kind":"conn"`))
	}
	if outerField.ReplaceAllString(got, "") != plain {
		t.Errorf("events differ from the plain capture's beyond the outer layers")
	}
}
