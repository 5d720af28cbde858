package capture_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// The fuzz targets are seeded with the first packets of committed real
// captures (cut at a record or block boundary, so each seed is a valid
// capture of a few kilobytes: the fuzzer runs at full speed instead of
// spending its time on 200 KB inputs) and of the malformed ones derived
// from them.

// headPcap returns the file header and first n records of a pcap file.
func headPcap(b []byte, n int) []byte {
	off := 24
	for i := 0; i < n && off+16 <= len(b); i++ {
		next := off + 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
		if next > len(b) {
			break
		}
		off = next
	}
	return b[:off]
}

// headPcapng returns the blocks of a little-endian pcapng file up to its
// n-th enhanced packet block.
func headPcapng(b []byte, n int) []byte {
	off := 0
	for off+12 <= len(b) && n > 0 {
		if binary.LittleEndian.Uint32(b[off:]) == 6 {
			n--
		}
		l := int(binary.LittleEndian.Uint32(b[off+4:]))
		if l < 12 || off+l > len(b) {
			break
		}
		off += l
	}
	return b[:off]
}

func gz(b []byte) []byte {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

func readPcaps(f *testing.F, names ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(capturetest.Pcaps(), n))
		if err != nil {
			f.Fatalf("seed %s: %v", n, err)
		}
		out[n] = b
	}
	return out
}

var pcapSeeds = []string{"publish.pcap", "ipv6.pcap", "any-sll2.pcap", "wild/tunnels/gtpu.pcap",
	"wild/tunnels/erspan3.pcap", "wild/vxlan.pcap", "wild/malformed/pcap-snaplen-ffffffff-badrec.pcap"}

var pcapngSeeds = []string{"publish-ng.pcapng", "twoif.pcapng", "rtmps-tls13-dsb.pcapng",
	"wild/malformed/pcapng-len8.pcapng", "wild/malformed/pcapng-trailer.pcapng"}

// readAll reads a capture from bytes the way the command does and checks
// what every reader promises: no panic, packets as long as they say and
// no longer than a packet can be, frame numbers in order, and an error
// that is one of the documented kinds.
func readAll(t *testing.T, in []byte) {
	src, err := capture.NewReaderSource("fuzz", bytes.NewReader(in))
	if err != nil {
		return
	}
	var n uint64
	for {
		p, err := src.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			return // truncated, malformed, or a corrupt gzip stream: an answer
		}
		n++
		if p.Frame != n {
			t.Fatalf("frame %d numbered %d", n, p.Frame)
		}
		if p.Info.CaptureLength != len(p.Data) || len(p.Data) > 262144 {
			t.Fatalf("frame %d: %d bytes, capture length %d", n, len(p.Data), p.Info.CaptureLength)
		}
	}
}

func FuzzPcapReader(f *testing.F) {
	for name, b := range readPcaps(f, pcapSeeds...) {
		f.Add(headPcap(b, 3))
		if name == "wild/malformed/pcap-snaplen-ffffffff-badrec.pcap" {
			// The file header, then records 198 to 203: the bad one (200,
			// at offset 63409) with two before and three after it. Small
			// seeds keep the fuzzer fuzzing rather than minimising.
			from, to := len(headPcap(b, 197)), 63409+16+74 // its true length (TestMalformed)
			for range 3 {
				to += 16 + int(binary.LittleEndian.Uint32(b[to+8:]))
			}
			f.Add(append(append([]byte(nil), b[:24]...), b[from:to]...))
		}
	}
	f.Fuzz(readAll)
}

func FuzzPcapngReader(f *testing.F) {
	for _, b := range readPcaps(f, pcapngSeeds...) {
		f.Add(headPcapng(b, 3))
	}
	f.Fuzz(readAll)
}

func FuzzGzipReader(f *testing.F) {
	for _, b := range readPcaps(f, "publish.pcap", "wild/tunnels/pppoe.pcap") {
		f.Add(gz(headPcap(b, 3)))
	}
	for _, b := range readPcaps(f, "publish-ng.pcapng") {
		f.Add(gz(headPcapng(b, 3)))
	}
	f.Fuzz(readAll)
}

// FuzzPipeline runs the whole pipeline — reader, decoder, reassembly,
// router, RTMP and its variants, session layer — and the NDJSON export on
// file bytes. Seeds are the first 12 packets of real captures: the
// handshake and connect (small seeds: the fuzzer fuzzes instead of minimising).
func FuzzPipeline(f *testing.F) {
	for _, b := range readPcaps(f, "publish.pcap", "play.pcap", "rtmpt-play.pcap", "rtmfp-mona.pcap",
		"wild/tunnels/gtpu.pcap", "wild/tunnels/qinq.pcap") {
		f.Add(headPcap(b, 12))
	}
	for _, b := range readPcaps(f, "publish-ng.pcapng") {
		f.Add(headPcapng(b, 12))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		src, err := capture.NewReaderSource("fuzz", bytes.NewReader(in))
		if err != nil {
			return
		}
		sink := pipeline.NewSink(func(r *session.Record) error {
			if _, err := export.MarshalEvent(*r, export.EventOptions{Payload: "hex"}); err != nil {
				return errors.Join(errExport, err)
			}
			return nil
		}, nil)
		// A file error (truncated, malformed, corrupt gzip) is an answer;
		// an event the export cannot write is a bug.
		if _, err := pipeline.New(pipeline.Config{}).Run(context.Background(), src, sink); errors.Is(err, errExport) {
			t.Fatalf("pipeline: %v", err)
		}
	})
}

var errExport = errors.New("export failed")

// FuzzTunnelDecode feeds the decoder frames of every encapsulation it
// opens by hand (tunnel.go): seeds are the first frames of the real VXLAN
// capture and of each derived tunnel capture.
func FuzzTunnelDecode(f *testing.F) {
	for _, name := range []string{"wild/vxlan.pcap", "wild/tunnels/gtpu.pcap", "wild/tunnels/pppoe.pcap", "wild/tunnels/gre.pcap",
		"wild/tunnels/erspan2.pcap", "wild/tunnels/erspan3.pcap", "wild/tunnels/mpls.pcap", "wild/tunnels/geneve.pcap", "wild/tunnels/qinq.pcap"} {
		src, err := capture.OpenFile(filepath.Join(capturetest.Pcaps(), name))
		if err != nil {
			f.Fatal(err)
		}
		for range 4 {
			p, err := src.Next()
			if err != nil {
				break
			}
			f.Add(append([]byte(nil), p.Data...))
		}
		src.Close()
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		var d capture.Decoder
		var seg capture.Segment
		p := capture.Packet{Frame: 1, LinkType: layers.LinkTypeEthernet, Data: frame}
		p.Info.CaptureLength, p.Info.Length = len(frame), len(frame)
		o := d.Decode(p, &seg)
		if o == capture.OutcomeTCP && (seg.TCP == nil || !seg.Src.IsValid() || !seg.Dst.IsValid()) {
			t.Fatalf("TCP outcome without a segment: %+v", seg)
		}
		if len(seg.Encap) > 32 {
			t.Fatalf("%d encapsulation layers recorded", len(seg.Encap))
		}
		for _, e := range seg.Encap {
			_ = e.String()
		}
	})
}
