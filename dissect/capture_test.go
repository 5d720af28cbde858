package dissect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// pcapDir holds the committed captures; DISSECT_PCAPS points elsewhere
// (a copy made while the folder is being regenerated).
var pcapDir = func() string {
	if d := os.Getenv("DISSECT_PCAPS"); d != "" {
		return d
	}
	return "../testdata/pcaps"
}()

// collector is a Sink that keeps every event.
type collector struct {
	events []event.Event
	conns  []*Conn
	hashes map[string]hash.Hash // "client>server" ip:port -> sha256 of the bytes
}

// hashingHandler records a sha256 of each direction's bytes, to check that
// a reference file describes this very capture.
type hashingHandler struct {
	*Conn
	col *collector
}

func (h hashingHandler) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	src, dst := h.ctx.Info.Client, h.ctx.Info.Server
	if dir == event.S2C {
		src, dst = dst, src
	}
	k := src.String() + ">" + dst.String()
	if h.col.hashes[k] == nil {
		h.col.hashes[k] = sha256.New()
	}
	h.col.hashes[k].Write(data)
	h.Conn.Data(dir, off, data, refs)
}

// referenceMatches reports whether NAME.follow.tsv (tshark's sha256 of
// each direction) describes the bytes we were given.
func (c *collector) referenceMatches(t testing.TB, name string) bool {
	t.Helper()
	path := filepath.Join(pcapDir, strings.TrimSuffix(strings.TrimSuffix(name, ".pcapng"), ".pcap")+".follow.tsv")
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 5 {
			continue
		}
		h := c.hashes[f[1]+">"+f[2]]
		if h == nil || hex.EncodeToString(h.Sum(nil)) != f[4] {
			t.Logf("%s: %s>%s does not match our bytes", path, f[1], f[2])
			return false
		}
	}
	return true
}

func (c *collector) Emit(e event.Event) { c.events = append(c.events, e) }

func (c *collector) messages() []*event.Message {
	var out []*event.Message
	for _, e := range c.events {
		if e.Kind == event.KindMessage {
			out = append(out, e.Message)
		}
	}
	return out
}

func (c *collector) diags(code string) []*event.Diagnostic {
	var out []*event.Diagnostic
	for _, e := range c.events {
		if e.Kind == event.KindDiagnostic && (code == "" || e.Diag.Code == code) {
			out = append(out, e.Diag)
		}
	}
	return out
}

// runCapture dissects a committed capture; it skips when the capture is
// not there.
func runCapture(t testing.TB, name string, opts reassembly.Options) *collector {
	t.Helper()
	path := filepath.Join(pcapDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("capture %s not present: %v", name, err)
	}
	col := &collector{hashes: map[string]hash.Hash{}}
	p := Protocol(Options{})
	p.Stream = func(ctx *flow.Context) flow.StreamHandler {
		c := NewConn(ctx, Options{})
		col.conns = append(col.conns, c)
		return hashingHandler{c, col}
	}
	ro := flow.RunOptions{Reassembly: opts}
	ro.Ports = opts.ServerPorts
	if _, err := flow.ProcessFile(path, col, []flow.Protocol{p}, ro); err != nil {
		t.Fatalf("ProcessFile(%s): %v", name, err)
	}
	return col
}

// TestDumpCapture prints a capture's events when DISSECT_DUMP names one;
// it is a debugging aid, not a check.
func TestDumpCapture(t *testing.T) {
	name := os.Getenv("DISSECT_DUMP")
	if name == "" {
		t.Skip("set DISSECT_DUMP=NAME.pcap to print its events")
	}
	opts := reassembly.Options{}
	if strings.HasPrefix(name, "otherport") {
		opts.ServerPorts = []uint16{19999}
	}
	col := runCapture(t, name, opts)
	for _, e := range col.events {
		fmt.Println(formatEvent(e))
	}
}

func formatEvent(e event.Event) string {
	switch e.Kind {
	case event.KindMessage:
		m := e.Message
		inf := ""
		if m.Inferred {
			inf = fmt.Sprintf(" inferred(%.2f %s)", m.Confidence, m.InferNote)
		}
		return fmt.Sprintf("%s %s msg f=%d frames=%v off=%d csid=%d msid=%d ts=%d fmt=%d ext=%v type=%d len=%d chunks=%d %s%s",
			e.ConnID, m.Dir, m.Frame, m.Frames, m.Offset, m.CSID, m.MSID, m.Timestamp, m.TS.Fmt, m.TS.Extended, m.TypeID, m.Length, m.ChunkCount, m.Summary(), inf)
	case event.KindDiagnostic:
		return fmt.Sprintf("%s %s diag %s %s off=%d len=%d frames=%v: %s", e.ConnID, e.Dir, e.Diag.Severity, e.Diag.Code, e.Diag.Offset, e.Diag.Length, e.Diag.Frames, e.Diag.Text)
	case event.KindHandshake:
		h := e.Handshake
		return fmt.Sprintf("%s handshake %+v", e.ConnID, *h)
	case event.KindGap:
		return fmt.Sprintf("%s %s gap %+v", e.ConnID, e.Dir, *e.Gap)
	case event.KindConn:
		c := e.Conn
		return fmt.Sprintf("%s conn closed=%v %s->%s rtmp=%v variant=%s bytes=%v acct=%+v msgs=%v acks=%+v", e.ConnID, c.Closed, c.Info.Client, c.Info.Server, c.RTMP, c.Info.Variant, c.Bytes, c.Account, c.Messages, c.Acks)
	}
	return "?"
}
