package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// The variant captures hold the same session several times: through every
// layer of the variant and as the plain RTMP leg behind the gateway or
// proxy that peeled it (make-rtmpte.sh, make-rtmpts.sh). These tests run
// the command on them and compare the legs.

// jsonEvents runs the command with -T ndjson and returns its events.
func jsonEvents(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	out, errOut, code := rtmpscope(t, append(args, "-T", "ndjson", "--no-tui")...)
	if code != 0 {
		t.Fatalf("rtmpscope %v: exit %d: %s", args, code, errOut)
	}
	var evs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %v: %s", err, sc.Text())
		}
		evs = append(evs, ev)
	}
	return evs
}

// connPair is a connection's open and close events.
type connPair struct{ open, close map[string]any }

func connsOf(evs []map[string]any) map[string]*connPair {
	out := map[string]*connPair{}
	for _, ev := range evs {
		if ev["kind"] != "conn" {
			continue
		}
		id := ev["conn"].(string)
		p := out[id]
		if p == nil {
			p = &connPair{}
			out[id] = p
		}
		if ev["state"] == "open" {
			p.open = ev
		} else {
			p.close = ev
		}
	}
	return out
}

// leg finds the one connection whose closing event matches transport and
// server port.
func leg(t *testing.T, conns map[string]*connPair, transport, serverPort string) string {
	t.Helper()
	var ids []string
	for id, p := range conns {
		if p.close != nil && p.close["transport"] == transport && strings.HasSuffix(p.close["server"].(string), ":"+serverPort) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d %s connections to port %s, want 1 (%v)", len(ids), transport, serverPort, ids)
	}
	return ids[0]
}

func stack(ev map[string]any) string {
	var l []string
	for _, v := range ev["layers"].([]any) {
		l = append(l, v.(string))
	}
	return ev["variant"].(string) + " " + strings.Join(l, ",")
}

// sequence is a connection's messages of one direction as tshark's
// columns and ours name them, without frames and offsets (which differ
// between legs): csid, msid, timestamp, type, length and the decoded
// summary (commands, codecs).
func sequence(evs []map[string]any, conn, dir string) []string {
	var out []string
	for _, ev := range evs {
		if ev["kind"] == "message" && ev["conn"] == conn && ev["dir"] == dir {
			out = append(out, fmt.Sprintf("%v/%v/%v %v %v: %v", ev["csid"], ev["msid"], ev["timestamp"], ev["type"], ev["length"], ev["summary"]))
		}
	}
	return out
}

func num(ev map[string]any, key string) int64 {
	f, _ := ev[key].(float64)
	return int64(f)
}

// TestVariantOpenAndCloseAgree: on every variant capture, with and without
// its keys, a connection's open event names the same variant and layers
// as its close event, and a TLS connection carries its tls record on
// both.
func TestVariantOpenAndCloseAgree(t *testing.T) {
	var caps []string
	for _, pat := range []string{"rtmpt-*.pcap", "rtmps-*.pcap", "rtmps-*.pcapng", "rtmpe-*.pcap", "rtmpte-*.pcap", "rtmpts-*.pcap", "rtmfp-*.pcap"} {
		m, _ := filepath.Glob(pcaps + pat)
		caps = append(caps, m...)
	}
	if len(caps) < 20 {
		t.Fatalf("only %d variant captures", len(caps))
	}
	flagOf := map[string]string{"rtmps": "--tls-keylog", "rtmpts": "--tls-keylog", "rtmpe": "--rtmpe-keys", "rtmpte": "--rtmpe-keys", "rtmfp": "--rtmfp-keys"}
	for _, path := range caps {
		name := filepath.Base(path)
		runs := [][]string{{"-r", path}}
		keys := strings.TrimSuffix(strings.TrimSuffix(path, ".pcap"), ".pcapng") + ".keys"
		if _, err := os.Stat(keys); err == nil {
			runs = append(runs, []string{"-r", path, flagOf[strings.SplitN(name, "-", 2)[0]], keys})
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, args := range runs {
				decrypted := 0
				for id, p := range connsOf(jsonEvents(t, args...)) {
					if p.close == nil {
						t.Errorf("%v: %s has no close event", args[2:], id)
						continue
					}
					if p.open == nil {
						if p.close["variant"] != "other" {
							t.Errorf("%v: %s (%s) has no open event", args[2:], id, stack(p.close))
						}
						continue
					}
					if o, c := stack(p.open), stack(p.close); o != c {
						t.Errorf("%v: %s opens as %q, closes as %q", args[2:], id, o, c)
					}
					if slices.Contains(p.close["layers"].([]any), any("tls")) {
						ot, _ := p.open["tls"].(map[string]any)
						ct, _ := p.close["tls"].(map[string]any)
						if ot == nil || ct == nil || ot["version"] != ct["version"] || ot["cipher_suite"] != ct["cipher_suite"] {
							t.Errorf("%v: %s tls open %v, close %v", args[2:], id, ot, ct)
						} else if ct["decrypted"] == true {
							decrypted++
						}
					}
				}
				if len(args) == 2 && decrypted > 0 && !strings.HasSuffix(name, ".pcapng") {
					t.Errorf("%d TLS connections decrypted without keys", decrypted)
				}
			}
		})
	}
}

// TestRTMPTE: rtmpdump played rtmpte:// through our RTMPT gateway and
// rtmpsuck (which accepts RTMPE and proxies plain RTMP to nginx). The
// capture holds the tunnel (RTMPTE), the gateway's RTMPE leg over TCP and
// rtmpsuck's plain leg. With the key file both layers are peeled and the
// three legs carry the same messages; the tunnel ends 18 bytes short
// (rtmpdump stopped polling before the server's last User Control
// message reached it), and that is the only difference.
func TestRTMPTE(t *testing.T) {
	path, keys := need(t, "rtmpte-play.pcap"), need(t, "rtmpte-play.keys")
	evs := jsonEvents(t, "-r", path, "--rtmpe-keys", keys)
	conns := connsOf(evs)
	tun, enc, plain := leg(t, conns, "http-tunnel", "18080"), leg(t, conns, "tcp", "1935"), leg(t, conns, "tcp", "1936")
	for id, want := range map[string]string{tun: "rtmpte http-tunnel,rtmpe,rtmp", enc: "rtmpe tcp,rtmpe,rtmp", plain: "rtmp tcp,rtmp"} {
		if got := stack(conns[id].close); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	c2s := sequence(evs, plain, "c2s")
	if len(c2s) < 8 || !slices.ContainsFunc(c2s, func(m string) bool { return strings.HasPrefix(m, "8/1/0 command 42: play#4 ") }) {
		t.Fatalf("plain leg c2s: %q", c2s)
	}
	for _, id := range []string{tun, enc} {
		if got := sequence(evs, id, "c2s"); !slices.Equal(got, c2s) {
			t.Errorf("%s c2s: %d messages differ from the plain leg's %d:\n%q\n%q", id, len(got), len(c2s), got, c2s)
		}
	}
	s2c := sequence(evs, plain, "s2c")
	if got := sequence(evs, enc, "s2c"); !slices.Equal(got, s2c) || len(s2c) < 290 {
		t.Errorf("RTMPE leg s2c: %d messages, plain leg %d", len(got), len(s2c))
	}
	got := sequence(evs, tun, "s2c")
	if len(got) != len(s2c)-1 || !slices.Equal(got, s2c[:len(got)]) {
		t.Errorf("tunnel s2c: %d messages, want the plain leg's %d but the last", len(got), len(s2c))
	}
	if tb, pb := num(conns[tun].close, "bytes_s2c"), num(conns[plain].close, "bytes_s2c"); pb-tb != 18 || !strings.HasPrefix(s2c[len(s2c)-1], "2/0/0 user_control 6") {
		t.Errorf("tunnel s2c %d bytes, plain %d; last plain message %q", tb, pb, s2c[len(s2c)-1])
	}
	// tshark cannot decrypt RTMPE; it dissects the plain leg, whose
	// headers are ours (and so the peeled legs').
	for _, side := range []struct {
		dir string
		col int
	}{{"c2s", 3}, {"s2c", 2}} {
		var ours []string
		for _, ev := range evs {
			if ev["kind"] == "message" && ev["conn"] == plain && ev["dir"] == side.dir {
				if f := ev["ts"].(map[string]any)["fmt"].(float64); f <= 1 {
					ours = append(ours, fmt.Sprintf("%v %v %v", ev["csid"], ev["type_id"], ev["length"]))
				}
			}
		}
		if ts := tsharkHeaders(t, "rtmpte-play", side.col, "1936"); len(ts) < 6 || !slices.Equal(ours, ts) {
			t.Errorf("plain leg %s fmt 0/1 headers: ours %d, tshark %d", side.dir, len(ours), len(ts))
		}
	}
	// No diagnostics of a broken peel: handshake, chunk or resync trouble.
	for _, ev := range evs {
		if ev["kind"] == "diagnostic" && (ev["conn"] == tun || ev["conn"] == enc) && ev["severity"] != "info" {
			if c := ev["code"].(string); c != "handshake.version" && c != "session.stream_early" {
				t.Errorf("%s: %s %s", ev["conn"], c, ev["text"])
			}
		}
	}

	// The FLV of the played stream: the tunnel's audio and video tags are
	// the plain leg's (the tunnel delivers the last three media messages
	// after the client's deleteStream, so extract starts a second file for
	// them).
	dir, out := runExtractCLI(t, "rtmpte-play.pcap", "--rtmpe-keys", keys, "--timestamps", "absolute")
	read := func(conn string) []flv.Tag {
		m, _ := filepath.Glob(filepath.Join(dir, "rtmpte-play-"+conn+"-s2c-1*.flv"))
		// NAME.flv, then NAME-2.flv, ...
		slices.SortFunc(m, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) })
		var all []flv.Tag
		for _, f := range m {
			_, tags := readFLV(t, f)
			for _, tg := range tags {
				// onMetaData is rewritten per file (its duration).
				if tg.Type == flv.TagAudio || tg.Type == flv.TagVideo {
					all = append(all, tg)
				}
			}
		}
		return all
	}
	ref := read(plain)
	if len(ref) < 280 {
		t.Fatalf("plain leg FLV: %d tags\n%s", len(ref), out)
	}
	for _, id := range []string{tun, enc} {
		g := read(id)
		if len(g) != len(ref) {
			t.Errorf("%s FLV: %d tags, plain leg %d", id, len(g), len(ref))
			continue
		}
		for i := range g {
			if g[i].Type != ref[i].Type || g[i].Timestamp != ref[i].Timestamp || string(g[i].Body) != string(ref[i].Body) {
				t.Errorf("%s FLV tag %d differs from the plain leg's", id, i)
				break
			}
		}
	}

	// Without keys: the variants are named, the content counted, nothing
	// invented; the plain leg is dissected as before.
	evs = jsonEvents(t, "-r", path)
	conns = connsOf(evs)
	tun, enc = leg(t, conns, "http-tunnel", "18080"), leg(t, conns, "tcp", "1935")
	for id, want := range map[string]string{tun: "rtmpte http-tunnel,rtmpe", enc: "rtmpe tcp,rtmpe"} {
		if got := stack(conns[id].close); got != want || len(sequence(evs, id, "c2s"))+len(sequence(evs, id, "s2c")) != 0 {
			t.Errorf("%s without keys: %q, want %q and no messages", id, got, want)
		}
	}
	if n := len(sequence(evs, leg(t, conns, "tcp", "1936"), "s2c")); n != len(s2c) {
		t.Errorf("plain leg without keys: %d messages, with keys %d", n, len(s2c))
	}
}

// tsharkTLSHeaders reads tshark's chunk headers of format 0 and 1 (the
// ones that carry a type and length) from NAME.messages.tsv for the frames
// sent to port: "csid type length", in order.
func tsharkTLSHeaders(t *testing.T, name, port string) []string {
	t.Helper()
	return tsharkHeaders(t, name, 3, port)
}

// tsharkHeaders is tsharkTLSHeaders for the frames whose column col
// (2: tcp.srcport, 3: tcp.dstport) is port.
func tsharkHeaders(t *testing.T, name string, col int, port string) []string {
	t.Helper()
	b, err := os.ReadFile(pcaps + name + ".messages.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		c := strings.Split(line, "\t")
		if len(c) < 12 || c[col] != port || c[4] == "" {
			continue
		}
		fmts, csids := strings.Split(c[4], ","), strings.Split(c[5], ",")
		lens, types := strings.Split(c[9], ","), strings.Split(c[10], ",")
		k := 0
		for i, f := range fmts {
			if (f == "0" || f == "1") && k < len(lens) && k < len(types) && i < len(csids) {
				var typ int
				fmt.Sscanf(types[k], "0x%x", &typ)
				out = append(out, fmt.Sprintf("%s %d %s", csids[i], typ, lens[k]))
				k++
			}
		}
	}
	return out
}

// TestRTMPTS: ffmpeg published and played rtmpts:// through nginx's
// http{ssl} proxy (TLS 1.3, one keep-alive connection), which passes each
// request on as its own HTTP/1.0 connection to our RTMPT gateway, which
// bridges to nginx-rtmp. With the key log, TLS, then RTMPT, then RTMP are
// peeled: the session over TLS (rtmpts) carries exactly the messages of
// the same session's plain RTMPT leg and of the plain RTMP leg, its FLV
// is byte-identical, and its chunk headers are tshark's (tshark decodes
// the client's side of the TLS leg with the key log).
func TestRTMPTS(t *testing.T) {
	for _, name := range []string{"rtmpts-publish", "rtmpts-play"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path, keys := need(t, name+".pcap"), need(t, name+".keys")
			evs := jsonEvents(t, "-r", path, "--tls-keylog", keys)
			conns := connsOf(evs)
			tlsConn := leg(t, conns, "tcp", "4438")
			var overTLS, overHTTP []string
			for id, p := range conns {
				if p.close["transport"] == "http-tunnel" {
					if p.close["variant"] == "rtmpts" {
						overTLS = append(overTLS, id)
					} else {
						overHTTP = append(overHTTP, id)
					}
				}
			}
			if len(overTLS) != 1 || len(overHTTP) != 1 {
				t.Fatalf("sessions over TLS %v, over plain HTTP %v", overTLS, overHTTP)
			}
			plain := leg(t, conns, "tcp", "19350")
			c := conns[tlsConn].close
			if got := stack(c); got != "rtmpts tcp,tls,rtmpt" {
				t.Errorf("TLS connection %q", got)
			}
			tl, _ := c["tls"].(map[string]any)
			if tl == nil || tl["version"] != "TLS 1.3" || tl["decrypted"] != true || tl["closed_by"] != "client" || tl["close"] != "close_notify" {
				t.Errorf("tls record %v", tl)
			} else if cert, _ := tl["certificate"].(map[string]any); cert == nil || cert["subject"] != "CN=rtmpts.test,O=rtmpscope test" {
				t.Errorf("certificate %v", tl["certificate"])
			}
			if got := stack(conns[overTLS[0]].close); got != "rtmpts http-tunnel,rtmp" {
				t.Errorf("session over TLS %q", got)
			}
			if n := len(conns) - 3; n < 15 {
				t.Errorf("%d one-request connections from the proxy to the gateway, want 15 or more", n)
			}
			for _, dir := range []string{"c2s", "s2c"} {
				want := sequence(evs, plain, dir)
				if len(want) < 6 {
					t.Fatalf("plain leg %s: %d messages", dir, len(want))
				}
				for _, id := range []string{overTLS[0], overHTTP[0]} {
					if got := sequence(evs, id, dir); !slices.Equal(got, want) {
						t.Errorf("%s %s: %d messages differ from the plain leg's %d", id, dir, len(got), len(want))
					}
				}
			}
			// tshark's chunk headers of the TLS leg (client side).
			var ours []string
			for _, ev := range evs {
				if ev["kind"] == "message" && ev["conn"] == overTLS[0] && ev["dir"] == "c2s" {
					if f := ev["ts"].(map[string]any)["fmt"].(float64); f <= 1 {
						ours = append(ours, fmt.Sprintf("%v %v %v", ev["csid"], ev["type_id"], ev["length"]))
					}
				}
			}
			if ts := tsharkTLSHeaders(t, name, "4438"); len(ts) < 6 || !slices.Equal(ours, ts) {
				t.Errorf("fmt 0/1 headers: ours %d %q, tshark through TLS %d %q", len(ours), ours, len(ts), ts)
			}

			// Without keys: the TLS leg is rtmps (its content cannot be seen),
			// with one note and no RTMP or RTMPT diagnostics; the plain legs
			// are dissected as with keys.
			evs2 := jsonEvents(t, "-r", path)
			conns2 := connsOf(evs2)
			id := leg(t, conns2, "tcp", "4438")
			if got := stack(conns2[id].close); got != "rtmps tcp,tls" {
				t.Errorf("without keys: %q", got)
			}
			var codes []string
			for _, ev := range evs2 {
				if ev["conn"] == id && ev["kind"] != "conn" {
					codes = append(codes, fmt.Sprint(ev["kind"], " ", ev["code"]))
				}
			}
			if !slices.Equal(codes, []string{"diagnostic tls.encrypted"}) {
				t.Errorf("without keys the TLS leg has %q, want the one note", codes)
			}
			if tl, _ := conns2[id].close["tls"].(map[string]any); tl == nil || tl["not_decrypted"] != "no_keys" {
				t.Errorf("without keys: tls %v", tl)
			}
			if got := sequence(evs2, leg(t, conns2, "tcp", "19350"), "c2s"); !slices.Equal(got, sequence(evs, plain, "c2s")) {
				t.Errorf("plain leg differs without keys")
			}
		})
	}
	// FLV: the three legs of the publish are the same file.
	dir, _ := runExtractCLI(t, "rtmpts-publish.pcap", "--tls-keylog", need(t, "rtmpts-publish.keys"))
	m, _ := filepath.Glob(filepath.Join(dir, "*.flv"))
	if len(m) != 3 {
		t.Fatalf("%d FLV files, want 3 (TLS, plain RTMPT and RTMP legs)", len(m))
	}
	first, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m[1:] {
		if b, _ := os.ReadFile(f); string(b) != string(first) || len(b) < 30000 {
			t.Errorf("%s (%d bytes) differs from %s (%d bytes)", f, len(b), m[0], len(first))
		}
	}
}

// TestTLSKeysWrongOrMissing: a TLS capture without keys, with the key log
// of another session, and with the right client random but another
// session's secrets (derived here from the committed key logs): each gets
// exactly one diagnostic saying so, a tls record saying why, and no
// message.
func TestTLSKeysWrongOrMissing(t *testing.T) {
	path := need(t, "rtmps-tls13-publish.pcap")
	a, err := os.ReadFile(need(t, "rtmps-tls13-publish.keys"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(need(t, "rtmps-tls13-play.keys"))
	if err != nil {
		t.Fatal(err)
	}
	relabelled := filepath.Join(t.TempDir(), "wrong.keys")
	crA, crB := strings.Fields(string(a))[1], strings.Fields(string(b))[1]
	if err := os.WriteFile(relabelled, []byte(strings.ReplaceAll(string(b), crB, crA)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args      []string
		code, why string
	}{
		{nil, "tls.encrypted", "no_keys"},
		{[]string{"--tls-keylog", need(t, "rtmpts-publish.keys")}, "tls.keylog_miss", "keylog_miss"},
		{[]string{"--tls-keylog", relabelled}, "tls.decrypt_failed", "wrong_keys"},
	} {
		evs := jsonEvents(t, append([]string{"-r", path}, tc.args...)...)
		var others []string
		for _, ev := range evs {
			if ev["kind"] != "conn" {
				others = append(others, fmt.Sprint(ev["kind"], " ", ev["code"]))
			}
		}
		if !slices.Equal(others, []string{"diagnostic " + tc.code}) {
			t.Errorf("%v: events %q, want only %s", tc.args, others, tc.code)
		}
		c := connsOf(evs)["c1"].close
		if tl, _ := c["tls"].(map[string]any); tl == nil || tl["not_decrypted"] != tc.why || tl["decrypted"] != false {
			t.Errorf("%v: tls %v", tc.args, tl)
		}
		if stack(c) != "rtmps tcp,tls" {
			t.Errorf("%v: %s", tc.args, stack(c))
		}
	}
}

// TestConnsShowsTLS: the conns listing runs the TLS layer (and only it)
// and shows the session on the row of its connection.
func TestConnsShowsTLS(t *testing.T) {
	path, keys := need(t, "rtmps-tls12-gcm-publish.pcap"), need(t, "rtmps-tls12-gcm-publish.keys")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "rtmps (client sent a TLS ClientHello (record version 3.1)) [TLS 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, encrypted: no keys (--tls-keylog)]"},
		{[]string{"--tls-keylog", keys}, "[TLS 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, decrypted]"},
	} {
		out, errOut, code := rtmpscope(t, append([]string{"conns", "-r", path}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("conns %v: exit %d, want %q in:\n%s%s", tc.args, code, tc.want, out, errOut)
		}
	}
}

// TestRTMPEMatchesPlainLeg: rtmpe-play.pcap holds rtmpdump's RTMPE
// connection to rtmpsuck and rtmpsuck's plain leg to nginx. With the key
// file both directions decrypt to the plain leg's messages (the client's
// too: its C2 once ended the handshake early and swallowed them); rtmpsuck
// did not pass the server's last 18 bytes on before rtmpdump left, the one
// message the RTMPE leg lacks.
func TestRTMPEMatchesPlainLeg(t *testing.T) {
	evs := jsonEvents(t, "-r", need(t, "rtmpe-play.pcap"), "--rtmpe-keys", need(t, "rtmpe-play.keys"))
	conns := connsOf(evs)
	enc, plain := leg(t, conns, "tcp", "1935"), leg(t, conns, "tcp", "1936")
	if got := stack(conns[enc].close); got != "rtmpe tcp,rtmpe,rtmp" {
		t.Errorf("RTMPE leg %q", got)
	}
	if got, want := sequence(evs, enc, "c2s"), sequence(evs, plain, "c2s"); len(want) < 8 || !slices.Equal(got, want) {
		t.Errorf("c2s: %d messages, plain leg %d", len(got), len(want))
	}
	got, want := sequence(evs, enc, "s2c"), sequence(evs, plain, "s2c")
	if len(want) < 290 || len(got) != len(want)-1 || !slices.Equal(got, want[:len(got)]) {
		t.Errorf("s2c: %d messages, want the plain leg's %d but the last", len(got), len(want))
	}
	if d := num(conns[plain].close, "bytes_s2c") - num(conns[enc].close, "bytes_s2c"); d != 18 {
		t.Errorf("the plain leg carried %d more bytes s2c, want 18", d)
	}
}

// TestRTMPTS404: nginx answers ffmpeg's rtmpts:// /open/1 with 404 on the
// request's head, before its one-byte body arrived. The response is paired
// with that request all the same: one exact diagnostic, no orphan.
func TestRTMPTS404(t *testing.T) {
	evs := jsonEvents(t, "-r", need(t, "rtmps-rtmpts-404.pcap"), "--tls-keylog", need(t, "rtmps-rtmpts-404.keys"))
	var got []string
	for _, ev := range evs {
		if ev["kind"] == "diagnostic" {
			got = append(got, fmt.Sprint(ev["code"], ": ", ev["text"]))
		}
	}
	if want := []string{"rtmpt.http_status: HTTP 404 to POST /open/1"}; !slices.Equal(got, want) {
		t.Errorf("diagnostics %q, want %q", got, want)
	}
	if c := connsOf(evs)["c1"].close; stack(c) != "rtmpts tcp,tls,rtmpt" {
		t.Errorf("%s", stack(c))
	}
}

// TestTLSTextAndTree: the text view's connection lines and the -V tree
// show the TLS session without keys: version and suite on open, who ended
// it and the encrypted byte counts on close, and why nothing was
// decrypted; no "no RTMP recognised" for what stayed encrypted.
func TestTLSTextAndTree(t *testing.T) {
	path := need(t, "rtmps-tls13-publish.pcap")
	out, errOut, code := rtmpscope(t, "-r", path, "--no-tui")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"rtmps over tcp (client by syn): client sent a TLS ClientHello (record version 3.1); TLS 1.3 TLS_AES_256_GCM_SHA384\n",
		"; TLS 1.3 TLS_AES_256_GCM_SHA384, closed by the client (tcp fin); 43354/5439 bytes encrypted, not decrypted: no keys (--tls-keylog)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no RTMP recognised") {
		t.Errorf("an encrypted connection is called not RTMP:\n%s", out)
	}
	out, _, _ = rtmpscope(t, "-r", path, "--no-tui", "-V", "--tls-keylog", need(t, "rtmps-tls13-publish.keys"), "-Y", `kind == "conn"`)
	for _, want := range []string{"TLS: TLS 1.3 TLS_AES_256_GCM_SHA384", "Subject: CN=rtmps.test,O=rtmpscope test", "Closed by: client (close_notify)", "Decrypted: yes, 37360/3482 plaintext bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("-V lacks %q", want)
		}
	}
}
