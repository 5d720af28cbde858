package tlsrec

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

const pcaps = "../../testdata/pcaps"

// recorder is a stand-in for the RTMP handler: it keeps the plaintext of
// each direction and checks the offsets and refs it is given.
type recorder struct {
	t     testing.TB
	plain [2][]byte
	gaps  int
}

func (r *recorder) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	if off != int64(len(r.plain[dir])) {
		r.t.Errorf("%s: inner offset %d, want %d", dir, off, len(r.plain[dir]))
	}
	n := 0
	for _, f := range refs {
		n += f.Len
		if f.Frame == 0 {
			r.t.Errorf("%s: ref without a frame", dir)
		}
	}
	if n != len(data) {
		r.t.Errorf("%s: refs cover %d bytes of %d", dir, n, len(data))
	}
	r.plain[dir] = append(r.plain[dir], data...)
}
func (r *recorder) Gap(event.Dir, flow.Gap)   { r.gaps++ }
func (r *recorder) Close(ev *event.ConnEvent) {}

type result struct {
	events []event.Event
	recs   []*recorder
	infos  []*event.ConnInfo
	closes []*event.ConnEvent
}

func (r *result) codes() map[string]int {
	m := map[string]int{}
	for _, e := range r.events {
		if e.Kind == event.KindDiagnostic {
			m[e.Diag.Code]++
		}
	}
	return m
}

func run(t testing.TB, file string, opts Options) *result {
	t.Helper()
	return runTap(t, file, opts, nil)
}

// runTap is run with a tap that may leave packets out (a derived capture).
func runTap(t testing.TB, file string, opts Options, tap func(capture.Packet) bool) *result {
	t.Helper()
	src, err := capture.OpenFile(filepath.Join(pcaps, file))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res := &result{}
	mk := func(ctx *flow.Context) flow.StreamHandler {
		r := &recorder{t: t}
		res.recs = append(res.recs, r)
		res.infos = append(res.infos, ctx.Info)
		return r
	}
	protos := []flow.Protocol{Protocol(opts),
		{Name: "rtmp", Transport: event.TransportTCP, Sniff: func(*flow.Head) flow.Verdict { return flow.Verdict{Decision: flow.No} }, Stream: mk},
		{Name: "rtmpt", Transport: event.TransportTCP, Sniff: func(*flow.Head) flow.Verdict { return flow.Verdict{Decision: flow.No} }, Stream: mk},
	}
	out := event.ReceiverFunc(func(e event.Event) {
		res.events = append(res.events, e)
		if e.Kind == event.KindConn && e.Conn.Closed {
			res.closes = append(res.closes, e.Conn)
		}
	})
	if _, err := flow.Run(context.Background(), src, out, protos, flow.RunOptions{Tap: tap}); err != nil {
		t.Fatal(err)
	}
	return res
}

func keylog(t testing.TB, name string) *KeyLog {
	t.Helper()
	k, err := LoadKeyLog(filepath.Join(pcaps, name))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// tsharkPlain is tshark's decryption of the same capture with the same
// key log (the oracle): the TLS application data of TCP stream 0, per
// direction.
func tsharkPlain(t *testing.T, file, keys string, extra ...string) [2][]byte {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	args := []string{"-r", filepath.Join(pcaps, file), "-o", "tls.keylog_file:" + filepath.Join(pcaps, keys)}
	args = append(args, extra...)
	args = append(args, "-q", "-z", "follow,tls,raw,0")
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var p [2][]byte
	in := false
	// Untabbed lines are what Node 0 sent; Node 0 is whichever side
	// tshark saw first, so tell the server by its port (443x here).
	node0Server := false
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Node 0:") {
			node0Server = strings.Contains(line, ":443")
		}
		if strings.HasPrefix(line, "Node 1:") {
			in = true
			continue
		}
		if !in || line == "" || strings.HasPrefix(line, "===") {
			continue
		}
		d := event.C2S
		if strings.HasPrefix(line, "\t") != node0Server {
			d = event.S2C
		}
		b, err := hex.DecodeString(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("tshark follow line: %v", err)
		}
		p[d] = append(p[d], b...)
	}
	return p
}

func TestDecryptMatchesTshark(t *testing.T) {
	for _, c := range []struct{ pcap, keys, suite string }{
		{"rtmps-tls13-publish.pcap", "rtmps-tls13-publish.keys", "TLS_AES_256_GCM_SHA384"},
		{"rtmps-chacha-publish.pcap", "rtmps-chacha-publish.keys", "TLS_CHACHA20_POLY1305_SHA256"},
		{"rtmps-tls12-gcm-publish.pcap", "rtmps-tls12-gcm-publish.keys", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
		{"rtmps-tls12-cbc-publish.pcap", "rtmps-tls12-cbc-publish.keys", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
		{"rtmps-tls12-rsa-publish.pcap", "rtmps-tls12-rsa-publish.keys", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
		{"rtmps-tls13-play.pcap", "rtmps-tls13-play.keys", "TLS_AES_256_GCM_SHA384"},
	} {
		t.Run(c.pcap, func(t *testing.T) {
			res := run(t, c.pcap, Options{KeyLog: keylog(t, c.keys)})
			if len(res.recs) != 1 {
				t.Fatalf("%d inner handlers, want 1", len(res.recs))
			}
			got := res.recs[0].plain
			want := tsharkPlain(t, c.pcap, c.keys)
			for d := range 2 {
				if len(want[d]) == 0 {
					t.Fatalf("%s: tshark decrypted nothing", event.Dir(d))
				}
				if !bytes.Equal(got[d], want[d]) {
					t.Errorf("%s: %d plaintext bytes, tshark %d; equal prefix %d", event.Dir(d), len(got[d]), len(want[d]), commonPrefix(got[d], want[d]))
				}
			}
			// RTMP inside: the client's first plaintext byte is C0 = 3.
			if got[0][0] != 3 {
				t.Errorf("first plaintext byte %d, want C0=3", got[0][0])
			}
			codes := res.codes()
			if codes["tls.decrypt_failed"]+codes["tls.encrypted"]+codes["tls.keylog_miss"] != 0 {
				t.Errorf("diagnostics %v", codes)
			}
			if len(codes) != 0 {
				t.Errorf("diagnostics %v, want none: the TLS facts are in the conn event", codes)
			}
			tl := res.closes[0].TLS
			if tl == nil || tl.CipherSuite != c.suite || !tl.Decrypted || tl.NotDecrypted != "" {
				t.Fatalf("TLS record %+v, want suite %s, decrypted", tl, c.suite)
			}
			for d := range 2 {
				if tl.Plaintext[d] != int64(len(want[d])) || tl.Encrypted[d] <= tl.Plaintext[d] {
					t.Errorf("%s: TLS record says %d plaintext of %d encrypted bytes, tshark %d plaintext", event.Dir(d), tl.Plaintext[d], tl.Encrypted[d], len(want[d]))
				}
			}
			if tl.Cert == nil || tl.Cert.Subject != "CN=rtmps.test,O=rtmpscope test" || !tl.Cert.NotAfter.After(tl.Cert.NotBefore) {
				t.Errorf("certificate %+v", tl.Cert)
			}
			if got := res.infos[0].Layers; strings.Join(got, ",") != "tcp,tls,rtmp" {
				t.Errorf("layers %v", got)
			}
			if res.closes[0].Account[0].Encrypted != 0 || res.closes[0].Account[1].Encrypted != 0 {
				t.Errorf("encrypted bytes %d/%d with keys", res.closes[0].Account[0].Encrypted, res.closes[0].Account[1].Encrypted)
			}
		})
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func TestNoKeys(t *testing.T) {
	res := run(t, "rtmps-tls13-publish.pcap", Options{})
	if len(res.recs) != 0 {
		t.Fatalf("an inner handler was made without keys")
	}
	codes := res.codes()
	if codes["tls.encrypted"] != 1 {
		t.Errorf("tls.encrypted %d times, want 1 (%v)", codes["tls.encrypted"], codes)
	}
	if len(codes) != 1 {
		t.Errorf("diagnostics %v, want only the one tls.encrypted note", codes)
	}
	c := res.closes[0]
	tl := c.TLS
	if tl == nil || tl.Version != "TLS 1.3" || tl.CipherSuite != "TLS_AES_256_GCM_SHA384" || tl.Decrypted ||
		tl.NotDecrypted != event.TLSNoKeys || tl.Cert != nil || tl.Close != "tcp fin" {
		t.Fatalf("TLS record %+v", tl)
	}
	for d := range 2 {
		// TLS 1.3: every protected record stays encrypted.
		if tl.Encrypted[d] != c.Account[d].Encrypted || tl.Plaintext[d] != 0 {
			t.Errorf("%s: TLS record %d encrypted bytes, accounting %d", event.Dir(d), tl.Encrypted[d], c.Account[d].Encrypted)
		}
	}
	if c.Info.Variant != event.VariantRTMPS {
		t.Errorf("variant %v", c.Info.Variant)
	}
	for d := range 2 {
		if c.Account[d].Encrypted == 0 || c.Bytes[d] != c.Stats.Dir[d].Bytes {
			t.Errorf("%s: encrypted %d, bytes %d of %d", event.Dir(d), c.Account[d].Encrypted, c.Bytes[d], c.Stats.Dir[d].Bytes)
		}
	}
	// TLS 1.2: the certificate is in the clear.
	res = run(t, "rtmps-tls12-gcm-publish.pcap", Options{})
	if tl := res.closes[0].TLS; tl == nil || tl.Cert == nil || tl.Cert.Subject != "CN=rtmps.test,O=rtmpscope test" ||
		tl.Cert.Issuer != tl.Cert.Subject || tl.ClosedBy != "client" || tl.Close != "encrypted alert" || tl.NotDecrypted != event.TLSNoKeys {
		t.Errorf("TLS record %+v", tl)
	}
	if codes := res.codes(); codes["tls.encrypted"] != 1 || len(codes) != 1 {
		t.Errorf("codes %v", codes)
	}
}

func TestWrongKeys(t *testing.T) {
	// The key log of another session: nothing matches its client random.
	res := run(t, "rtmps-tls13-publish.pcap", Options{KeyLog: keylog(t, "rtmps-chacha-publish.keys")})
	if codes := res.codes(); len(res.recs) != 0 || codes["tls.keylog_miss"] != 1 || len(codes) != 1 {
		t.Errorf("recs %d, codes %v", len(res.recs), codes)
	}
	if tl := res.closes[0].TLS; tl.Decrypted || tl.NotDecrypted != event.TLSKeylogMiss {
		t.Errorf("TLS record %+v", tl)
	}
	// Right client random, wrong secrets (another session's, relabelled):
	// authentication fails, nothing is invented.
	a, b := readFile(t, "rtmps-tls13-publish.keys"), readFile(t, "rtmps-tls13-play.keys")
	crA, crB := strings.Fields(a)[1], strings.Fields(b)[1]
	k, err := ParseKeyLog(strings.NewReader(strings.ReplaceAll(b, crB, crA)))
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, "rtmps-tls13-publish.pcap", Options{KeyLog: k})
	if codes := res.codes(); codes["tls.decrypt_failed"] != 1 || len(codes) != 1 {
		t.Errorf("codes %v, want one tls.decrypt_failed and nothing else", codes)
	}
	if tl := res.closes[0].TLS; tl.Decrypted || tl.NotDecrypted != event.TLSWrongKeys {
		t.Errorf("TLS record %+v", tl)
	}
	for _, r := range res.recs {
		if len(r.plain[0])+len(r.plain[1]) != 0 {
			t.Errorf("plaintext from wrong keys")
		}
	}
	if c := res.closes[0]; c.Account[0].Encrypted == 0 || c.Account[1].Encrypted == 0 {
		t.Errorf("encrypted %v", c.Account)
	}
}

func readFile(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join(pcaps, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRSAKey(t *testing.T) {
	k, err := LoadRSAKey(filepath.Join(pcaps, "rtmps-server.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, "rtmps-tls12-rsa-publish.pcap", Options{RSAKey: k})
	if len(res.recs) != 1 {
		t.Fatalf("codes %v", res.codes())
	}
	want := tsharkPlain(t, "rtmps-tls12-rsa-publish.pcap", "rtmps-tls12-rsa-publish.keys")
	for d := range 2 {
		if !bytes.Equal(res.recs[0].plain[d], want[d]) {
			t.Errorf("%s: %d bytes, tshark %d", event.Dir(d), len(res.recs[0].plain[d]), len(want[d]))
		}
	}
}

func TestRTMPTS(t *testing.T) {
	res := run(t, "rtmps-rtmpts-404.pcap", Options{KeyLog: keylog(t, "rtmps-rtmpts-404.keys")})
	if len(res.recs) != 1 {
		t.Fatalf("recs %d codes %v", len(res.recs), res.codes())
	}
	if v := res.closes[0].Info.Variant; v != event.VariantRTMPTS {
		t.Errorf("variant %v", v)
	}
	if l := strings.Join(res.infos[0].Layers, ","); l != "tcp,tls,rtmpt" {
		t.Errorf("layers %s", l)
	}
	if !bytes.HasPrefix(res.recs[0].plain[0], []byte("POST /")) {
		t.Errorf("plaintext starts %q", res.recs[0].plain[0][:min(16, len(res.recs[0].plain[0]))])
	}
}

// The same session with its keys read from the pcapng's Decryption
// Secrets Block instead of the key log file.
func TestDSBKeys(t *testing.T) {
	b, err := capture.ReadSecrets(filepath.Join(pcaps, "rtmps-tls13-dsb.pcapng"), capture.SecretsTLSKeyLog)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeyLog(bytes.NewReader(b))
	if err != nil || k.Len() != 1 {
		t.Fatalf("key log from DSB: %v, %d sessions", err, k.Len())
	}
	res := run(t, "rtmps-tls13-dsb.pcapng", Options{KeyLog: k})
	want := tsharkPlain(t, "rtmps-tls13-publish.pcap", "rtmps-tls13-publish.keys")
	if len(res.recs) != 1 || !bytes.Equal(res.recs[0].plain[0], want[0]) || !bytes.Equal(res.recs[0].plain[1], want[1]) {
		t.Errorf("DSB keys: plaintext differs from tshark's (codes %v)", res.codes())
	}
}

// midFrame returns a frame in the middle of a direction's data.
func midFrame(tb testing.TB, file string, d event.Dir) uint64 {
	var frames []uint64
	for _, c := range record(tb, file).Calls {
		if c.Dir == d && c.Frame != 0 {
			frames = append(frames, c.Frame)
		}
	}
	if len(frames) < 10 {
		tb.Fatalf("%s: %d frames", file, len(frames))
	}
	return frames[len(frames)/2]
}

// A derived capture with one client segment dropped: what came before is
// decrypted exactly, the gap is reported, and nothing after it is
// invented.
func TestDroppedSegment(t *testing.T) {
	const pcap, keys = "rtmps-tls13-publish.pcap", "rtmps-tls13-publish.keys"
	drop := midFrame(t, pcap, event.C2S)
	res := runTap(t, pcap, Options{KeyLog: keylog(t, keys)}, func(p capture.Packet) bool { return p.Frame != drop })
	if res.codes()["tls.gap"] != 1 || res.codes()["tls.decrypt_failed"] != 0 {
		t.Errorf("codes %v", res.codes())
	}
	want := tsharkPlain(t, pcap, keys)
	got := res.recs[0].plain
	if !bytes.HasPrefix(want[0], got[0]) || len(got[0]) == 0 || len(got[0]) >= len(want[0]) {
		t.Errorf("c2s: %d bytes, not a proper prefix of tshark's %d", len(got[0]), len(want[0]))
	}
	if !bytes.Equal(got[1], want[1]) {
		t.Errorf("s2c changed by a c2s gap")
	}
	if res.recs[0].gaps != 1 || res.closes[0].Account[0].Encrypted == 0 {
		t.Errorf("inner gaps %d, encrypted %d", res.recs[0].gaps, res.closes[0].Account[0].Encrypted)
	}
}

// Plain RTMP and RTMPE captures are not TLS; every RTMPS capture is.
func TestSniffCaptures(t *testing.T) {
	for _, c := range []struct {
		pcap string
		yes  bool
	}{{"publish.pcap", false}, {"rtmpe-play.pcap", false}, {"rtmps-tls13-publish.pcap", true}, {"rtmps-tls12-cbc-publish.pcap", true}} {
		res := run(t, c.pcap, Options{})
		n := 0
		for _, ce := range res.closes {
			if ce.Info.Variant == event.VariantRTMPS {
				n++
			}
		}
		if (n > 0) != c.yes {
			t.Errorf("%s: %d TLS connections", c.pcap, n)
		}
	}
}

// TestDSBKeysLater: the same keys read when first needed (KeyLog.Later,
// as the command reads a capture's secrets blocks) decrypt the same, over
// a key log that held other secrets; a key log nobody asks never reads,
// and Wait reports the read's error only when a question made it read.
func TestDSBKeysLater(t *testing.T) {
	path := filepath.Join(pcaps, "rtmps-tls13-dsb.pcapng")
	reads := 0
	read := func() (*KeyLog, error) {
		reads++
		b, err := capture.ReadSecrets(path, capture.SecretsTLSKeyLog)
		if err != nil {
			return nil, err
		}
		return ParseKeyLog(bytes.NewReader(b))
	}
	other := keylog(t, "rtmps-chacha-publish.keys") // another session's
	k := other.Later(read)
	if reads != 0 {
		t.Fatalf("read %d times before any question", reads)
	}
	res := run(t, "rtmps-tls13-dsb.pcapng", Options{KeyLog: k})
	want := tsharkPlain(t, "rtmps-tls13-publish.pcap", "rtmps-tls13-publish.keys")
	if len(res.recs) != 1 || !bytes.Equal(res.recs[0].plain[0], want[0]) || !bytes.Equal(res.recs[0].plain[1], want[1]) {
		t.Errorf("later DSB keys: plaintext differs from tshark's (codes %v)", res.codes())
	}
	if k.Len() != 2 || reads != 1 {
		t.Errorf("later key log holds %d sessions after %d reads, want the file's and the block's after one", k.Len(), reads)
	}
	if err := k.Wait(); err != nil {
		t.Errorf("Wait: %v", err)
	}

	bad := errors.New("malformed block")
	asked := (*KeyLog)(nil).Later(func() (*KeyLog, error) { return nil, bad })
	if asked.Len() != 0 || !errors.Is(asked.Wait(), bad) {
		t.Errorf("an asked read's error is not reported")
	}
	unasked := (*KeyLog)(nil).Later(func() (*KeyLog, error) { t.Error("read though nothing asked"); return nil, bad })
	if err := unasked.Wait(); err != nil {
		t.Errorf("an unasked read: Wait %v", err)
	}
	if unasked.Len() != 0 {
		t.Errorf("secrets after Wait")
	}
}
