package reassembly

import (
	"bytes"
	"crypto/sha256"
	"hash"

	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
)

// The tests here derive captures from the real publish capture the way
// networks damage them (issue #14 item 1): a RST bit flipped on in the
// middle of a connection, a sequence number with a high bit flipped, a
// retransmission whose bytes differ. The TCP header is edited in place
// (the checksum is left as it is: captures on loopback and behind
// offloading NICs carry unverifiable checksums anyway).

// tcpHeader returns the offset of the TCP header in an Ethernet frame of
// the publish capture (IPv4, no options).
func tcpHeader(t *testing.T, p rawPkt) int {
	t.Helper()
	if len(p.data) < 14+20+20 || p.data[12] != 0x08 || p.data[13] != 0x00 {
		t.Fatalf("not an Ethernet IPv4 frame")
	}
	return 14 + int(p.data[14]&0x0f)*4
}

func clonePkts(pkts []rawPkt) []rawPkt {
	out := make([]rawPkt, len(pkts))
	for i, p := range pkts {
		p.data = append([]byte(nil), p.data...)
		out[i] = p
	}
	return out
}

// anomalyKeeper keeps the bytes and the anomalies reported.
type anomalyKeeper struct {
	keeper
	notes []Anomaly
}

func (k *anomalyKeeper) Anomaly(d Direction, a Anomaly) { k.notes = append(k.notes, a) }

type anomalyFactory struct {
	t     *testing.T
	conns []*anomalyKeeper
}

func (f *anomalyFactory) NewConnection(info ConnInfo) Handler {
	k := &anomalyKeeper{}
	k.recorder = recorder{t: f.t, info: info, sum: [2]hash.Hash{sha256.New(), sha256.New()}}
	f.conns = append(f.conns, k)
	return k
}

func runAnomalies(t *testing.T, pkts []rawPkt, lt layers.LinkType) (*anomalyFactory, Stats) {
	t.Helper()
	f := &anomalyFactory{t: t}
	sum, err := ProcessFile(writePackets(t, pkts, lt), f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, sum.Assembly
}

// TestCorruptRSTKeepsReassembling: a data segment in the middle of the
// publish gets the RST bit; the publisher goes on sending in sequence.
// Nothing may be lost, the connection must not end as reset, and the RST
// is reported as ignored.
func TestCorruptRSTKeepsReassembling(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	victim := idx[len(idx)/2]
	out := clonePkts(pkts)
	out[victim].data[tcpHeader(t, out[victim])+13] |= 0x04 // RST
	f, st := runAnomalies(t, out, lt)
	for i := range clean.conns {
		for d := 0; d < 2; d++ {
			if got, want := f.conns[i].buf[d].Len(), clean.conns[i].buf[d].Len(); got != want {
				t.Errorf("conn %d %s: %d bytes, clean run %d", i+1, Direction(d), got, want)
			}
		}
	}
	if st.ResetsIgnored != 1 {
		t.Errorf("ResetsIgnored = %d, want 1", st.ResetsIgnored)
	}
	c := f.conns[0]
	if c.closed == nil || c.closed.LastFrame != uint64(len(pkts)) {
		t.Errorf("connection closed before the end of the capture: %+v", c.closed)
	}
	if len(c.notes) != 1 || c.notes[0].Kind != AnomalyResetIgnored || c.notes[0].Frames[0] != uint64(victim+1) {
		t.Errorf("anomalies %+v, want one ignored RST of frame %d", c.notes, victim+1)
	}
}

// TestImplausibleSeqIgnored: one segment's sequence number gets bit 30
// flipped (1 GiB ahead), another's is put before the initial sequence
// number. Both are counted and reported, and the rest of the stream is
// delivered with only their own bytes missing (each was the only copy).
func TestImplausibleSeqIgnored(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	out := clonePkts(pkts)
	var lost int
	for _, i := range []int{idx[len(idx)/3], idx[2*len(idx)/3]} {
		h := tcpHeader(t, out[i])
		seq := binary.BigEndian.Uint32(out[i].data[h+4:])
		if i == idx[len(idx)/3] {
			seq ^= 1 << 30
		} else {
			seq -= 1 << 28
		}
		binary.BigEndian.PutUint32(out[i].data[h+4:], seq)
		lost += out[i].payload
	}
	f, st := runAnomalies(t, out, lt)
	if st.Implausible != 2 {
		t.Errorf("Implausible = %d, want 2", st.Implausible)
	}
	var got, want, gapBytes int64
	for i := range clean.conns {
		for d := 0; d < 2; d++ {
			got += int64(f.conns[i].buf[d].Len())
			want += int64(clean.conns[i].buf[d].Len())
			for _, g := range f.conns[i].gaps[d] {
				if g.Bytes > 1<<20 {
					t.Errorf("gap of %d bytes: a corrupt segment moved the stream", g.Bytes)
				}
				gapBytes += max(g.Bytes, 0)
			}
		}
	}
	if want-got != int64(lost) || gapBytes != int64(lost) {
		t.Errorf("delivered %d of %d bytes, gaps %d: want exactly the %d corrupt bytes missing", got, want, gapBytes, lost)
	}
	n := 0
	for _, c := range f.conns {
		for _, a := range c.notes {
			if a.Kind == AnomalyImplausibleSeq {
				n++
			}
		}
	}
	if n != 2 {
		t.Errorf("%d implausible-sequence anomalies reported, want 2", n)
	}
}

// TestOverlapConflictReported: a data segment is sent again right after
// itself with one byte changed. The first bytes are kept and the
// conflict names both frames.
func TestOverlapConflictReported(t *testing.T) {
	pkts, lt, clean := cleanRun(t)
	idx := dataPackets(pkts)
	victim := idx[len(idx)/2]
	dup := pkts[victim]
	dup.data = append([]byte(nil), dup.data...)
	dup.data[len(dup.data)-1] ^= 0xff
	dup.ci.Timestamp = dup.ci.Timestamp.Add(time.Millisecond)
	out := append(append(append([]rawPkt{}, pkts[:victim+1]...), dup), pkts[victim+1:]...)
	f, st := runAnomalies(t, out, lt)
	for i := range clean.conns {
		for d := 0; d < 2; d++ {
			if !bytes.Equal(clean.conns[i].buf[d].Bytes(), f.conns[i].buf[d].Bytes()) {
				t.Errorf("conn %d %s: bytes differ from the clean run's", i+1, Direction(d))
			}
		}
	}
	if st.Conflicts != 1 {
		t.Errorf("Conflicts = %d, want 1", st.Conflicts)
	}
	var notes []Anomaly
	for _, c := range f.conns {
		notes = append(notes, c.notes...)
	}
	if len(notes) != 1 || notes[0].Kind != AnomalyOverlapConflict || notes[0].Frames != [2]uint64{uint64(victim + 1), uint64(victim + 2)} {
		t.Fatalf("anomalies %+v, want one conflict between frames %d and %d", notes, victim+1, victim+2)
	}
	if !strings.Contains(notes[0].Text, "kept") {
		t.Errorf("text %q does not say which bytes were kept", notes[0].Text)
	}
}

// TestResetClosesAtOnce: the publish capture's connection is reset by
// ffmpeg at its end; it must close within the grace period of the RST in
// capture time, not at the idle timeout or the end of the capture. The
// capture is extended with a later packet of another connection so that
// capture time moves on.
func TestResetClosesAtOnce(t *testing.T) {
	pkts, lt, _ := cleanRun(t)
	rst := -1
	for i, p := range pkts {
		if p.tcp && p.data[tcpHeader(t, p)+13]&0x04 != 0 {
			rst = i
		}
	}
	if rst < 0 {
		t.Skip("no RST in the capture")
	}
	f := &closeAt{}
	a := NewAssembler(f, Options{})
	src, err := capture.OpenFile(writePackets(t, pkts, lt))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var dec capture.Decoder
	var seg capture.Segment
	var last capture.Packet
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if dec.Decode(p, &seg) == capture.OutcomeTCP {
			a.Add(p, &seg)
		}
		last = p
	}
	a.Tick(last.Info.Timestamp.Add(300 * time.Millisecond))
	if !f.closed || !f.stats.RST {
		t.Fatalf("not closed as reset 300ms after the RST: closed=%v %+v", f.closed, f.stats)
	}
}

type closeAt struct {
	closed bool
	stats  ConnStats
}

func (c *closeAt) NewConnection(ConnInfo) Handler            { return c }
func (c *closeAt) Data(Direction, int64, []byte, []FrameRef) {}
func (c *closeAt) Gap(Direction, Gap)                        {}
func (c *closeAt) Close(st ConnStats)                        { c.closed, c.stats = true, st }
