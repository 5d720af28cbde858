package tlsrec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/flowtape"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// record returns the Data calls of the capture's first connection.
func record(tb testing.TB, file string) *flowtape.Tape {
	tb.Helper()
	tp := flowtape.Record(tb, filepath.Join(pcaps, file), event.VariantRTMPS, func(*flow.Head) flow.Verdict { return flow.Verdict{Decision: flow.Yes} })
	return tp
}

var seedCaptures = []struct{ pcap, keys string }{
	{"rtmps-tls13-publish.pcap", "rtmps-tls13-publish.keys"},
	{"rtmps-chacha-publish.pcap", "rtmps-chacha-publish.keys"},
	{"rtmps-tls12-gcm-publish.pcap", "rtmps-tls12-gcm-publish.keys"},
	{"rtmps-tls12-cbc-publish.pcap", "rtmps-tls12-cbc-publish.keys"},
	{"rtmps-rtmpts-404.pcap", "rtmps-rtmpts-404.keys"},
}

// feed runs a handler without a connection (no inner handler) over two
// streams, split in pieces so record boundaries fall anywhere.
func feed(h *Handler, c2s, s2c []byte, piece int) {
	var off [2]int64
	put := func(d event.Dir, b []byte) {
		h.Data(d, off[d], b, []event.FrameRef{{Offset: off[d], Len: len(b), Frame: 1}})
		off[d] += int64(len(b))
	}
	// The client's hello first, then the server, then the rest: each
	// direction's keys only depend on the hellos.
	n := min(len(c2s), piece)
	put(event.C2S, c2s[:n])
	for i := 0; i < len(s2c); i += piece {
		put(event.S2C, s2c[i:min(len(s2c), i+piece)])
	}
	for i := n; i < len(c2s); i += piece {
		put(event.C2S, c2s[i:min(len(c2s), i+piece)])
	}
	ev := &event.ConnEvent{}
	h.Close(ev)
	checkInfo(ev.TLS)
}

// checkInfo panics when the session record contradicts itself: more
// plaintext than protected bytes, decrypted without plaintext, or a
// reason given for records that were decrypted.
func checkInfo(in *event.TLSInfo) {
	if in == nil {
		panic("no TLS record on close")
	}
	for d := range in.Encrypted {
		if in.Plaintext[d] < 0 || in.Plaintext[d] > in.Encrypted[d] {
			panic(fmt.Sprintf("%d plaintext bytes of %d encrypted", in.Plaintext[d], in.Encrypted[d]))
		}
	}
	if in.Decrypted != (in.Plaintext[0]+in.Plaintext[1] > 0) || in.Decrypted && in.NotDecrypted != "" {
		panic(fmt.Sprintf("inconsistent record %+v", in))
	}
}

// FuzzRecords feeds the record layer, handshake parser and decryption
// (with the capture's own key log, so mutated records reach the ciphers)
// arbitrary bytes. Seeds are the starts of real captures; the committed
// corpus in testdata/fuzz runs as a normal test.
func FuzzRecords(f *testing.F) {
	var kl KeyLog
	for _, c := range seedCaptures {
		kl.Merge(keylog(f, c.keys))
		tp := record(f, c.pcap)
		c2s, s2c := tp.Stream(event.C2S), tp.Stream(event.S2C)
		f.Add(c2s[:min(len(c2s), 2048)], s2c[:min(len(s2c), 4096)], uint16(1460))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, piece uint16) {
		feed(NewHandler(nil, Options{KeyLog: &kl}), c2s, s2c, int(piece%4096)+1)
		feed(NewHandler(nil, Options{}), c2s, s2c, int(piece%4096)+1)
	})
}

// TestWriteCorpus (re)writes testdata/fuzz/FuzzRecords from the captures
// when RTMPSCOPE_WRITE_CORPUS=1.
func TestWriteCorpus(t *testing.T) {
	if os.Getenv("RTMPSCOPE_WRITE_CORPUS") != "1" {
		t.Skip("set RTMPSCOPE_WRITE_CORPUS=1 to rewrite the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzRecords")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, c := range seedCaptures {
		tp := record(t, c.pcap)
		c2s, s2c := tp.Stream(event.C2S), tp.Stream(event.S2C)
		for j, n := range []int{700, 3000} {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\nuint16(%d)\n", c2s[:min(len(c2s), n)], s2c[:min(len(s2c), 2*n)], 100+j*900)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("capture-%d-%d", i, j)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func benchDecrypt(b *testing.B, pcap, keys string) {
	tp := record(b, pcap)
	kl := keylog(b, keys)
	var n int64
	for _, c := range tp.Calls {
		n += int64(len(c.Data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		h := NewHandler(nil, Options{KeyLog: kl})
		var off [2]int64
		for _, c := range tp.Calls {
			h.Data(c.Dir, off[c.Dir], c.Data, nil)
			off[c.Dir] += int64(len(c.Data))
		}
		if p := h.Plaintext(); p[0] == 0 {
			b.Fatal("nothing decrypted")
		}
	}
}

// The benchmarks decrypt whole real sessions (record parsing, handshake,
// decryption), in MB/s of TCP payload.
func BenchmarkDecryptTLS13AES256GCM(b *testing.B) {
	benchDecrypt(b, "rtmps-tls13-publish.pcap", "rtmps-tls13-publish.keys")
}
func BenchmarkDecryptTLS13ChaCha20(b *testing.B) {
	benchDecrypt(b, "rtmps-chacha-publish.pcap", "rtmps-chacha-publish.keys")
}
func BenchmarkDecryptTLS12AESGCM(b *testing.B) {
	benchDecrypt(b, "rtmps-tls12-gcm-publish.pcap", "rtmps-tls12-gcm-publish.keys")
}
func BenchmarkDecryptTLS12CBCSHA1(b *testing.B) {
	benchDecrypt(b, "rtmps-tls12-cbc-publish.pcap", "rtmps-tls12-cbc-publish.keys")
}
