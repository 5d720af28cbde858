package reassembly

import (
	"encoding/binary"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
)

// FuzzDecode feeds arbitrary frames of every supported link type to the
// decoder. Seeds are real frames from the committed captures.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"publish.pcap", "ipv6.pcap", "any-sll2.pcap"} {
		src, err := capture.OpenFile(filepath.Join(pcapDir, name))
		if err != nil {
			continue
		}
		for i := 0; i < 12; i++ {
			p, err := src.Next()
			if err != nil {
				break
			}
			f.Add(uint16(p.LinkType), append([]byte(nil), p.Data...))
		}
		src.Close()
	}
	f.Fuzz(func(t *testing.T, lt uint16, frame []byte) {
		var d capture.Decoder
		var seg capture.Segment
		p := capture.Packet{Frame: 1, LinkType: layers.LinkType(lt), Data: frame}
		p.Info.CaptureLength, p.Info.Length = len(frame), len(frame)
		if d.Decode(p, &seg) == capture.OutcomeTCP {
			if seg.TCP == nil || !seg.Src.IsValid() || !seg.Dst.IsValid() {
				t.Fatalf("TCP outcome without a segment: %+v", seg)
			}
		}
	})
}

// FuzzAssemble drives one connection with arbitrary segments: each 4 input
// bytes are one segment (direction and flags, a 16-bit sequence offset, a
// length). Whatever the order, overlap or loss, the assembler must deliver
// contiguous offsets, frame refs that cover the data exactly, and close.
func FuzzAssemble(f *testing.F) {
	f.Add([]byte{0x02, 0, 0, 0, 0x12, 0, 0, 0, 0x00, 0, 1, 100, 0x01, 0, 1, 50, 0x00, 0, 101, 100})
	f.Add([]byte{0x00, 0, 200, 100, 0x00, 0, 0, 100, 0x00, 0, 100, 100, 0x04, 0, 44, 1})
	f.Add([]byte{0x00, 0xff, 0xf0, 200, 0x00, 0, 0, 10, 0x08, 0, 10, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		fac := &recFactory{t: t}
		a := NewAssembler(fac, Options{MaxPagesPerConn: 16, MaxPagesTotal: 64})
		client := netip.MustParseAddrPort("10.0.0.1:50000")
		server := netip.MustParseAddrPort("10.0.0.2:1935")
		payload := make([]byte, 256)
		for i := range payload {
			payload[i] = byte(i)
		}
		base := time.Unix(1700000000, 0)
		var tcp layers.TCP
		for i := 0; i+4 <= len(in) && i < 4*512; i += 4 {
			ctl := in[i]
			off := uint32(binary.BigEndian.Uint16(in[i+1:]))
			n := int(in[i+3])
			tcp = layers.TCP{Seq: 1000 + off, SYN: ctl&0x02 != 0, ACK: ctl&0x10 != 0, FIN: ctl&0x04 != 0, RST: ctl&0x08 != 0}
			src, dst := client, server
			if ctl&0x01 != 0 {
				src, dst = server, client
				tcp.Seq = 900000 + off
			}
			tcp.SrcPort, tcp.DstPort = layers.TCPPort(src.Port()), layers.TCPPort(dst.Port())
			tcp.Payload = payload[:n]
			s4, d4 := src.Addr().As4(), dst.Addr().As4()
			seg := capture.Segment{NetFlow: gopacket.NewFlow(layers.EndpointIPv4, s4[:], d4[:]), Src: src, Dst: dst, TCP: &tcp}
			p := capture.Packet{Frame: uint64(i/4 + 1)}
			p.Info.Timestamp = base.Add(time.Duration(i/4) * time.Duration(ctl>>5) * time.Second)
			a.Add(p, &seg)
		}
		a.Finish()
		for _, c := range fac.conns {
			if c.closed == nil {
				t.Fatalf("connection %d not closed", c.info.ID)
			}
		}
	})
}

// BenchmarkSourceAndReassembly measures the file source, decoder and
// assembler on a real capture, in MB of capture file per second.
func BenchmarkSourceAndReassembly(b *testing.B) {
	for _, name := range []string{"publish.pcap", "multi.pcap"} {
		path := filepath.Join(pcapDir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Skip("capture not committed")
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				src, err := capture.NewReaderSource(name, bytesReader(raw))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Run(b.Context(), src, nopFactory{}, RunOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type nopFactory struct{}
type nopHandler struct{}

func (nopFactory) NewConnection(ConnInfo) Handler            { return nopHandler{} }
func (nopHandler) Data(Direction, int64, []byte, []FrameRef) {}
func (nopHandler) Gap(Direction, Gap)                        {}
func (nopHandler) Close(ConnStats)                           {}

type sliceReader struct {
	b []byte
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b} }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
