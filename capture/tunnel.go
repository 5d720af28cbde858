package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// EncapKind is a layer of encapsulation found outside the innermost IP
// header: a VLAN tag, an MPLS label, a PPPoE session, or a tunnel (with
// the outer IP header that carries it).
type EncapKind uint8

// Encapsulations the Decoder opens by hand.
const (
	Encap8021Q  EncapKind = iota + 1 // 802.1Q VLAN tag (ID: VLAN id)
	Encap8021AD                      // 802.1ad (QinQ) service tag, and the old 0x9100 tag (ID: VLAN id)
	EncapMPLS                        // one MPLS label (ID: label)
	EncapPPPoE                       // PPPoE session (ID: session id)
	EncapIPv4                        // an outer IPv4 header of a tunnel (Src, Dst)
	EncapIPv6                        // an outer IPv6 header of a tunnel (Src, Dst)
	EncapGRE                         // GRE (ID: key, when HasID)
	EncapERSPAN                      // ERSPAN type I, II or III inside GRE (ID: session id)
	EncapVXLAN                       // VXLAN, UDP 4789 or Linux's 8472 (ID: VNI)
	EncapGeneve                      // Geneve, UDP 6081 (ID: VNI)
	EncapGTPU                        // GTP-U G-PDU, UDP 2152 (ID: TEID)
)

var encapNames = [...]string{
	Encap8021Q: "802.1q", Encap8021AD: "802.1ad", EncapMPLS: "mpls", EncapPPPoE: "pppoe",
	EncapIPv4: "ipv4", EncapIPv6: "ipv6", EncapGRE: "gre", EncapERSPAN: "erspan",
	EncapVXLAN: "vxlan", EncapGeneve: "geneve", EncapGTPU: "gtp-u",
}

func (k EncapKind) String() string {
	if int(k) < len(encapNames) && encapNames[k] != "" {
		return encapNames[k]
	}
	return fmt.Sprintf("encap(%d)", k)
}

// Encap is one layer of encapsulation of a packet.
type Encap struct {
	Kind  EncapKind
	HasID bool
	ID    uint32
	// Version is the ERSPAN type (1, 2, 3).
	Version  uint8
	Src, Dst netip.Addr // outer IP headers only
}

// String names the layer for people and the JSON export: "802.1q 100",
// "mpls 16", "pppoe 0x1", "ipv4 192.0.2.1>192.0.2.2", "gre", "gre key 7",
// "erspan-ii 5", "vxlan 42", "geneve 42", "gtp-u 0x1f".
func (e Encap) String() string {
	switch e.Kind {
	case EncapIPv4, EncapIPv6:
		return e.Kind.String() + " " + e.Src.String() + ">" + e.Dst.String()
	case EncapPPPoE, EncapGTPU:
		return fmt.Sprintf("%s %#x", e.Kind, e.ID)
	case EncapGRE:
		if e.HasID {
			return fmt.Sprintf("gre key %d", e.ID)
		}
		return "gre"
	case EncapERSPAN:
		name := [...]string{"erspan", "erspan-i", "erspan-ii", "erspan-iii"}[min(int(e.Version), 3)]
		if e.HasID {
			return fmt.Sprintf("%s %d", name, e.ID)
		}
		return name
	}
	return fmt.Sprintf("%s %d", e.Kind, e.ID)
}

// EncapNames names each layer (outermost first), or returns nil for none.
func EncapNames(es []Encap) []string {
	if len(es) == 0 {
		return nil
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// Limits on what one packet may stack, so that a hostile packet cannot make
// the decoder loop: tunnels within tunnels, and layers recorded.
const (
	maxTunnels = 8
	maxEncap   = 32
)

// Ports and types of the tunnels.
const (
	portVXLAN      = 4789
	portVXLANLinux = 8472 // the Linux kernel's default VXLAN port
	portGeneve     = 6081
	portGTPU       = 2152

	etherMPLS      = 0x8847
	etherMPLSMcast = 0x8848
	etherPPPoE     = 0x8864
	etherTEB       = 0x6558 // transparent Ethernet bridging: an Ethernet frame
	etherERSPAN2   = 0x88be // ERSPAN type II (type I when GRE has no sequence number)
	etherERSPAN3   = 0x22eb

	protoIPIP   = 4
	protoIPv6in = 41
	protoGRE    = 47
)

// push records an encapsulation layer; beyond maxEncap layers are decoded
// but not recorded.
func (d *Decoder) push(e Encap) {
	if d.nEncap < maxEncap {
		d.encap[d.nEncap] = e
		d.nEncap++
	}
}

// outerIP records the IP header that carries a tunnel.
func (d *Decoder) outerIP(src, dst netip.Addr) {
	k := EncapIPv4
	if src.Is6() {
		k = EncapIPv6
	}
	d.push(Encap{Kind: k, Src: src, Dst: dst})
}

// ethernet decodes an Ethernet frame carried by a tunnel.
func (d *Decoder) ethernet(b []byte, seg *Segment) Outcome {
	if len(b) < 14 {
		return OutcomeUndecodable
	}
	return d.network(binary.BigEndian.Uint16(b[12:]), b[14:], seg)
}

// ipByVersion decodes an IP packet whose version is in its first nibble
// (after MPLS and GTP-U, which do not say what they carry).
func (d *Decoder) ipByVersion(b []byte, seg *Segment) Outcome {
	if len(b) < 1 {
		return OutcomeUndecodable
	}
	switch b[0] >> 4 {
	case 4:
		return d.decodeIPv4(b, seg)
	case 6:
		return d.decodeIPv6(b, seg)
	}
	return OutcomeNotIP
}

// mpls pops a label stack. Below the bottom label comes IPv4 or IPv6 (told
// by the version nibble) or an Ethernet pseudowire behind its control word
// (first nibble 0, RFC 4385).
func (d *Decoder) mpls(b []byte, seg *Segment) Outcome {
	for range maxEncap {
		if len(b) < 4 {
			return OutcomeUndecodable
		}
		v := binary.BigEndian.Uint32(b)
		d.push(Encap{Kind: EncapMPLS, HasID: true, ID: v >> 12})
		b = b[4:]
		if v&0x100 == 0 { // not the bottom of the stack
			continue
		}
		if len(b) < 1 {
			return OutcomeUndecodable
		}
		if b[0]>>4 == 0 {
			if len(b) < 4 {
				return OutcomeUndecodable
			}
			return d.ethernet(b[4:], seg)
		}
		return d.ipByVersion(b, seg)
	}
	return OutcomeUndecodable
}

// pppoe decodes a PPPoE session frame (RFC 2516) carrying PPP.
func (d *Decoder) pppoe(b []byte, seg *Segment) Outcome {
	if len(b) < 8 || b[0] != 0x11 || b[1] != 0 {
		return OutcomeUndecodable
	}
	d.push(Encap{Kind: EncapPPPoE, HasID: true, ID: uint32(binary.BigEndian.Uint16(b[2:]))})
	n := int(binary.BigEndian.Uint16(b[4:])) // PPP frame length
	b = b[6:]
	if n < len(b) && n >= 2 {
		b = b[:n] // Ethernet padding
	}
	switch binary.BigEndian.Uint16(b) {
	case 0x0021:
		return d.decodeIPv4(b[2:], seg)
	case 0x0057:
		return d.decodeIPv6(b[2:], seg)
	}
	return OutcomeNotIP
}

// gre decodes GRE version 0 (RFC 2784, 2890) and the ERSPAN mirroring it
// carries.
func (d *Decoder) gre(b []byte, seg *Segment) Outcome {
	if len(b) < 4 {
		return OutcomeUndecodable
	}
	flags := binary.BigEndian.Uint16(b)
	if flags&7 != 0 { // version 1 is PPTP's enhanced GRE
		return OutcomeOtherIP
	}
	proto := binary.BigEndian.Uint16(b[2:])
	n := 4
	if flags&0x8000 != 0 { // checksum present
		n += 4
	}
	e := Encap{Kind: EncapGRE}
	if flags&0x2000 != 0 { // key present
		if len(b) < n+4 {
			return OutcomeUndecodable
		}
		e.HasID, e.ID = true, binary.BigEndian.Uint32(b[n:])
		n += 4
	}
	seq := flags&0x1000 != 0
	if seq {
		n += 4
	}
	if len(b) < n {
		return OutcomeUndecodable
	}
	d.push(e)
	b = b[n:]
	switch proto {
	case etherIPv4, etherIPv6, etherMPLS, etherMPLSMcast:
		return d.network(proto, b, seg)
	case etherTEB:
		return d.ethernet(b, seg)
	case etherERSPAN2:
		if !seq { // type I: the mirrored frame follows GRE directly
			d.push(Encap{Kind: EncapERSPAN, Version: 1})
			return d.ethernet(b, seg)
		}
		if len(b) < 8 || b[0]>>4 != 1 {
			return OutcomeUndecodable
		}
		d.push(Encap{Kind: EncapERSPAN, Version: 2, HasID: true, ID: uint32(binary.BigEndian.Uint16(b[2:]) & 0x3ff)})
		return d.ethernet(b[8:], seg)
	case etherERSPAN3:
		if len(b) < 12 || b[0]>>4 != 2 {
			return OutcomeUndecodable
		}
		d.push(Encap{Kind: EncapERSPAN, Version: 3, HasID: true, ID: uint32(binary.BigEndian.Uint16(b[2:]) & 0x3ff)})
		hl := 12
		if b[11]&1 != 0 { // O: an 8-byte platform-specific subheader follows
			hl += 8
		}
		if len(b) < hl {
			return OutcomeUndecodable
		}
		return d.ethernet(b[hl:], seg)
	}
	return OutcomeOtherIP
}

// udpTunnel opens a VXLAN, Geneve or GTP-U datagram. ok is false when the
// payload is not a tunnel packet after all (a control message, another
// protocol on the port): it is then an ordinary UDP datagram.
func (d *Decoder) udpTunnel(port uint16, b []byte, seg *Segment) (o Outcome, ok bool) {
	switch port {
	case portVXLAN, portVXLANLinux:
		// Flags: only I (VNI valid) is set in VXLAN; the reserved bytes are 0.
		if len(b) < 8+14 || b[0] != 0x08 || b[1] != 0 || b[2] != 0 || b[3] != 0 || b[7] != 0 {
			return 0, false
		}
		d.push(Encap{Kind: EncapVXLAN, HasID: true, ID: binary.BigEndian.Uint32(b[4:]) >> 8})
		return d.ethernet(b[8:], seg), true
	case portGeneve:
		if len(b) < 8 || b[0]>>6 != 0 {
			return 0, false
		}
		hl := 8 + int(b[0]&0x3f)*4
		proto := binary.BigEndian.Uint16(b[2:])
		if len(b) < hl || (proto != etherTEB && proto != etherIPv4 && proto != etherIPv6) {
			return 0, false
		}
		d.push(Encap{Kind: EncapGeneve, HasID: true, ID: binary.BigEndian.Uint32(b[4:]) >> 8})
		if proto == etherTEB {
			return d.ethernet(b[hl:], seg), true
		}
		return d.network(proto, b[hl:], seg), true
	case portGTPU:
		// Version 1, protocol type GTP, message type 255 (G-PDU).
		if len(b) < 8 || b[0]>>5 != 1 || b[0]&0x10 == 0 || b[1] != 0xff {
			return 0, false
		}
		teid := binary.BigEndian.Uint32(b[4:])
		hl := 8
		if b[0]&0x07 != 0 { // E, S or PN: sequence, N-PDU and next-extension fields
			if len(b) < 12 {
				return OutcomeUndecodable, true
			}
			next := b[11]
			hl = 12
			for i := 0; next != 0; i++ {
				if i == maxEncap || len(b) < hl+1 {
					return OutcomeUndecodable, true
				}
				n := int(b[hl]) * 4 // length in 4-octet units, this octet included
				if n == 0 || len(b) < hl+n {
					return OutcomeUndecodable, true
				}
				next = b[hl+n-1]
				hl += n
			}
		}
		d.push(Encap{Kind: EncapGTPU, HasID: true, ID: teid})
		return d.ipByVersion(b[hl:], seg), true
	}
	return 0, false
}
