package rtmpt

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// The oracle of every RTMPT capture is the same session's plain RTMP leg
// in the same capture (rtmpt-gateway -> nginx-rtmp, port 19350): what the
// gateway took out of the tunnel and wrote upstream, and what it read
// upstream and put into the tunnel. tshark's follow of that leg
// (NAME.follow.tsv, written when the capture was made) gives its hashes;
// our de-tunnelled bytes must hash the same.
type captureCase struct {
	name     string
	closed   bool // the client sent /close: the server->client bytes end together
	pipeline bool // requests pipelined (librtmp publishing)
	// unanswered: the client left with requests in flight.
	unanswered bool
	// serverLost: the server never read the last requests' bodies.
	serverLost bool
}

var captures = []captureCase{
	{name: "rtmpt-publish", closed: true},
	{name: "rtmpt-play", closed: true},
	// rtmpdump and gst-launch are stopped without /close; the gateway
	// closes the upstream 1.5 s later, so nginx sent more than was polled.
	// rtmpdump sends its last /send and /close and exits without waiting
	// for the answers.
	{name: "rtmpt-rtmpdump", unanswered: true},
	// gst-launch also exits with requests in flight; the gateway's socket
	// is reset before it reads them, so nginx never got their bytes.
	{name: "rtmpt-gst", pipeline: true, unanswered: true, serverLost: true},
	{name: "rtmpt-proxy", closed: true},
}

func TestCapturesMatchPlainLeg(t *testing.T) {
	for _, tc := range captures {
		t.Run(tc.name, func(t *testing.T) {
			res := runFile(t, filepath.Join(pcaps, tc.name+".pcap"), Options{})
			checkAgainstLeg(t, tc, res)
		})
	}
}

func checkAgainstLeg(t *testing.T, tc captureCase, res *result) {
	t.Helper()
	rows := readFollow(t, tc.name)
	c2s, s2c := plainLeg(t, rows)
	if len(res.sessions) != 1 || len(res.plain) != 1 {
		t.Fatalf("%d sessions, %d plain legs; want 1 and 1", len(res.sessions), len(res.plain))
	}
	s, p := res.sessions[0], res.plain[0]
	// The plain leg as we reassembled it is tshark's.
	if sum(p.data[0]) != c2s.sha || sum(p.data[1]) != s2c.sha {
		t.Fatalf("plain leg differs from tshark's follow")
	}
	if tc.serverLost {
		extra := len(s.data[0]) - len(p.data[0])
		// the extra bytes are the bodies of the last /send requests
		n, calls := 0, s.calls[0]
		for i := len(calls) - 1; i >= 0 && n < extra; i-- {
			n += calls[i].n
		}
		if extra <= 0 || n != extra || !bytes.HasPrefix(s.data[0], p.data[0]) {
			t.Errorf("c2s: the plain leg's %d bytes are not the de-tunnelled %d less the last /send bodies", len(p.data[0]), len(s.data[0]))
		}
		t.Logf("c2s: the plain leg = the de-tunnelled bytes less the last %d (bodies of /send requests the server never read)", extra)
	} else if got := sum(s.data[0]); got != c2s.sha {
		t.Errorf("c2s: de-tunnelled %d bytes (sha256 %.12s), plain leg %d (%.12s)", len(s.data[0]), got, c2s.bytes, c2s.sha)
	}
	if tc.closed {
		if got := sum(s.data[1]); got != s2c.sha {
			t.Errorf("s2c: de-tunnelled %d bytes (sha256 %.12s), plain leg %d (%.12s)", len(s.data[1]), got, s2c.bytes, s2c.sha)
		}
	} else if !bytes.HasPrefix(p.data[1], s.data[1]) || len(s.data[1]) < 3073 {
		t.Errorf("s2c: de-tunnelled %d bytes are not a prefix of the plain leg's %d", len(s.data[1]), len(p.data[1]))
	} else {
		t.Logf("s2c: de-tunnelled %d bytes = the first %d of the plain leg's %d (no /close)", len(s.data[1]), len(s.data[1]), len(p.data[1]))
	}
	for d := 0; d < 2; d++ {
		if len(s.gaps[d]) != 0 {
			t.Errorf("%s: %d gaps", event.Dir(d), len(s.gaps[d]))
		}
	}
	// Every RTMPT TCP connection was ours, and its byte counts are tshark's.
	want := 0
	for _, r := range rows {
		if r.dst.Port() == 18080 {
			want++
		}
	}
	if len(res.tcpConns) != want {
		t.Errorf("%d RTMPT TCP connections, tshark %d", len(res.tcpConns), want)
	}
	for _, r := range rows {
		if r.src.Port() == upstreamPort || r.dst.Port() == upstreamPort {
			continue
		}
		k, d := r.src.String()+">"+r.dst.String(), 0
		if _, ok := res.tcpConns[k]; !ok {
			k, d = r.dst.String()+">"+r.src.String(), 1
		}
		if got := res.tcpConns[k][d]; got != r.bytes {
			t.Errorf("%s dir %d: %d bytes, tshark %d", k, d, got, r.bytes)
		}
	}
	var acct [2]event.Accounting
	for _, a := range res.accounts {
		for d := 0; d < 2; d++ {
			if a[d].Skipped != 0 || a[d].Pending != 0 {
				t.Errorf("%s: accounting %+v", event.Dir(d), a[d])
			}
			acct[d].Header += a[d].Header
			acct[d].Payload += a[d].Payload
		}
	}
	t.Logf("HTTP heads/bodies: c2s %d/%d, s2c %d/%d bytes", acct[0].Header, acct[0].Payload, acct[1].Header, acct[1].Payload)
	codes := []string{"rtmpt.http_malformed", "rtmpt.seq_missing", "rtmpt.seq_order", "rtmpt.unknown_session", "rtmpt.orphan_response", "rtmpt.http_gap"}
	if !tc.unanswered {
		codes = append(codes, "rtmpt.unanswered")
	} else if len(res.diags("rtmpt.unanswered")) == 0 {
		t.Error("no rtmpt.unanswered")
	}
	for _, code := range codes {
		if ds := res.diags(code); len(ds) > 0 {
			t.Errorf("%s: %d, first: %s", code, len(ds), ds[0].Text)
		}
	}
	sess := res.diags("rtmpt.session")
	if len(sess) != 1 {
		t.Fatalf("%d rtmpt.session summaries", len(sess))
	}
	t.Logf("%s", sess[0].Text)
	if want > 1 && !strings.Contains(sess[0].Text, fmt.Sprintf(" over %d TCP connection(s)", want)) {
		t.Errorf("summary does not count %d connections: %s", want, sess[0].Text)
	}
	if len(res.diags("rtmpt.poll_interval")) == 0 {
		t.Error("no polling interval reported")
	}
	if tc.pipeline {
		// librtmp writes /send requests without waiting for responses.
		var n int
		if _, err := fmt.Sscanf(sess[0].Text[strings.Index(sess[0].Text, "up to "):], "up to %d", &n); err != nil || n < 5 {
			t.Errorf("not pipelined: %s", sess[0].Text)
		}
	}
}

// The derived capture lost the one packet that carried POST /send/<id>/10
// (rtmpt-drop.py; its response, on its own proxied connection, is still
// there). The handler must name sequence number 10, keep the server bytes
// of the orphaned response, and lose exactly that request's body.
func TestDroppedRequest(t *testing.T) {
	res := runFile(t, filepath.Join(pcaps, "rtmpt-drop.pcap"), Options{})
	rows := readFollow(t, "rtmpt-drop")
	c2s, s2c := plainLeg(t, rows)
	if len(res.sessions) != 1 || len(res.plain) != 1 {
		t.Fatalf("%d sessions, %d plain legs", len(res.sessions), len(res.plain))
	}
	s, p := res.sessions[0], res.plain[0]
	if sum(p.data[0]) != c2s.sha || sum(p.data[1]) != s2c.sha {
		t.Fatal("plain leg differs from tshark's follow")
	}
	miss := res.diags("rtmpt.seq_missing")
	if len(miss) != 1 || !strings.Contains(miss[0].Text, "sequence number 10 is missing") {
		for _, d := range miss {
			t.Log(d.Text)
		}
		t.Fatalf("%d rtmpt.seq_missing, want one naming sequence number 10", len(miss))
	}
	t.Logf("%s", miss[0].Text)
	if len(s.gaps[0]) != 1 {
		t.Fatalf("c2s gaps %d, want 1", len(s.gaps[0]))
	}
	g := s.gaps[0][0].Offset
	lost := int64(len(p.data[0]) - len(s.data[0]))
	if lost <= 0 || miss[0].Offset != g ||
		!bytes.Equal(s.data[0][:g], p.data[0][:g]) || !bytes.Equal(s.data[0][g:], p.data[0][g+lost:]) {
		t.Fatalf("c2s: de-tunnelled bytes are not the plain leg less one run at the gap (gap at %d, %d bytes short)", g, lost)
	}
	t.Logf("c2s: the plain leg less %d bytes at offset %d (the body of /send 10)", lost, g)
	if len(s.gaps[1]) != 0 || sum(s.data[1]) != s2c.sha {
		t.Errorf("s2c: %d gaps, sha equal %v: the orphaned response's bytes should be kept", len(s.gaps[1]), sum(s.data[1]) == s2c.sha)
	}
	if n := len(res.diags("rtmpt.orphan_response")); n != 1 {
		t.Errorf("%d orphan responses, want 1", n)
	}
}

// Replaying a capture's HTTP bytes in pieces of 1 to 7 bytes (every
// header, chunk and body boundary falls inside a call somewhere) gives the
// same de-tunnelled bytes as the capture.
func TestIncremental(t *testing.T) {
	for _, name := range []string{"rtmpt-gst", "rtmpt-proxy", "rtmpt-play"} {
		t.Run(name, func(t *testing.T) {
			calls, n := rawHTTP(t, filepath.Join(pcaps, name+".pcap"))
			want := runFile(t, filepath.Join(pcaps, name+".pcap"), Options{}).sessions
			for _, piece := range []int{0, 7} {
				got := replay(t, calls, n, piece, Options{}).sessions
				if len(got) != 1 || len(want) != 1 {
					t.Fatalf("piece %d: %d sessions", piece, len(got))
				}
				for d := 0; d < 2; d++ {
					if !bytes.Equal(got[0].data[d], want[0].data[d]) {
						t.Errorf("piece %d: %s differs", piece, event.Dir(d))
					}
				}
			}
		})
	}
}
