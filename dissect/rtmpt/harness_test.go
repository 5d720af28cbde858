package rtmpt

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

const pcaps = "../../testdata/pcaps"

// upstreamPort is where rtmpt-gateway bridges every session to nginx-rtmp
// in plain RTMP (make-rtmpt.sh): the oracle leg of every capture.
const upstreamPort = 19350

// recorder is a test-only inner handler: it keeps the bytes it is given
// per direction and checks the seam's contract (contiguous offsets, refs
// covering each call's bytes exactly).
type recorder struct {
	t      testing.TB
	name   string
	data   [2][]byte
	calls  [2][]call
	gaps   [2][]flow.Gap
	closed bool
	bad    []string
}

type call struct {
	off  int64
	n    int
	refs []event.FrameRef
}

func (r *recorder) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	d := dir & 1
	if off != int64(len(r.data[d])) {
		r.bad = append(r.bad, fmt.Sprintf("%s: offset %d, want %d", dir, off, len(r.data[d])))
	}
	at := off
	for _, f := range refs {
		if f.Offset != at || f.Len <= 0 || f.Frame == 0 {
			r.bad = append(r.bad, fmt.Sprintf("%s: ref %+v at %d", dir, f, at))
		}
		at += int64(f.Len)
	}
	if at != off+int64(len(data)) {
		r.bad = append(r.bad, fmt.Sprintf("%s: refs cover %d bytes of %d", dir, at-off, len(data)))
	}
	r.data[d] = append(r.data[d], data...)
	r.calls[d] = append(r.calls[d], call{off, len(data), append([]event.FrameRef(nil), refs...)})
}

func (r *recorder) Gap(dir event.Dir, g flow.Gap) { r.gaps[dir&1] = append(r.gaps[dir&1], g) }

func (r *recorder) Close(ev *event.ConnEvent) {
	r.closed = true
	ev.Bytes = [2]int64{int64(len(r.data[0])), int64(len(r.data[1]))}
	ev.RTMP = true
}

// result is what one run of a capture gave.
type result struct {
	sessions []*recorder         // de-tunnelled sessions, in order of opening
	plain    []*recorder         // plain RTMP connections (the upstream leg)
	events   []event.Event       // every event, in order
	tcpConns map[string][2]int64 // RTMPT TCP connection "client>server" -> bytes per direction
	accounts [][2]event.Accounting
}

func (res *result) diags(code string) []*event.Diagnostic {
	var out []*event.Diagnostic
	for _, e := range res.events {
		if e.Kind == event.KindDiagnostic && e.Diag.Code == code {
			out = append(out, e.Diag)
		}
	}
	return out
}

// runFile runs a capture through the flow router with the RTMPT protocol
// (inner handlers: recorders) and a plain-RTMP recorder for the upstream
// leg (C0 = 3 to port 19350).
func runFile(t testing.TB, path string, opts Options) *result {
	t.Helper()
	res := &result{tcpConns: map[string][2]int64{}}
	r := newRouter(t, res, opts)
	if _, err := reassembly.ProcessFile(path, r, reassembly.Options{}); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	r.Finish()
	for _, s := range append(res.sessions, res.plain...) {
		if len(s.bad) > 0 {
			t.Errorf("%s: seam contract broken: %v", s.name, s.bad[:min(5, len(s.bad))])
		}
		if !s.closed {
			t.Errorf("%s: never closed", s.name)
		}
	}
	return res
}

func newRouter(t testing.TB, res *result, opts Options) *flow.Router {
	opts.NewInner = func(ctx *flow.Context) flow.StreamHandler {
		rec := &recorder{t: t, name: "session " + ctx.ID().String()}
		res.sessions = append(res.sessions, rec)
		return rec
	}
	plain := flow.Protocol{
		Name: "plain", Transport: event.TransportTCP,
		Sniff: func(h *flow.Head) flow.Verdict {
			if h.Server.Port() == upstreamPort && len(h.Data[0]) > 0 && h.Data[0][0] == 3 {
				return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMP, Rule: "test"}
			}
			return flow.Verdict{Decision: flow.No}
		},
		Stream: func(ctx *flow.Context) flow.StreamHandler {
			rec := &recorder{t: t, name: "plain " + ctx.ID().String()}
			res.plain = append(res.plain, rec)
			return rec
		},
	}
	recv := event.ReceiverFunc(func(e event.Event) {
		res.events = append(res.events, e)
		if e.Kind == event.KindConn && e.Conn.Closed && e.Conn.Info.Variant == event.VariantRTMPT && e.Conn.Info.Transport == event.TransportTCP {
			res.tcpConns[e.Conn.Info.Client.String()+">"+e.Conn.Info.Server.String()] = e.Conn.Bytes
			res.accounts = append(res.accounts, e.Conn.Account)
		}
	})
	return flow.New(recv, []flow.Protocol{Protocol(opts), plain}, flow.Options{})
}

// followRow is one row of NAME.follow.tsv: tshark's reassembled bytes of
// one direction of one TCP stream.
type followRow struct {
	src, dst netip.AddrPort
	bytes    int64
	sha      string
}

func readFollow(t testing.TB, name string) []followRow {
	t.Helper()
	f, err := os.Open(filepath.Join(pcaps, name+".follow.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []followRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 || c[0] == "stream" {
			continue
		}
		n, _ := strconv.ParseInt(c[3], 10, 64)
		rows = append(rows, followRow{netip.MustParseAddrPort(c[1]), netip.MustParseAddrPort(c[2]), n, c[4]})
	}
	return rows
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// plainLeg returns tshark's hashes of the upstream leg: c2s (to 19350) and
// s2c (from 19350).
func plainLeg(t testing.TB, rows []followRow) (c2s, s2c followRow) {
	for _, r := range rows {
		switch {
		case r.dst.Port() == upstreamPort:
			c2s = r
		case r.src.Port() == upstreamPort:
			s2c = r
		}
	}
	if c2s.sha == "" || s2c.sha == "" {
		t.Fatal("no upstream leg in the follow reference")
	}
	return
}

// rawCall is one Data call of an RTMPT TCP connection, in capture order.
type rawCall struct {
	conn int
	dir  int
	data []byte
}

// rawHTTP returns the Data calls of every RTMPT TCP connection of a
// capture (not the upstream leg), in capture order, as reassembly gives them.
func rawHTTP(t testing.TB, path string) (calls []rawCall, conns int) {
	t.Helper()
	f := &rawFactory{}
	if _, err := reassembly.ProcessFile(path, f, reassembly.Options{}); err != nil {
		t.Fatal(err)
	}
	return f.calls, f.n
}

type rawFactory struct {
	calls []rawCall
	n     int
}
type rawConn struct {
	f *rawFactory
	i int
}

func (f *rawFactory) NewConnection(info reassembly.ConnInfo) reassembly.Handler {
	if info.Server.Port() == upstreamPort {
		return nopConn{}
	}
	f.n++
	return &rawConn{f: f, i: f.n - 1}
}
func (c *rawConn) Data(d reassembly.Direction, _ int64, b []byte, _ []reassembly.FrameRef) {
	c.f.calls = append(c.f.calls, rawCall{c.i, int(d), append([]byte(nil), b...)})
}
func (c *rawConn) Gap(reassembly.Direction, reassembly.Gap) {}
func (c *rawConn) Close(reassembly.ConnStats)               {}

type nopConn struct{}

func (nopConn) Data(reassembly.Direction, int64, []byte, []reassembly.FrameRef) {}
func (nopConn) Gap(reassembly.Direction, reassembly.Gap)                        {}
func (nopConn) Close(reassembly.ConnStats)                                      {}

// replay runs recorded (or derived) Data calls through the router as TCP
// connections, cutting every call into pieces of at most piece bytes
// (0: whole), one frame per piece.
func replay(t testing.TB, calls []rawCall, conns int, piece int, opts Options) *result {
	res := &result{tcpConns: map[string][2]int64{}}
	r := newRouter(t, res, opts)
	replayInto(r, calls, conns, piece)
	r.Finish()
	return res
}

func replayInto(r *flow.Router, calls []rawCall, conns int, piece int) {
	t0 := time.Unix(1_700_000_000, 0)
	hs := make([]reassembly.Handler, conns)
	offs := make([][2]int64, conns)
	frame := uint64(0)
	for _, c := range calls {
		if hs[c.conn] == nil {
			ci := reassembly.ConnInfo{ID: uint64(c.conn + 1), Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(40000+c.conn)),
				Server: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 18080), SawSYN: true, Oriented: "syn", FirstSeen: t0, Frame: frame + 1}
			hs[c.conn] = r.NewConnection(ci)
		}
		b := c.data
		for len(b) > 0 {
			n := len(b)
			if piece > 0 {
				n = min(n, 1+int(frame)%piece)
			}
			frame++
			off := offs[c.conn][c.dir]
			hs[c.conn].Data(reassembly.Direction(c.dir), off, b[:n], []reassembly.FrameRef{{Offset: off, Len: n, Frame: frame, Time: t0}})
			offs[c.conn][c.dir] += int64(n)
			b = b[n:]
		}
	}
	for i, h := range hs {
		if h != nil {
			h.Close(reassembly.ConnStats{FIN: true, Info: reassembly.ConnInfo{ID: uint64(i + 1)}})
		}
	}
}
