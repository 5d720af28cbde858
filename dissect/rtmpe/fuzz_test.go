package rtmpe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

type call struct {
	dir   event.Dir
	data  []byte
	frame uint64 // the frame of the call's first byte
}

type tape struct{ calls []call }

func (t *tape) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	var fr uint64
	if len(refs) > 0 {
		fr = refs[0].Frame
	}
	t.calls = append(t.calls, call{dir, append([]byte(nil), data...), fr})
}
func (t *tape) Gap(event.Dir, flow.Gap) {}
func (t *tape) Close(*event.ConnEvent)  {}
func (t *tape) stream(d event.Dir) []byte {
	var b []byte
	for _, c := range t.calls {
		if c.dir == d {
			b = append(b, c.data...)
		}
	}
	return b
}

// record returns the Data calls of the capture's RTMPE connection (the
// one on port 1935).
func record(tb testing.TB, file string) *tape {
	tb.Helper()
	src, err := capture.OpenFile(filepath.Join(pcaps, file))
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	var tp *tape
	p := flow.Protocol{Name: "tape", Transport: event.TransportTCP,
		Sniff: func(h *flow.Head) flow.Verdict {
			if v := Sniff(h); v.Decision != flow.Yes {
				return v
			}
			return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMPE}
		},
		Stream: func(*flow.Context) flow.StreamHandler {
			if tp == nil {
				tp = &tape{}
				return tp
			}
			return nil
		}}
	if _, err := flow.Run(context.Background(), src, event.ReceiverFunc(func(event.Event) {}), []flow.Protocol{p}, flow.RunOptions{}); err != nil {
		tb.Fatal(err)
	}
	if tp == nil {
		tb.Fatalf("%s: no RTMPE connection", file)
	}
	return tp
}

func keyOf(tb testing.TB) *Key {
	for _, k := range loadKeys(tb).m {
		return k
	}
	tb.Fatal("no key")
	return nil
}

func run1(h *Handler, c2s, s2c []byte, piece int) {
	var off [2]int64
	put := func(d event.Dir, b []byte) {
		h.Data(d, off[d], b, []event.FrameRef{{Offset: off[d], Len: len(b), Frame: 1}})
		off[d] += int64(len(b))
	}
	n := min(len(c2s), 1+sigSize)
	put(event.C2S, c2s[:n])
	for i := 0; i < len(s2c); i += piece {
		put(event.S2C, s2c[i:min(len(s2c), i+piece)])
	}
	for i := n; i < len(c2s); i += piece {
		put(event.C2S, c2s[i:min(len(c2s), i+piece)])
	}
	h.Close(&event.ConnEvent{})
}

// FuzzHandshake feeds the handshake decoder and the RC4 layer (with and
// without the capture's keys) arbitrary bytes; seeds are the starts of the
// real RTMPE captures, and the committed corpus runs as a normal test.
func FuzzHandshake(f *testing.F) {
	key := keyOf(f)
	for _, file := range []string{"rtmpe-play.pcap", "rtmpe-refused.pcap"} {
		tp := record(f, file)
		c2s, s2c := tp.stream(event.C2S), tp.stream(event.S2C)
		f.Add(c2s[:min(len(c2s), hsEnd+200)], s2c[:min(len(s2c), hsEnd+200)], uint16(1460))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, piece uint16) {
		p := int(piece%4096) + 1
		run1(&Handler{told: map[string]bool{}}, c2s, s2c, p)
		run1(&Handler{told: map[string]bool{}, key: key}, c2s, s2c, p)
		if len(c2s) >= sigSize {
			_ = ParseHalf(c2s[:sigSize], false, -1)
		}
	})
}

// TestWriteCorpus (re)writes testdata/fuzz/FuzzHandshake from the
// captures when RTMPSCOPE_WRITE_CORPUS=1.
func TestWriteCorpus(t *testing.T) {
	if os.Getenv("RTMPSCOPE_WRITE_CORPUS") != "1" {
		t.Skip("set RTMPSCOPE_WRITE_CORPUS=1 to rewrite the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzHandshake")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, file := range []string{"rtmpe-play.pcap", "rtmpe-refused.pcap"} {
		tp := record(t, file)
		c2s, s2c := tp.stream(event.C2S), tp.stream(event.S2C)
		for j, n := range []int{hsEnd + 64, hsEnd + 600} {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\nuint16(%d)\n", c2s[:min(len(c2s), n)], s2c[:min(len(s2c), n)], 300+j*1000)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("capture-%d-%d", i, j)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// BenchmarkRC4 decrypts the whole real RTMPE session (handshake parsing,
// key derivation from the DH secret, both RC4 streams), in MB/s of TCP
// payload.
func BenchmarkRC4(b *testing.B) {
	tp := record(b, "rtmpe-play.pcap")
	key := *keyOf(b)
	key.RC4C2S, key.RC4S2C = nil, nil
	var n int64
	for _, c := range tp.calls {
		n += int64(len(c.data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for range b.N {
		h := &Handler{told: map[string]bool{}, key: &key}
		var off [2]int64
		for _, c := range tp.calls {
			h.Data(c.dir, off[c.dir], c.data, nil)
			off[c.dir] += int64(len(c.data))
		}
		if !h.verified {
			b.Fatal("not decrypted")
		}
	}
}
