package rtmpt

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Derived captures: the HTTP bytes of real captures, changed the way
// captures from the wild differ, replayed through the router. The oracle
// stays the real capture's plain RTMP leg.

func realCalls(t *testing.T, name string) ([]rawCall, int, *recorder) {
	t.Helper()
	calls, n := rawHTTP(t, filepath.Join(pcaps, name+".pcap"))
	res := runFile(t, filepath.Join(pcaps, name+".pcap"), Options{})
	return calls, n, res.plain[0]
}

// splitMessages cuts one direction of an HTTP/1.x stream into messages by
// Content-Length (the gateway and the clients always send it). It is the
// test's own splitter, independent of the parser under test.
func splitMessages(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		h := bytes.Index(b, []byte("\r\n\r\n"))
		if h < 0 {
			t.Fatalf("no head end in %q", b[:min(len(b), 40)])
		}
		n := 0
		for _, l := range strings.Split(string(b[:h]), "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "content-length") {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		end := h + 4 + n
		out = append(out, b[:end])
		b = b[end:]
	}
	return out
}

// chunked re-encodes a message with Transfer-Encoding: chunked, chunks of
// at most size bytes, a chunk extension and a trailer.
func chunked(m []byte, size int) []byte {
	h := bytes.Index(m, []byte("\r\n\r\n"))
	var out bytes.Buffer
	for _, l := range strings.Split(string(m[:h]), "\r\n") {
		if k, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "content-length") {
			continue
		}
		out.WriteString(l + "\r\n")
	}
	out.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	body := m[h+4:]
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&out, "%x;x=1\r\n", n)
		out.Write(body[:n])
		out.WriteString("\r\n")
		body = body[n:]
	}
	out.WriteString("0\r\nX-Trailer: 1\r\n\r\n")
	return out.Bytes()
}

// messages returns the requests and responses of a one-connection capture.
func messages(t *testing.T, calls []rawCall) (req, resp [][]byte) {
	var s [2][]byte
	for _, c := range calls {
		s[c.dir] = append(s[c.dir], c.data...)
	}
	return splitMessages(t, s[0]), splitMessages(t, s[1])
}

func interleave(req, resp [][]byte) []rawCall {
	var calls []rawCall
	for i := range req {
		calls = append(calls, rawCall{0, 0, req[i]})
		if i < len(resp) {
			calls = append(calls, rawCall{0, 1, resp[i]})
		}
	}
	return calls
}

func sameAsLeg(t *testing.T, res *result, plain *recorder) {
	t.Helper()
	if len(res.sessions) != 1 {
		t.Fatalf("%d sessions", len(res.sessions))
	}
	for d := 0; d < 2; d++ {
		if !bytes.Equal(res.sessions[0].data[d], plain.data[d]) {
			t.Errorf("dir %d: %d de-tunnelled bytes differ from the plain leg's %d", d, len(res.sessions[0].data[d]), len(plain.data[d]))
		}
	}
}

func TestChunkedBodies(t *testing.T) {
	calls, _, plain := realCalls(t, "rtmpt-publish")
	req, resp := messages(t, calls)
	for i := range req {
		req[i] = chunked(req[i], 1000)
	}
	for i := range resp {
		resp[i] = chunked(resp[i], 1)
	}
	res := replay(t, interleave(req, resp), 1, 5, Options{})
	sameAsLeg(t, res, plain)
	if ds := res.diags("rtmpt.http_malformed"); len(ds) > 0 {
		t.Errorf("malformed: %s", ds[0].Text)
	}
}

func TestStatusErrors(t *testing.T) {
	calls, _, plain := realCalls(t, "rtmpt-play")
	req, resp := messages(t, calls)
	// Two idle polls (bodies: only the polling byte) answered with errors.
	n := 0
	for i := range resp {
		r := resp[i]
		if len(r) > 5 && string(r[len(r)-5:len(r)-1]) == "\r\n\r\n" && strings.HasPrefix(string(req[i]), "POST /idle/") {
			status := []string{"404 Not Found", "503 Service Unavailable"}[n]
			resp[i] = []byte("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nerror")
			if n++; n == 2 {
				break
			}
		}
	}
	if n != 2 {
		t.Fatalf("found %d idle responses to change", n)
	}
	res := replay(t, interleave(req, resp), 1, 0, Options{})
	sameAsLeg(t, res, plain)
	ds := res.diags("rtmpt.http_status")
	if len(ds) != 2 || !strings.Contains(ds[0].Text, "HTTP 404") || !strings.Contains(ds[0].Text, "does not know the session") || !strings.Contains(ds[1].Text, "HTTP 503") {
		for _, d := range ds {
			t.Log(d.Text)
		}
		t.Fatalf("%d rtmpt.http_status", len(ds))
	}
}

// Garbage between two requests and inside a response stream: reported,
// skipped, and the session's bytes are unharmed.
func TestMalformedResync(t *testing.T) {
	calls, _, plain := realCalls(t, "rtmpt-publish")
	req, resp := messages(t, calls)
	g1, g2 := []byte("\x00\x01garbage\r\nnot http at all\r\n"), []byte("XTTP/9.9 bogus\r\n")
	req[5] = append(g1, req[5]...)
	resp[7] = append(g2, resp[7]...)
	res := replay(t, interleave(req, resp), 1, 3, Options{})
	sameAsLeg(t, res, plain)
	if n := len(res.diags("rtmpt.http_malformed")); n != 2 {
		t.Errorf("%d rtmpt.http_malformed, want 2", n)
	}
	// Exactly the inserted bytes are accounted as skipped.
	if a := res.accounts[0]; a[0].Skipped != int64(len(g1)) || a[1].Skipped != int64(len(g2)) {
		t.Errorf("skipped %d and %d, want %d and %d", a[0].Skipped, a[1].Skipped, len(g1), len(g2))
	}
}

// Two proxied connections swapped (request 12 before 11): put back in order.
func TestReordered(t *testing.T) {
	calls, n, plain := realCalls(t, "rtmpt-proxy")
	// Each proxied connection is one exchange; find those of seq 11 and 12.
	conn := map[string]int{}
	for _, c := range calls {
		if c.dir == 0 {
			for _, s := range []string{"/11 HTTP", "/12 HTTP"} {
				if bytes.Contains(c.data[:min(len(c.data), 80)], []byte(s)) {
					conn[s] = c.conn
				}
			}
		}
	}
	a, b := conn["/11 HTTP"], conn["/12 HTTP"]
	if a == 0 || b == 0 {
		t.Fatal("no requests 11 and 12")
	}
	// Requests of 11 and 12 first (12 before 11), then their responses.
	var out, reqA, reqB, rest []rawCall
	for _, c := range calls {
		switch {
		case c.conn == a && c.dir == 0:
			reqA = append(reqA, c)
		case c.conn == b && c.dir == 0:
			reqB = append(reqB, c)
		case c.conn == a || c.conn == b:
			rest = append(rest, c)
		}
	}
	done := false
	for _, c := range calls {
		if c.conn == a || c.conn == b {
			if !done {
				out = append(append(append(out, reqB...), reqA...), rest...)
				done = true
			}
			continue
		}
		out = append(out, c)
	}
	res := replay(t, out, n, 0, Options{})
	sameAsLeg(t, res, plain)
	if len(res.diags("rtmpt.seq_reordered")) != 1 || len(res.diags("rtmpt.seq_missing")) != 0 {
		t.Errorf("reordered %d, missing %d", len(res.diags("rtmpt.seq_reordered")), len(res.diags("rtmpt.seq_missing")))
	}
}

// The capture begins after /open and the first requests: the session is
// joined mid-session (unknown session id), with mid-stream gaps; a request
// repeated after /close is reported.
func TestMidSessionAndAfterClose(t *testing.T) {
	calls, n, plain := realCalls(t, "rtmpt-proxy")
	var out []rawCall
	var closeReq []byte
	for _, c := range calls {
		if c.conn >= 4 {
			out = append(out, c)
		}
		if c.dir == 0 && bytes.HasPrefix(c.data, []byte("POST /close/")) {
			closeReq = c.data
		}
	}
	out = append(out, rawCall{n, 0, closeReq})
	res := replay(t, out, n+1, 0, Options{})
	if len(res.sessions) != 1 {
		t.Fatalf("%d sessions", len(res.sessions))
	}
	s := res.sessions[0]
	if len(res.diags("rtmpt.unknown_session")) != 1 || len(s.gaps[0]) != 1 || s.gaps[0][0].Bytes != -1 {
		t.Errorf("unknown_session %d, gaps %v", len(res.diags("rtmpt.unknown_session")), s.gaps[0])
	}
	if !bytes.HasSuffix(plain.data[0], s.data[0]) {
		t.Error("c2s is not the end of the plain leg")
	}
	if len(res.diags("rtmpt.after_close")) != 1 {
		t.Errorf("after_close %d", len(res.diags("rtmpt.after_close")))
	}
	if len(res.diags("rtmpt.seq_missing")) != 0 {
		t.Errorf("a session joined mid-way has no missing sequence numbers before its first")
	}
}
