// Command derive-tunnels wraps every frame of a real plain capture in the
// encapsulations the kernel of the capture machine could not make itself
// (make-vxlan.sh makes the VXLAN one for real): GTP-U, PPPoE, GRE, ERSPAN
// type II and III, MPLS, Geneve, and 802.1Q/QinQ tags. Frame order and
// timestamps are kept, so that rtmpscope must find the same connections and
// messages in each derived capture as in the plain one — only the outer
// layers named in the connection event differ. The headers are built from
// their RFCs and the derived captures are checked with tshark by
// derive-tunnels.sh (its RTMP dissector must see the same messages).
//
//	go run ./testdata/pcaps/wild/derive-tunnels IN.pcap OUTDIR
//
// IN must be an Ethernet capture of IPv4 traffic (vxlan-inner.pcap: MTU
// 1450, so every wrapped packet stays below 64 KiB).
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// A wrapper turns one plain Ethernet frame into its encapsulated form.
// up is true for packets from the client (to port 1935).
type wrapper func(frame []byte, up bool) []byte

var wrappers = []struct {
	name string
	wrap wrapper
}{
	// GTP-U on an 802.1Q-tagged mobile backhaul: uplink G-PDUs carry a
	// PDU Session Container extension header (5G N3), downlink none.
	{"gtpu", func(f []byte, up bool) []byte {
		var gtp []byte
		teid := uint32(0x2000)
		if up {
			teid = 0x1000
			// flags: version 1, PT=1, E=1; seq 0, N-PDU 0, next ext 0x85
			// (PDU Session Container: length 1 = 4 octets, PDU type 1 (UL), QFI 9, next 0).
			gtp = []byte{0x34, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x85, 1, 0x10, 0x09, 0}
		} else {
			gtp = []byte{0x30, 0xff, 0, 0, 0, 0, 0, 0}
		}
		ip := f[14:]
		binary.BigEndian.PutUint16(gtp[2:], uint16(len(gtp)-8+len(ip)))
		binary.BigEndian.PutUint32(gtp[4:], teid)
		udp := udpHeader(2152, 2152, append(gtp, ip...))
		return vlan(eth(f, 0x0800, ipv4(up, 17, udp, "198.51.100.1", "198.51.100.2")), 0x8100, 300)
	}},
	// PPPoE session (RFC 2516) carrying PPP/IPv4.
	{"pppoe", func(f []byte, up bool) []byte {
		ip := f[14:]
		h := []byte{0x11, 0x00, 0x00, 0x2a, 0, 0, 0x00, 0x21}
		binary.BigEndian.PutUint16(h[4:], uint16(len(ip)+2))
		return eth(f, 0x8864, append(h, ip...))
	}},
	// GRE with a key (RFC 2890) carrying IPv4.
	{"gre", func(f []byte, up bool) []byte {
		g := []byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 7}
		return eth(f, 0x0800, ipv4(up, 47, append(g, f[14:]...), "203.0.113.1", "203.0.113.2"))
	}},
	// ERSPAN type II: GRE with a sequence number, protocol 0x88BE, an
	// 8-octet ERSPAN header (version 1, VLAN 0, session 5), then the
	// mirrored Ethernet frame.
	{"erspan2", seqWrap(func(f []byte, seq uint32) []byte {
		g := []byte{0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(g[4:], seq)
		e := []byte{0x10, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00}
		return append(append(g, e...), f...)
	})},
	// ERSPAN type III: protocol 0x22EB, a 12-octet header (version 2,
	// session 6, a timestamp, no platform subheader).
	{"erspan3", seqWrap(func(f []byte, seq uint32) []byte {
		g := []byte{0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(g[4:], seq)
		e := []byte{0x20, 0x00, 0x00, 0x06, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00}
		binary.BigEndian.PutUint32(e[4:], seq*1000)
		return append(append(g, e...), f...)
	})},
	// MPLS: a two-label stack (transport 1000, service 16) on IPv4.
	{"mpls", func(f []byte, up bool) []byte {
		s := []byte{0x00, 0x3e, 0x80, 0x40, 0x00, 0x01, 0x01, 0x40} // 1000, TTL 64 | 16, S, TTL 64
		return eth(f, 0x8847, append(s, f[14:]...))
	}},
	// Geneve (RFC 8926) on UDP 6081, VNI 7, one 8-octet option, carrying
	// the Ethernet frame.
	{"geneve", func(f []byte, up bool) []byte {
		g := []byte{0x02, 0x00, 0x65, 0x58, 0x00, 0x00, 0x07, 0x00,
			0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef} // class 0x0102, type 3, length 1
		return eth(f, 0x0800, ipv4(up, 17, udpHeader(40000, 6081, append(g, f...)), "192.0.2.10", "192.0.2.20"))
	}},
	// QinQ: an 802.1ad service tag (200) over an 802.1Q customer tag (100).
	{"qinq", func(f []byte, up bool) []byte {
		inner := vlan(f, 0x8100, 100)
		return vlan(inner, 0x88a8, 200)
	}},
}

// seqWrap makes a GRE-carried mirror (ERSPAN) of the frame, numbering the
// GRE sequence per session.
func seqWrap(gre func(f []byte, seq uint32) []byte) wrapper {
	var seq uint32
	return func(f []byte, up bool) []byte {
		seq++
		return eth(f, 0x0800, ipv4(true, 47, gre(f, seq), "198.18.0.1", "198.18.0.2"))
	}
}

// eth puts payload behind a copy of frame's Ethernet addresses with type.
func eth(frame []byte, etherType uint16, payload []byte) []byte {
	out := make([]byte, 14, 14+len(payload))
	copy(out, frame[:12])
	binary.BigEndian.PutUint16(out[12:], etherType)
	return append(out, payload...)
}

// vlan inserts a tag of tpid (0x8100 or 0x88a8) after the addresses.
func vlan(frame []byte, tpid uint16, id uint16) []byte {
	out := make([]byte, 0, len(frame)+4)
	out = append(out, frame[:12]...)
	out = binary.BigEndian.AppendUint16(out, tpid)
	out = binary.BigEndian.AppendUint16(out, id)
	return append(out, frame[12:]...)
}

// ipv4 is an outer IPv4 header (with its checksum) from a to b for uplink
// packets, b to a for downlink ones.
func ipv4(up bool, proto byte, payload []byte, a, b string) []byte {
	src, dst := addr(a), addr(b)
	if !up {
		src, dst = dst, src
	}
	h := make([]byte, 20, 20+len(payload))
	h[0], h[8], h[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[6:], 0x4000) // don't fragment
	copy(h[12:], src[:])
	copy(h[16:], dst[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	return append(h, payload...)
}

// udpHeader is a UDP header without checksum (0: none, allowed on IPv4).
func udpHeader(sport, dport uint16, payload []byte) []byte {
	h := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	return append(h, payload...)
}

func addr(s string) [4]byte {
	var a [4]byte
	if _, err := fmt.Sscanf(s, "%d.%d.%d.%d", &a[0], &a[1], &a[2], &a[3]); err != nil {
		panic(err)
	}
	return a
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: derive-tunnels IN.pcap OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "derive-tunnels:", err)
		os.Exit(1)
	}
}

func run(in, outDir string) error {
	for _, w := range wrappers {
		if err := derive(in, filepath.Join(outDir, w.name+".pcap"), w.wrap); err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
	}
	return nil
}

func derive(in, out string, wrap wrapper) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return err
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		return fmt.Errorf("%s: link type %v, want Ethernet", in, r.LinkType())
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	w := pcapgo.NewWriter(o)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		o.Close()
		return err
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			o.Close()
			return err
		}
		if len(data) < 34 || binary.BigEndian.Uint16(data[12:]) != 0x0800 {
			o.Close()
			return fmt.Errorf("a frame that is not Ethernet/IPv4")
		}
		ihl := int(data[14]&0x0f) * 4
		up := binary.BigEndian.Uint16(data[14+ihl+2:]) == 1935
		wrapped := wrap(data, up)
		if len(wrapped) > 65535 {
			o.Close()
			return fmt.Errorf("frame of %d bytes too large to wrap", len(data))
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: len(wrapped), Length: len(wrapped)}, wrapped); err != nil {
			o.Close()
			return err
		}
	}
	return o.Close()
}
