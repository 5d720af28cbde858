package reassembly

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/rtmpscope/rtmpscope/capture"
)

// The file formats and link types here are derived from real captures:
// each packet's IP datagram is re-framed (Null, Loop, raw IP, SLL, VLAN
// tags, IPv6 extension headers) or the file is re-written (nanosecond
// pcap, big-endian pcap, pcapng, gzip). Whatever the framing, the
// reassembled bytes must equal tshark's for the original capture.

// ipOf returns the IP datagram inside an Ethernet frame.
func ipOf(t *testing.T, frame []byte) []byte {
	if binary.BigEndian.Uint16(frame[12:]) != 0x0800 && binary.BigEndian.Uint16(frame[12:]) != 0x86dd {
		t.Fatalf("not an IP frame")
	}
	return frame[14:]
}

type reframe struct {
	name string
	lt   layers.LinkType
	fn   func(t *testing.T, frame []byte) []byte
}

func af(v4 bool, order binary.ByteOrder, v6val uint32) []byte {
	b := make([]byte, 4)
	if v4 {
		order.PutUint32(b, 2)
	} else {
		order.PutUint32(b, v6val)
	}
	return b
}

func isV4(ip []byte) bool { return ip[0]>>4 == 4 }

var reframes = []reframe{
	{"null", layers.LinkTypeNull, func(t *testing.T, f []byte) []byte {
		ip := ipOf(t, f)
		return append(af(isV4(ip), binary.LittleEndian, 30), ip...)
	}},
	{"loop", layers.LinkTypeLoop, func(t *testing.T, f []byte) []byte {
		ip := ipOf(t, f)
		return append(af(isV4(ip), binary.BigEndian, 24), ip...)
	}},
	{"raw", layers.LinkTypeRaw, func(t *testing.T, f []byte) []byte { return ipOf(t, f) }},
	{"sll", layers.LinkTypeLinuxSLL, func(t *testing.T, f []byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 772) // ARPHRD_LOOPBACK
		copy(h[14:], f[12:14])
		return append(h, f[14:]...)
	}},
	{"vlan", layers.LinkTypeEthernet, func(t *testing.T, f []byte) []byte {
		out := append([]byte{}, f[:12]...)
		out = append(out, 0x81, 0x00, 0x00, 0x2a) // 802.1Q, VLAN 42
		return append(out, f[12:]...)
	}},
	{"qinq", layers.LinkTypeEthernet, func(t *testing.T, f []byte) []byte {
		out := append([]byte{}, f[:12]...)
		out = append(out, 0x88, 0xa8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x2a)
		return append(out, f[12:]...)
	}},
}

func writeFile(t *testing.T, name string, lt layers.LinkType, pkts []rawPkt, conv func([]byte) []byte, nanos bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var w *pcapgo.Writer
	if nanos {
		w = pcapgo.NewWriterNanos(f)
	} else {
		w = pcapgo.NewWriter(f)
	}
	if err := w.WriteFileHeader(262144, lt); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		d := conv(p.data)
		ci := p.ci
		ci.CaptureLength, ci.Length = len(d), len(d)+(p.ci.Length-p.ci.CaptureLength)
		if err := w.WritePacket(ci, d); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	return path
}

// checkAgainstFollow runs path and compares with the reference of orig.
func checkAgainstFollow(t *testing.T, path, orig string) {
	t.Helper()
	want := readFollow(t, orig[:len(orig)-len(filepath.Ext(orig))]+".follow.tsv")
	f, _ := run(t, path, Options{})
	var got []followRow
	for _, c := range f.conns {
		for d := ClientToServer; d <= ServerToClient; d++ {
			if c.n[d] > 0 {
				src, dst := c.endpoints(d)
				got = append(got, followRow{0, src, dst, c.n[d], hexSum(c.sum[d])})
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d directions with data, tshark %d", len(got), len(want))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.src == w.src && g.dst == w.dst && g.bytes == w.bytes && g.sha == w.sha {
				found = true
			}
		}
		if !found {
			t.Errorf("%s -> %s (%d bytes) not reassembled identically", w.src, w.dst, w.bytes)
		}
	}
}

func TestLinkTypes(t *testing.T) {
	for _, src := range []string{"publish.pcap", "ipv6.pcap"} {
		orig := filepath.Join(pcapDir, src)
		if _, err := os.Stat(orig); err != nil {
			continue
		}
		pkts, lt := loadPackets(t, orig)
		if lt != layers.LinkTypeEthernet {
			t.Fatalf("%s: link type %v, want Ethernet", src, lt)
		}
		for _, rf := range reframes {
			t.Run(src+"/"+rf.name, func(t *testing.T) {
				path := writeFile(t, rf.name+".pcap", rf.lt, pkts, func(b []byte) []byte { return rf.fn(t, b) }, false)
				checkAgainstFollow(t, path, orig)
			})
		}
	}
}

// TestIPv6ExtensionHeaders inserts a hop-by-hop and a destination-options
// header in front of TCP in every packet of the real IPv6 capture.
func TestIPv6ExtensionHeaders(t *testing.T) {
	orig := filepath.Join(pcapDir, "ipv6.pcap")
	if _, err := os.Stat(orig); err != nil {
		t.Skip("no ipv6 capture")
	}
	pkts, _ := loadPackets(t, orig)
	conv := func(f []byte) []byte {
		ip := f[14:]
		if ip[0]>>4 != 6 {
			return f
		}
		next := ip[6]
		hbh := []byte{60, 0, 1, 4, 0, 0, 0, 0}   // hop-by-hop -> dest opts, PadN
		dst := []byte{next, 0, 1, 4, 0, 0, 0, 0} // dest opts -> original next header
		out := append([]byte{}, f[:14+40]...)
		out[14+6] = 0 // next header: hop-by-hop
		binary.BigEndian.PutUint16(out[14+4:], binary.BigEndian.Uint16(ip[4:])+16)
		out = append(out, hbh...)
		out = append(out, dst...)
		return append(out, ip[40:]...)
	}
	checkAgainstFollow(t, writeFile(t, "ext.pcap", layers.LinkTypeEthernet, pkts, conv, false), orig)
}

func TestFileFormats(t *testing.T) {
	orig := filepath.Join(pcapDir, "publish.pcap")
	if _, err := os.Stat(orig); err != nil {
		t.Skip("no capture")
	}
	pkts, lt := loadPackets(t, orig)
	same := func(b []byte) []byte { return b }

	t.Run("nanosecond", func(t *testing.T) {
		path := writeFile(t, "ns.pcap", lt, pkts, same, true)
		src, err := capture.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if src.Format() != capture.FormatPcapNS {
			t.Errorf("format %s", src.Format())
		}
		src.Close()
		checkAgainstFollow(t, path, orig)
	})
	for _, ns := range []bool{false, true} {
		t.Run("big-endian", func(t *testing.T) {
			checkAgainstFollow(t, writeBigEndian(t, pkts, lt, ns), orig)
		})
	}
	t.Run("pcapng", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.pcapng")
		f, _ := os.Create(path)
		w, err := pcapgo.NewNgWriter(f, lt)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			ci := p.ci
			ci.InterfaceIndex = 0
			w.WritePacket(ci, p.data)
		}
		w.Flush()
		f.Close()
		checkAgainstFollow(t, path, orig)
	})
	t.Run("gzip", func(t *testing.T) {
		raw, _ := os.ReadFile(orig)
		path := filepath.Join(t.TempDir(), "x.pcap.gz")
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(raw)
		zw.Close()
		os.WriteFile(path, buf.Bytes(), 0o644)
		checkAgainstFollow(t, path, orig)
	})
	t.Run("truncated", func(t *testing.T) {
		raw, _ := os.ReadFile(orig)
		path := filepath.Join(t.TempDir(), "cut.pcap")
		os.WriteFile(path, raw[:len(raw)*2/3], 0o644)
		f := &recFactory{t: t}
		sum, err := ProcessFile(path, f, Options{})
		if !errors.Is(err, capture.ErrTruncated) {
			t.Fatalf("error %v, want ErrTruncated", err)
		}
		if sum.Capture.Packets == 0 || len(f.conns) == 0 || f.conns[0].n[0] == 0 || f.conns[0].closed == nil {
			t.Errorf("what came before the cut was not delivered: %+v", sum.Capture)
		}
	})
	t.Run("not-a-capture", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.txt")
		os.WriteFile(path, []byte("hello, this is not a pcap file\n"), 0o644)
		if _, err := capture.OpenFile(path); !errors.Is(err, capture.ErrNotCapture) {
			t.Errorf("error %v, want ErrNotCapture", err)
		}
		os.WriteFile(path, nil, 0o644)
		if _, err := capture.OpenFile(path); !errors.Is(err, capture.ErrNotCapture) {
			t.Errorf("empty file: error %v, want ErrNotCapture", err)
		}
	})
}

// writeBigEndian writes a classic pcap in big-endian byte order (as a
// SPARC or PowerPC host would), which pcapgo's writer does not produce.
func writeBigEndian(t *testing.T, pkts []rawPkt, lt layers.LinkType, nanos bool) string {
	var b bytes.Buffer
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	be := binary.BigEndian
	b.Write(be.AppendUint32(nil, magic))
	b.Write(be.AppendUint16(nil, 2))
	b.Write(be.AppendUint16(nil, 4))
	b.Write(make([]byte, 8))
	b.Write(be.AppendUint32(nil, 262144))
	b.Write(be.AppendUint32(nil, uint32(lt)))
	for _, p := range pkts {
		ts := p.ci.Timestamp
		frac := uint32(ts.Nanosecond() / 1000)
		if nanos {
			frac = uint32(ts.Nanosecond())
		}
		b.Write(be.AppendUint32(nil, uint32(ts.Unix())))
		b.Write(be.AppendUint32(nil, frac))
		b.Write(be.AppendUint32(nil, uint32(len(p.data))))
		b.Write(be.AppendUint32(nil, uint32(p.ci.Length)))
		b.Write(p.data)
	}
	path := filepath.Join(t.TempDir(), "be.pcap")
	os.WriteFile(path, b.Bytes(), 0o644)
	return path
}
