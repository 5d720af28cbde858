package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Segment is a TCP segment decoded from a packet, with the network
// endpoints the assembler keys connections on.
type Segment struct {
	NetFlow gopacket.Flow
	Src     netip.AddrPort
	Dst     netip.AddrPort
	TCP     *layers.TCP // reused by the Decoder on the next call
	// UDP is the payload of a UDP datagram (OutcomeUDP), a slice of the
	// packet's data: valid until the next packet.
	UDP []byte
	// PayloadCut is true when the snap length cut bytes of this segment's
	// payload: fewer payload bytes are present than the IP header declares.
	PayloadCut bool
	// Encap lists the layers the Decoder opened to reach the innermost IP
	// header — VLAN tags, MPLS labels, PPPoE, tunnels with their outer IP
	// headers — outermost first; empty for a plain packet. It is the
	// Decoder's storage: valid until the next packet.
	Encap []Encap
}

// Outcome classifies what a decoded packet turned out to be.
type Outcome uint8

// Outcomes of Decoder.Decode.
const (
	OutcomeTCP         Outcome = iota // a TCP segment, in Segment
	OutcomeUDP                        // a UDP datagram: Src, Dst and UDP are set
	OutcomeICMP                       // ICMP or ICMPv6: not analyzed
	OutcomeOtherIP                    // another IP protocol
	OutcomeNotIP                      // ARP, LLDP, ...: not analyzed
	OutcomeFragment                   // an IP fragment: not reassembled
	OutcomeUndecodable                // headers malformed or cut before the TCP header ended
	OutcomeLinkType                   // a link type this build cannot decode
)

// Stats counts what the decoder saw; nothing is dropped silently.
type Stats struct {
	Packets     uint64 // every frame read
	Bytes       uint64 // captured bytes of every frame
	TCP         uint64
	UDP         uint64
	ICMP        uint64
	OtherIP     uint64
	NotIP       uint64
	Fragments   uint64
	Undecodable uint64
	BadLinkType uint64
	SnapCut     uint64 // frames whose captured length is below the wire length
	PayloadCut  uint64 // TCP segments whose payload was cut by the snap length
}

// add counts one outcome.
func (s *Stats) add(o Outcome) {
	switch o {
	case OutcomeTCP:
		s.TCP++
	case OutcomeUDP:
		s.UDP++
	case OutcomeICMP:
		s.ICMP++
	case OutcomeOtherIP:
		s.OtherIP++
	case OutcomeNotIP:
		s.NotIP++
	case OutcomeFragment:
		s.Fragments++
	case OutcomeUndecodable:
		s.Undecodable++
	case OutcomeLinkType:
		s.BadLinkType++
	}
}

// Decoder turns frames into TCP segments. It parses link and IP headers by
// hand (they are fixed and small) and lets gopacket decode TCP, because the
// TCP reassembler wants gopacket's type. Tunnels (GRE with ERSPAN, VXLAN,
// Geneve, GTP-U, IP in IP), MPLS, PPPoE and VLAN tags are opened by hand
// too (tunnel.go), so that the plain Ethernet/IP path costs no more than
// a switch. A Decoder is not safe for concurrent use; it reuses its TCP
// layer and its encapsulation list between calls.
type Decoder struct {
	Stats   Stats
	tcp     layers.TCP
	into    *layers.TCP // where this packet's TCP layer goes: tcp, or DecodeInto's
	encap   [maxEncap]Encap
	nEncap  int
	tunnels int // tunnels opened in this packet, bounded by maxTunnels
}

// Decode classifies one packet and, for TCP, fills seg; seg.TCP is then
// the Decoder's own layer, reused on the next call.
func (d *Decoder) Decode(p Packet, seg *Segment) Outcome {
	return d.DecodeInto(p, seg, &d.tcp)
}

// DecodeInto is Decode with the TCP layer decoded into tcp, which the
// caller keeps (the prefetcher decodes into its batch's slots).
func (d *Decoder) DecodeInto(p Packet, seg *Segment, tcp *layers.TCP) Outcome {
	d.into = tcp
	d.Stats.Packets++
	d.Stats.Bytes += uint64(len(p.Data))
	if p.Info.Length > p.Info.CaptureLength {
		d.Stats.SnapCut++
	}
	d.nEncap, d.tunnels = 0, 0
	o := d.decode(p, seg)
	seg.Encap = d.encap[:d.nEncap]
	d.Stats.add(o)
	if o == OutcomeTCP && seg.PayloadCut {
		d.Stats.PayloadCut++
	}
	return o
}

// Ethernet types that carry the protocols we follow.
const (
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	etherVLAN  = 0x8100
	etherQinQ  = 0x88a8
	etherVLAN2 = 0x9100
)

func (d *Decoder) decode(p Packet, seg *Segment) Outcome {
	b := p.Data
	var etherType uint16
	switch p.LinkType {
	case layers.LinkTypeEthernet:
		if len(b) < 14 {
			return OutcomeUndecodable
		}
		etherType = binary.BigEndian.Uint16(b[12:])
		b = b[14:]
	case layers.LinkTypeLinuxSLL:
		if len(b) < 16 {
			return OutcomeUndecodable
		}
		etherType = binary.BigEndian.Uint16(b[14:])
		b = b[16:]
	case layers.LinkTypeLinuxSLL2:
		if len(b) < 20 {
			return OutcomeUndecodable
		}
		etherType = binary.BigEndian.Uint16(b[0:])
		b = b[20:]
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		// BSD loopback: a 4-byte address family, in the capturing host's
		// byte order for Null and in network order for Loop. IPv6's value
		// differs between BSDs (24, 28, 30), so read it both ways.
		if len(b) < 4 {
			return OutcomeUndecodable
		}
		af := binary.LittleEndian.Uint32(b)
		if af > 0xffff {
			af = binary.BigEndian.Uint32(b)
		}
		switch af {
		case 2:
			etherType = etherIPv4
		case 24, 28, 30:
			etherType = etherIPv6
		default:
			return OutcomeNotIP
		}
		b = b[4:]
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12 /* DLT_RAW on some BSDs */ :
		if len(b) < 1 {
			return OutcomeUndecodable
		}
		switch b[0] >> 4 {
		case 4:
			etherType = etherIPv4
		case 6:
			etherType = etherIPv6
		default:
			return OutcomeUndecodable
		}
	default:
		return OutcomeLinkType
	}
	return d.network(etherType, b, seg)
}

// network decodes what an EtherType announces: IP, or the VLAN tags, MPLS
// labels and PPPoE sessions in front of it.
func (d *Decoder) network(etherType uint16, b []byte, seg *Segment) Outcome {
	// 802.1Q and 802.1ad tags, possibly stacked (QinQ).
	for etherType == etherVLAN || etherType == etherQinQ || etherType == etherVLAN2 {
		if len(b) < 4 {
			return OutcomeUndecodable
		}
		k := Encap8021Q
		if etherType != etherVLAN {
			k = Encap8021AD
		}
		d.push(Encap{Kind: k, HasID: true, ID: uint32(binary.BigEndian.Uint16(b) & 0x0fff)})
		etherType = binary.BigEndian.Uint16(b[2:])
		b = b[4:]
	}
	switch etherType {
	case etherIPv4:
		return d.decodeIPv4(b, seg)
	case etherIPv6:
		return d.decodeIPv6(b, seg)
	case etherMPLS, etherMPLSMcast:
		return d.mpls(b, seg)
	case etherPPPoE:
		return d.pppoe(b, seg)
	}
	return OutcomeNotIP
}

func (d *Decoder) decodeIPv4(b []byte, seg *Segment) Outcome {
	if len(b) < 20 || b[0]>>4 != 4 {
		return OutcomeUndecodable
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < 20 || len(b) < ihl || total < ihl {
		return OutcomeUndecodable
	}
	flagsFrag := binary.BigEndian.Uint16(b[6:])
	proto := b[9]
	src := netip.AddrFrom4([4]byte(b[12:16]))
	dst := netip.AddrFrom4([4]byte(b[16:20]))
	cut := false
	if len(b) > total {
		b = b[:total] // Ethernet pads short frames; the padding is not payload
	} else if len(b) < total {
		cut = true
	}
	if flagsFrag&0x3fff != 0 { // more-fragments flag or a fragment offset
		return OutcomeFragment
	}
	seg.NetFlow = gopacket.NewFlow(layers.EndpointIPv4, b[12:16], b[16:20])
	return d.transport(proto, b[ihl:], src, dst, cut, seg)
}

func (d *Decoder) decodeIPv6(b []byte, seg *Segment) Outcome {
	if len(b) < 40 || b[0]>>4 != 6 {
		return OutcomeUndecodable
	}
	plen := int(binary.BigEndian.Uint16(b[4:]))
	next := b[6]
	src := netip.AddrFrom16([16]byte(b[8:24]))
	dst := netip.AddrFrom16([16]byte(b[24:40]))
	flow := gopacket.NewFlow(layers.EndpointIPv6, b[8:24], b[24:40])
	payload := b[40:]
	cut := false
	if plen != 0 { // 0 means a jumbogram: trust the captured length
		if len(payload) > plen {
			payload = payload[:plen]
		} else if len(payload) < plen {
			cut = true
		}
	}
	// Walk the extension headers to the transport header.
	for i := 0; i < 16; i++ {
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination, mobility, HIP, shim6
			if len(payload) < 8 {
				return OutcomeUndecodable
			}
			n := (int(payload[1]) + 1) * 8
			if len(payload) < n {
				return OutcomeUndecodable
			}
			next, payload = payload[0], payload[n:]
		case 51: // authentication header: length in 4-octet units, minus 2
			if len(payload) < 8 {
				return OutcomeUndecodable
			}
			n := (int(payload[1]) + 2) * 4
			if len(payload) < n {
				return OutcomeUndecodable
			}
			next, payload = payload[0], payload[n:]
		case 44: // fragment
			if len(payload) < 8 {
				return OutcomeUndecodable
			}
			offM := binary.BigEndian.Uint16(payload[2:])
			if offM&0xfff9 != 0 {
				return OutcomeFragment
			}
			// An atomic fragment (offset 0, no more fragments) is whole.
			next, payload = payload[0], payload[8:]
		default:
			seg.NetFlow = flow
			return d.transport(next, payload, src, dst, cut, seg)
		}
	}
	return OutcomeUndecodable
}

func (d *Decoder) transport(proto uint8, b []byte, src, dst netip.Addr, cut bool, seg *Segment) Outcome {
	switch proto {
	case 6:
	case 17:
		if len(b) < 8 {
			return OutcomeUndecodable
		}
		n := int(binary.BigEndian.Uint16(b[4:]))
		if n < 8 {
			return OutcomeUndecodable
		}
		payload := b[8:min(n, len(b))]
		dport := binary.BigEndian.Uint16(b[2:])
		if dport == portVXLAN || dport == portVXLANLinux || dport == portGeneve || dport == portGTPU {
			if d.tunnels == maxTunnels {
				return OutcomeUndecodable
			}
			mark := d.nEncap
			d.outerIP(src, dst)
			d.tunnels++
			if o, ok := d.udpTunnel(dport, payload, seg); ok {
				return o
			}
			d.nEncap = mark // not a tunnel packet: an ordinary datagram
			d.tunnels--
		}
		seg.UDP = payload
		seg.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(b[0:]))
		seg.Dst = netip.AddrPortFrom(dst, dport)
		seg.PayloadCut = cut || n > len(b)
		return OutcomeUDP
	case 1, 58:
		return OutcomeICMP
	case protoGRE, protoIPIP, protoIPv6in:
		if d.tunnels == maxTunnels {
			return OutcomeUndecodable
		}
		d.tunnels++
		d.outerIP(src, dst)
		switch proto {
		case protoGRE:
			return d.gre(b, seg)
		case protoIPIP:
			return d.decodeIPv4(b, seg)
		default:
			return d.decodeIPv6(b, seg)
		}
	default:
		return OutcomeOtherIP
	}
	if len(b) < 20 || int(b[12]>>4)*4 > len(b) {
		return OutcomeUndecodable
	}
	t := d.into
	if !decodeTCP(t, b) {
		return OutcomeUndecodable
	}
	seg.TCP = t
	seg.Src = netip.AddrPortFrom(src, uint16(t.SrcPort))
	seg.Dst = netip.AddrPortFrom(dst, uint16(t.DstPort))
	seg.PayloadCut = cut
	return OutcomeTCP
}

// decodeTCP fills t from the TCP header at the start of b as gopacket's
// DecodeFromBytes does, refusing what it refuses (a header length below
// 20 or beyond the bytes), but without building the option list, which
// only a SYN's window scale needs: a SYN is decoded by gopacket. Not
// reading the options of every segment saved a quarter of the reader's
// time on a 390k-packet capture (docs/performance.md). The unexported
// port slices gopacket keeps for TransportFlow are not set; nothing here
// calls it.
func decodeTCP(t *layers.TCP, b []byte) bool {
	if len(b) < 20 {
		return false
	}
	flags := b[13]
	if flags&0x02 != 0 { // SYN
		return t.DecodeFromBytes(b, gopacket.NilDecodeFeedback) == nil
	}
	hlen := int(b[12]>>4) * 4
	if hlen < 20 || hlen > len(b) {
		return false
	}
	t.SrcPort = layers.TCPPort(binary.BigEndian.Uint16(b[0:]))
	t.DstPort = layers.TCPPort(binary.BigEndian.Uint16(b[2:]))
	t.Seq = binary.BigEndian.Uint32(b[4:])
	t.Ack = binary.BigEndian.Uint32(b[8:])
	t.DataOffset = b[12] >> 4
	t.NS = b[12]&0x01 != 0
	t.FIN = flags&0x01 != 0
	t.SYN = false
	t.RST = flags&0x04 != 0
	t.PSH = flags&0x08 != 0
	t.ACK = flags&0x10 != 0
	t.URG = flags&0x20 != 0
	t.ECE = flags&0x40 != 0
	t.CWR = flags&0x80 != 0
	t.Window = binary.BigEndian.Uint16(b[14:])
	t.Checksum = binary.BigEndian.Uint16(b[16:])
	t.Urgent = binary.BigEndian.Uint16(b[18:])
	t.Options = t.Options[:0]
	t.Padding = nil
	t.Multipath = false
	t.Contents = b[:hlen]
	t.Payload = b[hlen:]
	return true
}
