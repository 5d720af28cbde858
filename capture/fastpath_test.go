package capture_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
)

// committedCaptures lists every committed capture file.
func committedCaptures(t testing.TB) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(capturetest.Pcaps(), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "large" {
			return filepath.SkipDir
		}
		if n := d.Name(); strings.HasSuffix(n, ".pcap") || strings.HasSuffix(n, ".pcapng") || strings.HasSuffix(n, ".gz") {
			names = append(names, path)
		}
		return nil
	})
	if len(names) < 20 {
		t.Fatalf("only %d committed captures found", len(names))
	}
	return names
}

type readPacket struct {
	p   capture.Packet
	err string
}

// readEvery reads src to its end, copying every packet.
func readEvery(src capture.Source) []readPacket {
	var out []readPacket
	for {
		p, err := src.Next()
		if err != nil {
			if err != io.EOF {
				out = append(out, readPacket{err: err.Error()})
			}
			return out
		}
		p.Data = append([]byte(nil), p.Data...)
		p.Stable = false
		out = append(out, readPacket{p: p})
	}
}

// TestMappedEqualsBuffered reads every committed capture both ways — the
// file as the command opens it (memory-mapped when it is plain pcap) and
// its bytes through the buffered reader — and finds the same packets and
// the same errors, malformed and truncated files included.
func TestMappedEqualsBuffered(t *testing.T) {
	mapped, ngStable := 0, 0
	for _, name := range committedCaptures(t) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fsrc, ferr := capture.OpenFile(name)
		bsrc, berr := capture.NewReaderSource(name, bytes.NewReader(b))
		if (ferr == nil) != (berr == nil) {
			t.Errorf("%s: open: file %v, reader %v", name, ferr, berr)
			continue
		}
		if ferr != nil {
			continue
		}
		var first capture.Packet
		if p, err := fsrc.Next(); err == nil {
			first = p
		}
		fsrc.Close()
		if strings.Contains(name, ".pcapng") && first.Stable {
			ngStable++
		}
		fsrc, _ = capture.OpenFile(name)
		got, want := readEvery(fsrc), readEvery(bsrc)
		fsrc.Close()
		if first.Stable {
			mapped++
		}
		if !reflect.DeepEqual(got, want) {
			n := min(len(got), len(want))
			i := 0
			for i < n && reflect.DeepEqual(got[i], want[i]) {
				i++
			}
			t.Errorf("%s: mapped read differs from buffered at packet %d (of %d and %d)", name, i+1, len(got), len(want))
		}
	}
	if mapped == 0 || ngStable == 0 {
		t.Errorf("%d committed captures read through a mapping, %d pcapng ones without a copy", mapped, ngStable)
	}
	t.Logf("%d captures read through a mapping, %d pcapng ones without a copy", mapped, ngStable)
}

// TestSequenceKeepsMappings: a rotated sequence hands out Stable packets
// that must stay valid after the reader moved on to the next file (the
// prefetcher reads ahead of their use) until the sequence is closed.
func TestSequenceKeepsMappings(t *testing.T) {
	// multi.pcap cut at record boundaries into three pcap files, as
	// tcpdump -C would write them.
	b, err := os.ReadFile(filepath.Join(capturetest.Pcaps(), "multi.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	dir := t.TempDir()
	for i, cut := range [][2]int{{0, 60}, {60, 130}, {130, 1 << 30}} {
		from, to := len(headPcap(b, cut[0])), len(headPcap(b, cut[1]))
		name := filepath.Join(dir, fmt.Sprintf("multi%d.pcap", i))
		if err := os.WriteFile(name, append(append([]byte(nil), b[:24]...), b[from:to]...), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	src, err := capture.OpenSequence(names)
	if err != nil {
		t.Fatal(err)
	}
	var kept []capture.Packet
	var copies [][]byte
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if p.Stable {
			kept = append(kept, p)
			copies = append(copies, append([]byte(nil), p.Data...))
		}
	}
	if len(kept) < 100 {
		t.Fatalf("only %d stable packets from the rotated pcap files", len(kept))
	}
	for i, p := range kept {
		if !bytes.Equal(p.Data, copies[i]) {
			t.Fatalf("frame %d changed after the sequence moved on", p.Frame)
		}
	}
	src.Close()
}

// TestDecodeTCPEqualsGopacket decodes every TCP segment of every
// committed capture with the Decoder and with gopacket's TCP layer, and
// finds every field the reassembler reads equal.
func TestDecodeTCPEqualsGopacket(t *testing.T) {
	segs := 0
	for _, name := range committedCaptures(t) {
		src, err := capture.OpenFile(name)
		if err != nil {
			continue
		}
		var dec capture.Decoder
		var seg capture.Segment
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			if dec.Decode(p, &seg) != capture.OutcomeTCP {
				continue
			}
			segs++
			compareTCP(t, name, p.Frame, seg.TCP)
		}
		src.Close()
	}
	if segs < 10000 {
		t.Fatalf("only %d TCP segments compared", segs)
	}
}

// compareTCP checks got against gopacket's decoding of got's own header
// and payload bytes.
func compareTCP(t *testing.T, name string, frame uint64, got *layers.TCP) {
	t.Helper()
	raw := append(append([]byte(nil), got.Contents...), got.Payload...)
	var want layers.TCP
	if err := want.DecodeFromBytes(raw, gopacket.NilDecodeFeedback); err != nil {
		t.Fatalf("%s frame %d: the Decoder took a header gopacket refuses: %v", name, frame, err)
	}
	type view struct {
		Src, Dst                                   layers.TCPPort
		Seq, Ack                                   uint32
		Off                                        uint8
		FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS bool
		Win, Sum, Urg                              uint16
		Hdr, Payload                               []byte
		WScale                                     int
	}
	v := func(x *layers.TCP) view {
		ws := -1
		if x.SYN {
			for _, o := range x.Options {
				if o.OptionType == layers.TCPOptionKindWindowScale && len(o.OptionData) == 1 {
					ws = int(o.OptionData[0])
				}
			}
		}
		return view{x.SrcPort, x.DstPort, x.Seq, x.Ack, x.DataOffset, x.FIN, x.SYN, x.RST, x.PSH, x.ACK, x.URG, x.ECE, x.CWR, x.NS,
			x.Window, x.Checksum, x.Urgent, x.Contents, x.Payload, ws}
	}
	if g, w := v(got), v(&want); !reflect.DeepEqual(g, w) {
		t.Fatalf("%s frame %d:\n got %+v\nwant %+v", name, frame, g, w)
	}
}

// FuzzDecodeTCP: for any bytes after an IPv4 header, the Decoder takes a
// TCP header exactly when gopacket does, with the same fields.
func FuzzDecodeTCP(f *testing.F) {
	f.Add([]byte{0x07, 0x8f, 0xc3, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x18, 0x01, 0xf5, 0, 0, 0, 0, 'h', 'i'})
	f.Add([]byte{0x07, 0x8f, 0xc3, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0x12, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0})
	f.Add([]byte{0x07, 0x8f, 0xc3, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0x60, 0x10, 0x01, 0xf5, 0, 0, 0, 0, 8, 9, 1})
	f.Fuzz(func(t *testing.T, tcp []byte) {
		ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
		pkt := append(ip, tcp...)
		pkt[2], pkt[3] = byte(len(pkt)>>8), byte(len(pkt))
		if len(pkt) > 0xffff {
			return
		}
		var dec capture.Decoder
		var seg capture.Segment
		o := dec.Decode(capture.Packet{LinkType: layers.LinkTypeRaw, Data: pkt}, &seg)
		var want layers.TCP
		werr := want.DecodeFromBytes(tcp, gopacket.NilDecodeFeedback)
		if (o == capture.OutcomeTCP) != (werr == nil) {
			t.Fatalf("outcome %v, gopacket error %v", o, werr)
		}
		if o == capture.OutcomeTCP {
			compareTCP(t, "fuzz", 0, seg.TCP)
		}
	})
}

// FuzzMappedEqualsBuffered: for any file, reading it mapped (as the
// command opens files) and reading its bytes through the buffered reader
// give the same packets, link types, time stamps and errors. Seeded with
// the heads of real pcap and pcapng captures, malformed ones included.
func FuzzMappedEqualsBuffered(f *testing.F) {
	for _, b := range readPcaps(f, pcapSeeds...) {
		f.Add(headPcap(b, 4))
	}
	for _, b := range readPcaps(f, pcapngSeeds...) {
		f.Add(headPcapng(b, 4))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		name := filepath.Join(dir, "in")
		if err := os.WriteFile(name, in, 0o600); err != nil {
			t.Fatal(err)
		}
		fsrc, ferr := capture.OpenFile(name)
		bsrc, berr := capture.NewReaderSource(name, bytes.NewReader(in))
		if (ferr == nil) != (berr == nil) {
			t.Fatalf("open: mapped %v, buffered %v", ferr, berr)
		}
		if ferr != nil {
			if ferr.Error() != berr.Error() {
				t.Fatalf("open: mapped %q, buffered %q", ferr, berr)
			}
			return
		}
		defer fsrc.Close()
		got, want := readEvery(fsrc), readEvery(bsrc)
		if !reflect.DeepEqual(got, want) {
			n := min(len(got), len(want))
			i := 0
			for i < n && reflect.DeepEqual(got[i], want[i]) {
				i++
			}
			var g, w readPacket
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			t.Fatalf("packet %d of %d/%d differs:\nmapped   %+v\nbuffered %+v", i+1, len(got), len(want), g, w)
		}
	})
}
