package dissect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/internal/pcapsplice"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// deriveCapture writes publish.pcap (a real ffmpeg publish through nginx)
// with ins inserted into the client's bytes right after its publish
// command, and returns the path and how many bytes were inserted.
func deriveCapture(t testing.TB, ins []byte) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcapDir, "publish.pcap"))
	if err != nil {
		t.Skipf("publish.pcap: %v", err)
	}
	c, err := pcapsplice.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	if at < 0 {
		t.Fatal("no publish command in publish.pcap")
	}
	if err := c.InsertAfter(at, ins); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "derived.pcap")
	if err := os.WriteFile(path, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runPath runs a capture file through the RTMP handler alone.
func runPath(t testing.TB, path string) *collector {
	t.Helper()
	col := &collector{}
	if _, err := flow.ProcessFile(path, col, []flow.Protocol{Protocol(Options{})}, flow.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	return col
}

type msgSig struct {
	csid   uint32
	typ    event.MsgType
	length uint32
	ts     uint32
}

// c2sAfter lists the client's messages from the first one at or after
// offset on, as type, length and timestamp.
func c2sAfter(col *collector, offset int64) []msgSig {
	var out []msgSig
	for _, m := range col.messages() {
		if m.Dir == event.C2S && m.Offset >= offset {
			out = append(out, msgSig{m.CSID, m.TypeID, m.Length, m.Timestamp})
		}
	}
	return out
}

// TestImplausibleHeaderInSync (#14 item 5): a Set Chunk Size of 0x7FFFFFFF
// and then a fmt 0 header with an unknown type id and a 16 MB length,
// spliced into a real publish right after its publish command (one flipped
// run of bytes). Before, the header took the next 16 MB as its body and
// swallowed every later message of the publish; now the header is judged
// implausible, the dissector resynchronises, and every message the
// publisher sent after it is framed as in the original capture.
func TestImplausibleHeaderInSync(t *testing.T) {
	ins := append(pcapsplice.SetChunkSize(0x7FFFFFFF), pcapsplice.Header(9, 0x55, 1, 0, 0xFFFFFF)...)
	path := deriveCapture(t, ins)
	orig := runCapture(t, "publish.pcap", reassembly.Options{})
	got := runPath(t, path)

	// The original's messages after the publish command.
	var pubEnd int64
	for _, m := range orig.messages() {
		if m.Dir == event.C2S && m.TypeID == event.TypeCommandAMF0 && pubEnd == 0 && string(m.Body[3:10]) == "publish" {
			pubEnd = m.Offset + 1
		}
	}
	if pubEnd == 0 {
		t.Fatal("no publish in the original")
	}
	want := c2sAfter(orig, pubEnd)
	have := c2sAfter(got, pubEnd)
	// The derived stream holds the two inserted messages (Set Chunk Size
	// framed, the bogus header skipped) before the original ones.
	idx := 0
	for _, k := range have {
		if idx < len(want) && k == want[idx] {
			idx++
		}
	}
	if idx < len(want) {
		t.Errorf("%d of the %d messages after the publish were recovered; first missing: %+v", idx, len(want), want[idx])
	}
	if len(got.diags("chunk.implausible")) != 1 {
		t.Errorf("chunk.implausible diagnostics: %+v", got.diags("chunk.implausible"))
	}
	if len(got.diags("resync.found")) == 0 {
		t.Error("no resync.found")
	}
}

// TestBodyBudgetAcrossConnections (#14 item 4): publish.pcap with a 2 MB
// message left one byte short after the publish command, copied onto
// three connections that run at the same time (testdata/pcaps/hostile/
// derive.go -case budget makes the full-size one: six connections of 16 MB).
// Each connection is under its own cap; together they pass a 5 MB budget,
// which refuses the third body with chunk.budget and never holds more.
func TestBodyBudgetAcrossConnections(t *testing.T) {
	const size = 2 << 20
	ins := append(pcapsplice.SetChunkSize(1<<24), pcapsplice.Header(9, 9, 1, 0, size)...)
	body := make([]byte, size-1)
	body[0] = 0x17
	ins = append(ins, body...)
	b, err := os.ReadFile(filepath.Join(pcapDir, "publish.pcap"))
	if err != nil {
		t.Skip(err)
	}
	c, err := pcapsplice.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	tp, _ := c.Split(at)
	if err := c.InsertAfter(at, ins); err != nil {
		t.Fatal(err)
	}
	c.Truncate(at + 1 + size/(32<<10) + 2)
	for i := 1; i < 3; i++ {
		c.CopyConn(tp.SrcPort(), tp.SrcPort()+uint16(i))
	}
	path := filepath.Join(t.TempDir(), "budget.pcap")
	if err := os.WriteFile(path, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	budget := NewBudget(5 << 20)
	col := &collector{}
	if _, err := flow.ProcessFile(path, col, []flow.Protocol{Protocol(Options{Budget: budget})}, flow.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(col.diags("chunk.budget")); n != 1 {
		t.Errorf("%d chunk.budget diagnostics, want 1", n)
	}
	if budget.Peak() > budget.Max() || budget.Peak() < 4<<20 {
		t.Errorf("peak %d of a %d budget", budget.Peak(), budget.Max())
	}
	if budget.Used() != 0 {
		t.Errorf("%d bytes still held after every connection closed", budget.Used())
	}
}

// TestBodyBudgetBalancesWithPool: with pooled body buffers (whose capacity
// is a size class, not what the budget reckoned), every byte charged to the
// budget over a real publish is given back by the end.
func TestBodyBudgetBalancesWithPool(t *testing.T) {
	budget := NewBudget(0)
	col := &collector{}
	path := filepath.Join(pcapDir, "publish.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	opts := Options{Budget: budget, Bodies: NewBodyPool()}
	if _, err := flow.ProcessFile(path, col, []flow.Protocol{Protocol(opts)}, flow.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(col.messages()) < 200 {
		t.Fatalf("%d messages", len(col.messages()))
	}
	if budget.Used() != 0 || budget.Peak() <= 0 {
		t.Errorf("budget used %d after the capture (peak %d)", budget.Used(), budget.Peak())
	}
}
