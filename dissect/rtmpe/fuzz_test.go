package rtmpe

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/flowtape"

	"github.com/rtmpscope/rtmpscope/event"
)

// record returns the Data calls of the capture's first RTMPE connection.
func record(tb testing.TB, file string) *flowtape.Tape {
	tb.Helper()
	tp := flowtape.Record(tb, filepath.Join(pcaps, file), event.VariantRTMPE, Sniff)
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
		c2s, s2c := tp.Stream(event.C2S), tp.Stream(event.S2C)
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
		c2s, s2c := tp.Stream(event.C2S), tp.Stream(event.S2C)
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
	for _, c := range tp.Calls {
		n += int64(len(c.Data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for range b.N {
		h := &Handler{told: map[string]bool{}, key: &key}
		var off [2]int64
		for _, c := range tp.Calls {
			h.Data(c.Dir, off[c.Dir], c.Data, nil)
			off[c.Dir] += int64(len(c.Data))
		}
		if !h.verified {
			b.Fatal("not decrypted")
		}
	}
}
