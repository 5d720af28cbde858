package rtmpe

import (
	"bytes"
	"context"
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

const pcaps = "../../testdata/pcaps"

// recorder stands in for the RTMP handler: it keeps each direction's
// bytes and checks that offsets and refs are contiguous.
type recorder struct {
	t      testing.TB
	info   *event.ConnInfo
	stream [2][]byte
}

func (r *recorder) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	if off != int64(len(r.stream[dir])) {
		r.t.Errorf("%s: offset %d, want %d", dir, off, len(r.stream[dir]))
	}
	n := 0
	for _, f := range refs {
		if f.Offset != off+int64(n) || f.Frame == 0 {
			r.t.Errorf("%s: ref %+v at %d", dir, f, off+int64(n))
		}
		n += f.Len
	}
	if n != len(data) {
		r.t.Errorf("%s: refs cover %d of %d bytes", dir, n, len(data))
	}
	r.stream[dir] = append(r.stream[dir], data...)
}
func (r *recorder) Gap(dir event.Dir, g flow.Gap) {
	// Stand in zeros for the missing bytes, so offsets stay comparable.
	if n := g.Offset - int64(len(r.stream[dir])); g.Bytes >= 0 && n > 0 {
		r.stream[dir] = append(r.stream[dir], make([]byte, n)...)
	}
}
func (r *recorder) Close(ev *event.ConnEvent) {}

type result struct {
	events []event.Event
	recs   []*recorder
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

func (r *result) text(code string) string {
	for _, e := range r.events {
		if e.Kind == event.KindDiagnostic && e.Diag.Code == code {
			return e.Diag.Text
		}
	}
	return ""
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
	plain := flow.Protocol{Name: "rtmp", Transport: event.TransportTCP,
		Sniff: func(h *flow.Head) flow.Verdict {
			if d := h.Data[event.C2S]; len(d) > 0 && d[0] == 3 {
				return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMP}
			}
			return flow.Verdict{Decision: flow.No}
		},
		Stream: func(ctx *flow.Context) flow.StreamHandler {
			r := &recorder{t: t, info: ctx.Info}
			res.recs = append(res.recs, r)
			return r
		}}
	out := event.ReceiverFunc(func(e event.Event) {
		res.events = append(res.events, e)
		if e.Kind == event.KindConn && e.Conn.Closed {
			res.closes = append(res.closes, e.Conn)
		}
	})
	if _, err := flow.Run(context.Background(), src, out, []flow.Protocol{Protocol(opts), plain}, flow.RunOptions{Tap: tap, Options: flow.Options{Ports: []uint16{1935, 1936}}}); err != nil {
		t.Fatal(err)
	}
	return res
}

func loadKeys(t testing.TB) *Keys {
	k, err := LoadKeys(filepath.Join(pcaps, "rtmpe-play.keys"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// msg is one RTMP message as a minimal chunk reader of this test sees it.
type msg struct {
	typ  byte
	csid uint32
	body []byte
}

// messages reads the chunk stream after the handshake (enough of RTMP to
// compare two legs; the plain leg's reading is itself checked against
// tshark below).
func messages(t *testing.T, b []byte) []msg {
	type cs struct {
		typ      byte
		length   int
		buf      []byte
		extended bool
	}
	chunk := 128
	css := map[uint32]*cs{}
	var out []msg
	for len(b) > 0 {
		i := 1
		csid := uint32(b[0] & 0x3f)
		fmtb := b[0] >> 6
		if csid == 0 && len(b) > 1 {
			csid, i = 64+uint32(b[1]), 2
		} else if csid == 1 && len(b) > 2 {
			csid, i = 64+uint32(b[1])+uint32(b[2])*256, 3
		}
		c := css[csid]
		if c == nil {
			c = &cs{}
			css[csid] = c
		}
		hl := []int{11, 7, 3, 0}[fmtb]
		if len(b) < i+hl {
			break
		}
		h := b[i : i+hl]
		i += hl
		if hl >= 3 {
			c.extended = h[0] == 0xff && h[1] == 0xff && h[2] == 0xff
		}
		if hl >= 7 {
			c.length = int(h[3])<<16 | int(h[4])<<8 | int(h[5])
			c.typ = h[6]
		}
		if c.extended {
			i += 4
		}
		n := min(chunk, c.length-len(c.buf))
		if len(b) < i+n {
			break
		}
		c.buf = append(c.buf, b[i:i+n]...)
		b = b[i+n:]
		if len(c.buf) == c.length {
			out = append(out, msg{typ: c.typ, csid: csid, body: c.buf})
			if c.typ == 1 && len(c.buf) >= 4 {
				chunk = int(binary.BigEndian.Uint32(c.buf) & 0x7fffffff)
			}
			c.buf = nil
		}
	}
	return out
}

func TestDecryptEqualsPlainLeg(t *testing.T) {
	res := run(t, "rtmpe-play.pcap", Options{Keys: loadKeys(t)})
	var enc, plain *recorder
	for _, r := range res.recs {
		if r.info.Variant == event.VariantRTMPE {
			enc = r
		} else {
			plain = r
		}
	}
	if enc == nil || plain == nil {
		t.Fatalf("legs not found (codes %v)", res.codes())
	}
	if got := strings.Join(enc.info.Layers, ","); got != "tcp,rtmpe,rtmp" {
		t.Errorf("layers %s", got)
	}
	if enc.stream[0][0] != 6 || len(enc.stream[0]) < hsEnd {
		t.Fatalf("the inner handler did not get the clear handshake")
	}
	for d := range 2 {
		em, pm := messages(t, enc.stream[d][hsEnd:]), messages(t, plain.stream[d][hsEnd:])
		if len(em) < 10 && d == 1 {
			t.Fatalf("%s: %d messages decrypted", event.Dir(d), len(em))
		}
		// rtmpsuck relays each message as it comes, so both legs carry the
		// same media messages in the same order (the leg that ends first
		// may lack the last few).
		media := func(ms []msg) []msg {
			var o []msg
			for _, m := range ms {
				if m.typ == 8 || m.typ == 9 || m.typ == 18 {
					o = append(o, m)
				}
			}
			return o
		}
		ee, pp := media(em), media(pm)
		n := min(len(ee), len(pp))
		t.Logf("%s: %d messages (%d media) decrypted, %d (%d media) on the plain leg", event.Dir(d), len(em), len(ee), len(pm), len(pp))
		if d == 1 && (n < 50 || max(len(ee), len(pp))-n > 5) {
			t.Errorf("%s: media messages %d decrypted, %d on the plain leg", event.Dir(d), len(ee), len(pp))
		}
		for i := 0; i < n; i++ {
			if ee[i].typ != pp[i].typ || !bytes.Equal(ee[i].body, pp[i].body) {
				t.Fatalf("%s: media message %d differs (type %d/%d, %d/%d bytes)", event.Dir(d), i, ee[i].typ, pp[i].typ, len(ee[i].body), len(pp[i].body))
			}
		}
		// The client's commands: the same names in the same order.
		if d == 0 {
			names := func(ms []msg) []string {
				var o []string
				for _, m := range ms {
					if m.typ == 20 && len(m.body) > 3 && m.body[0] == 2 {
						l := int(m.body[1])<<8 | int(m.body[2])
						o = append(o, string(m.body[3:3+min(l, len(m.body)-3)]))
					}
				}
				return o
			}
			en, pn := names(em), names(pm)
			if len(en) < 2 || strings.Join(en, ",") != strings.Join(pn[:min(len(pn), len(en))], ",") {
				t.Errorf("client commands %v, plain leg %v", en, pn)
			}
		}
	}
	// The chunk reader on the plain leg agrees with tshark's message types.
	if _, err := exec.LookPath("tshark"); err == nil {
		out, err := exec.Command("tshark", "-r", filepath.Join(pcaps, "rtmpe-play.pcap"), "-d", "tcp.port==1936,rtmpt",
			"-Y", "tcp.srcport==1936 && rtmpt.header.typeid", "-T", "fields", "-e", "rtmpt.header.typeid").Output()
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		for _, f := range strings.FieldsFunc(string(out), func(r rune) bool { return r == ',' || r == '\n' }) {
			v, err := strconv.ParseUint(strings.TrimPrefix(f, "0x"), 16, 8)
			if err == nil {
				want = append(want, byte(v))
			}
		}
		var got []byte
		for _, m := range messages(t, plain.stream[1][hsEnd:]) {
			got = append(got, m.typ)
		}
		if !bytes.Equal(got[:min(len(got), len(want))], want[:min(len(got), len(want))]) || len(want)-len(got) > 2 || len(got) == 0 {
			t.Errorf("plain leg: %d messages read, tshark %d", len(got), len(want))
		}
	}
	c := res.codes()
	if c["rtmpe.bad_keys"]+c["rtmpe.encrypted"] != 0 || c["rtmpe.handshake"] != 1 {
		t.Errorf("codes %v", c)
	}
}

func TestNoKeys(t *testing.T) {
	res := run(t, "rtmpe-play.pcap", Options{})
	c := res.codes()
	if c["rtmpe.encrypted"] != 1 || c["rtmpe.handshake"] != 1 {
		t.Errorf("codes %v", c)
	}
	hs := res.text("rtmpe.handshake")
	// What librtmp's -V log of this session says: scheme 1 (digest offset
	// 776..), DH public keys in 8..767, server answered 8.
	for _, w := range []string{"C0=6", "C1 digest scheme 1 valid", "S0=8", "S1 digest scheme 1 valid", "XTEA"} {
		if !strings.Contains(hs, w) {
			t.Errorf("handshake %q lacks %q", hs, w)
		}
	}
	var n int
	for _, e := range res.events {
		if e.Kind == event.KindHandshake {
			n++
			if !e.Handshake.Encrypted || e.Handshake.C0 != 6 || e.Handshake.S0 != 8 || e.Handshake.C1.Scheme != 1 {
				t.Errorf("handshake %+v", e.Handshake)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d handshake events", n)
	}
	for _, ce := range res.closes {
		if ce.Info.Variant != event.VariantRTMPE {
			continue
		}
		for d := range 2 {
			if ce.Account[d].Encrypted != ce.Stats.Dir[d].Bytes-hsEnd {
				t.Errorf("%s: encrypted %d of %d", event.Dir(d), ce.Account[d].Encrypted, ce.Stats.Dir[d].Bytes)
			}
		}
	}
}

func TestWrongKeys(t *testing.T) {
	k := loadKeys(t)
	for _, e := range k.m {
		e.RC4C2S, e.RC4S2C = e.RC4S2C, e.RC4C2S // keys swapped: valid shape, wrong stream
	}
	res := run(t, "rtmpe-play.pcap", Options{Keys: k})
	if res.codes()["rtmpe.bad_keys"] != 1 {
		t.Errorf("codes %v", res.codes())
	}
	for _, r := range res.recs {
		if r.info.Variant == event.VariantRTMPE && len(r.stream[0]) > hsEnd {
			t.Errorf("bytes past the handshake delivered with wrong keys")
		}
	}
}

func TestDHSecretOnly(t *testing.T) {
	k := loadKeys(t)
	for _, e := range k.m {
		e.RC4C2S, e.RC4S2C = nil, nil
	}
	res := run(t, "rtmpe-play.pcap", Options{Keys: k})
	if c := res.codes(); c["rtmpe.bad_keys"] != 0 {
		t.Fatalf("codes %v", c)
	}
	for _, r := range res.recs {
		if r.info.Variant == event.VariantRTMPE && len(messages(t, r.stream[1][hsEnd:])) < 10 {
			t.Errorf("few messages from the DH secret")
		}
	}
}

func TestRefused(t *testing.T) {
	res := run(t, "rtmpe-refused.pcap", Options{})
	if res.codes()["rtmpe.refused"] != 1 {
		t.Errorf("codes %v", res.codes())
	}
	if v := res.closes[0].Info.Variant; v != event.VariantRTMPE {
		t.Errorf("variant %v", v)
	}
}

func TestParseKeys(t *testing.T) {
	in := "# c\nRTMPE client=[::1]:5000 server=[::1]:1935\n dh_secret=00ff # tail\nRTMPE client=10.0.0.1:1 server=10.0.0.2:1935 rc4_c2s=01 rc4_s2c=02\n"
	k, err := ParseKeys(strings.NewReader(in))
	if err != nil || k.Len() != 2 {
		t.Fatalf("%v %d", err, k.Len())
	}
	for _, bad := range []string{"dh_secret=00", "RTMPE client=x server=1.2.3.4:1", "RTMPE client=1.1.1.1:1 server=2.2.2.2:2", "RTMPE client=1.1.1.1:1 server=2.2.2.2:2 dh_secret=zz"} {
		if _, err := ParseKeys(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// A derived capture with one server segment of the RTMPE leg dropped:
// RC4 is a stream cipher and the gap's size is known, so the keystream is
// advanced past it and the media messages after it still decrypt to the
// plain leg's bytes.
func TestDroppedSegment(t *testing.T) {
	var frames []uint64
	for _, c := range record(t, "rtmpe-play.pcap").Calls {
		if c.Dir == event.S2C && c.Frame != 0 {
			frames = append(frames, c.Frame)
		}
	}
	drop := frames[len(frames)/2]
	res := runTap(t, "rtmpe-play.pcap", Options{Keys: loadKeys(t)}, func(p capture.Packet) bool { return p.Frame != drop })
	var enc, plain *recorder
	for _, r := range res.recs {
		if r.info.Variant == event.VariantRTMPE {
			enc = r
		} else {
			plain = r
		}
	}
	if enc == nil || plain == nil {
		t.Fatal("legs not found")
	}
	if c := res.codes(); c["rtmpe.gap"] != 0 || c["rtmpe.bad_keys"] != 0 {
		t.Errorf("codes %v", c)
	}
	// The tail after the gap: the last 20000 bytes of both legs' server
	// streams carry the same media bytes; compare the decrypted tail with
	// the plain leg (RC4 kept its place across the gap).
	e, p := enc.stream[event.S2C], plain.stream[event.S2C]
	tail := e[len(e)-2000:]
	if !bytes.Contains(p, tail) {
		t.Errorf("decrypted bytes after the gap are not found on the plain leg")
	}
}

// Plain RTMP and TLS captures are not RTMPE.
func TestSniffCaptures(t *testing.T) {
	for _, f := range []string{"publish.pcap", "rtmpdump-play.pcap", "rtmps-tls13-publish.pcap"} {
		for _, ce := range run(t, f, Options{}).closes {
			if ce.Info.Variant == event.VariantRTMPE {
				t.Errorf("%s: a connection taken for RTMPE", f)
			}
		}
	}
}
