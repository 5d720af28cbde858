package rtmpt

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzTunnel feeds two arbitrary HTTP byte streams (client and server side
// of one TCP connection) through the RTMPT handler in small interleaved
// pieces, and a second connection with the same bytes (sessions join
// across connections). Nothing may panic, and the inner handler must get
// contiguous offsets and refs that cover its bytes. The committed corpus
// (testdata/fuzz/FuzzTunnel, cut from the real captures by
// TestWriteFuzzCorpus) runs as a normal test.
func FuzzTunnel(f *testing.F) {
	f.Add([]byte("POST /open/1 HTTP/1.1\r\nContent-Length: 1\r\n\r\n\x00POST /send/ab/0 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n\x03\x00\x00\r\n0\r\n\r\n"),
		[]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\x01\x03"))
	// A jump to a huge sequence number (found by the fuzzer: it hung when
	// missing numbers were handled one by one).
	f.Add([]byte("POST /open/1 HTTP/1.1\r\nContent-Length: 0\r\n\r\nPOST /send/ab/922337203685477580 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"),
		[]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\x01y"))
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		var calls []rawCall
		for conn := 0; conn < 2; conn++ {
			a, b := c2s, s2c
			for i := 0; len(a) > 0 || len(b) > 0; i++ {
				n := 1 + (i*7+conn)%61
				if len(a) > 0 {
					k := min(n, len(a))
					calls = append(calls, rawCall{conn, 0, a[:k]})
					a = a[k:]
				}
				if len(b) > 0 {
					k := min(n+3, len(b))
					calls = append(calls, rawCall{conn, 1, b[:k]})
					b = b[k:]
				}
			}
		}
		res := replay(t, calls, 2, 0, Options{MaxHeld: 4})
		for _, s := range res.sessions {
			if len(s.bad) > 0 {
				t.Fatalf("seam contract: %v", s.bad)
			}
		}
	})
}

// TestWriteFuzzCorpus writes the seed corpus from the captures when
// RTMPT_WRITE_CORPUS=1: the first exchanges of each capture's first
// connection, cut at several lengths.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("RTMPT_WRITE_CORPUS") != "1" {
		t.Skip("set RTMPT_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzTunnel")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzTunnel")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"rtmpt-publish", "rtmpt-play", "rtmpt-rtmpdump", "rtmpt-gst", "rtmpt-proxy", "rtmpt-drop"} {
		b := firstBytes(t, name)
		for _, n := range []int{200, 700, 2500, 4000} {
			c, s := b[0][:min(n, len(b[0]))], b[1][:min(n, len(b[1]))]
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n[]byte(%s)\n", strconv.Quote(string(c)), strconv.Quote(string(s)))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d", name, n)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
