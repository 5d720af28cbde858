package reassembly

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/rtmpscope/rtmpscope/capture"
)

// The tests here derive hostile captures from a real one: packets
// reordered, duplicated, dropped, cut by the snap length, or the start of the
// capture removed. They check that nothing is lost where nothing was removed
// and that exactly what was removed is reported as a gap.

type rawPkt struct {
	ci   gopacket.CaptureInfo
	data []byte
	// decoded
	tcp     bool
	payload int
	src     string
}

func loadPackets(t *testing.T, path string) ([]rawPkt, layers.LinkType) {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var dec capture.Decoder
	var seg capture.Segment
	var out []rawPkt
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rp := rawPkt{ci: p.Info, data: append([]byte(nil), p.Data...)}
		if dec.Decode(p, &seg) == capture.OutcomeTCP {
			rp.tcp, rp.payload, rp.src = true, len(seg.TCP.Payload), seg.Src.String()
		}
		out = append(out, rp)
	}
	return out, src.LinkType()
}

func writePackets(t *testing.T, pkts []rawPkt, lt layers.LinkType) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "derived.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(262144, lt); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	return path
}

// keeper records every byte delivered so derived runs can be compared with
// the clean one.
type keeper struct {
	recorder
	buf [2]bytes.Buffer
}

type keepFactory struct {
	t     *testing.T
	conns []*keeper
}

func (f *keepFactory) NewConnection(info ConnInfo) Handler {
	k := &keeper{}
	k.recorder = recorder{t: f.t, info: info, sum: [2]hash.Hash{sha256.New(), sha256.New()}}
	f.conns = append(f.conns, k)
	return k
}

func (k *keeper) Data(d Direction, off int64, data []byte, refs []FrameRef) {
	k.recorder.Data(d, off, data, refs)
	k.buf[d].Write(data)
}

func runKeep(t *testing.T, path string) *keepFactory {
	t.Helper()
	f := &keepFactory{t: t}
	if _, err := ProcessFile(path, f, Options{}); err != nil {
		t.Fatal(err)
	}
	return f
}

const hostileSrc = "publish.pcap"

func cleanRun(t *testing.T) ([]rawPkt, layers.LinkType, *keepFactory) {
	path := filepath.Join(pcapDir, hostileSrc)
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture not committed yet")
	}
	pkts, lt := loadPackets(t, path)
	return pkts, lt, runKeep(t, path)
}

// dataPackets returns the indexes of packets carrying TCP payload.
func dataPackets(pkts []rawPkt) []int {
	var idx []int
	for i, p := range pkts {
		if p.tcp && p.payload > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

func sameStreams(t *testing.T, clean, got *keepFactory) {
	t.Helper()
	if len(clean.conns) != len(got.conns) {
		t.Fatalf("got %d connections, clean run has %d", len(got.conns), len(clean.conns))
	}
	for i := range clean.conns {
		for d := 0; d < 2; d++ {
			if !bytes.Equal(clean.conns[i].buf[d].Bytes(), got.conns[i].buf[d].Bytes()) {
				t.Errorf("conn %d %s: %d bytes differ from clean run's %d", i+1, Direction(d), got.conns[i].buf[d].Len(), clean.conns[i].buf[d].Len())
			}
			if n := len(got.conns[i].gaps[d]); n != 0 {
				t.Errorf("conn %d %s: %d unexpected gaps %+v", i+1, Direction(d), n, got.conns[i].gaps[d])
			}
		}
	}
}

func TestReorderedGivesSameBytes(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	// Swap every 7th data packet with the next one (both directions mixed).
	for i := 3; i+1 < len(idx); i += 7 {
		a, b := idx[i], idx[i+1]
		pkts[a], pkts[b] = pkts[b], pkts[a]
	}
	sameStreams(t, clean, runKeep(t, writePackets(t, pkts, lt)))
}

func TestDuplicatedGivesSameBytes(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	var out []rawPkt
	for i, p := range pkts {
		out = append(out, p)
		if i%5 == 0 {
			out = append(out, p)
		}
	}
	got := runKeep(t, writePackets(t, out, lt))
	sameStreams(t, clean, got)
	if got.conns[0].closed.Dir[0].Retrans == 0 {
		t.Errorf("duplicates not counted as retransmissions: %+v", got.conns[0].closed.Dir)
	}
}

func TestDroppedPacketIsExactGap(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	victim := idx[len(idx)/2]
	dropped := pkts[victim]
	out := append(append([]rawPkt{}, pkts[:victim]...), pkts[victim+1:]...)
	got := runKeep(t, writePackets(t, out, lt))
	checkHole(t, clean, got, dropped, dropped.payload)
}

func TestSnaplenCutIsExactGap(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	// Find a data packet with a payload large enough to cut.
	victim := -1
	for _, i := range idx[len(idx)/3:] {
		if pkts[i].payload > 400 {
			victim = i
			break
		}
	}
	if victim < 0 {
		t.Skip("no large packet")
	}
	p := pkts[victim]
	keep := len(p.data) - p.payload + 100 // headers plus 100 payload bytes
	p.data = p.data[:keep]
	p.ci.CaptureLength = keep
	pkts[victim] = p
	got := runKeep(t, writePackets(t, pkts, lt))
	checkHole(t, clean, got, p, p.payload-100)
}

// checkHole asserts that got equals clean except for n bytes missing from
// the direction victim was sent in, reported as one gap of n bytes.
func checkHole(t *testing.T, clean, got *keepFactory, victim rawPkt, n int) {
	t.Helper()
	c := clean.conns[0]
	g := got.conns[0]
	d := ClientToServer
	if victim.src != c.info.Client.String() {
		d = ServerToClient
	}
	if len(g.gaps[d]) != 1 {
		t.Fatalf("%s: want 1 gap, got %+v", d, g.gaps[d])
	}
	gap := g.gaps[d][0]
	if gap.Bytes != int64(n) || gap.Reason != GapLost {
		t.Errorf("gap %+v, want %d bytes lost", gap, n)
	}
	start := gap.Offset - gap.Bytes
	full := c.buf[d].Bytes()
	want := append(append([]byte{}, full[:start]...), full[gap.Offset:]...)
	if !bytes.Equal(g.buf[d].Bytes(), want) {
		t.Errorf("bytes around the hole differ: got %d, want %d", g.buf[d].Len(), len(want))
	}
	o := d.Reverse()
	if !bytes.Equal(g.buf[o].Bytes(), c.buf[o].Bytes()) || len(g.gaps[o]) != 0 {
		t.Errorf("other direction changed")
	}
}

func TestHeadCutIsMidStream(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	cut := idx[len(idx)/4]
	got := runKeep(t, writePackets(t, pkts[cut:], lt))
	if len(got.conns) != 1 {
		t.Fatalf("got %d connections", len(got.conns))
	}
	g, c := got.conns[0], clean.conns[0]
	if g.info.SawSYN || g.info.Client != c.info.Client || g.info.Oriented != "port" {
		t.Errorf("orientation %+v, want client %v by port", g.info, c.info.Client)
	}
	for d := 0; d < 2; d++ {
		if len(g.gaps[d]) == 0 || g.gaps[d][0].Reason != GapMidStream || g.gaps[d][0].Bytes != -1 {
			t.Errorf("%s: no mid-stream gap first: %+v", Direction(d), g.gaps[d])
		}
		if !bytes.HasSuffix(c.buf[d].Bytes(), g.buf[d].Bytes()) || g.buf[d].Len() == 0 {
			t.Errorf("%s: %d bytes delivered are not the end of the clean stream", Direction(d), g.buf[d].Len())
		}
		if !g.closed.Dir[d].MidStream {
			t.Errorf("%s: stats do not say mid-stream", Direction(d))
		}
	}
}

// TestPageLimitGivesGap holds back one packet far beyond the page limit:
// the assembler must give up on the hole, say so, and keep going.
func TestPageLimitGivesGap(t *testing.T) {
	pkts, lt, _ := cleanRun(t)
	idx := dataPackets(pkts)
	victim := idx[10]
	out := append(append([]rawPkt{}, pkts[:victim]...), pkts[victim+1:]...)
	f := &keepFactory{t: t}
	sum, err := ProcessFile(writePackets(t, out, lt), f, Options{MaxPagesPerConn: 8, MaxPagesTotal: 16})
	if err != nil {
		t.Fatal(err)
	}
	var limit int
	for _, c := range f.conns {
		for d := 0; d < 2; d++ {
			for _, g := range c.gaps[d] {
				if g.Reason == GapLimit {
					limit++
				}
			}
		}
	}
	if limit == 0 || sum.Assembly.LimitFlushes == 0 {
		t.Errorf("no limit gap reported: %+v", sum.Assembly)
	}
}
