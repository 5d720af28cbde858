package filter

import (
	"encoding/binary"
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// The boolean tree the parser builds: tests on packet bytes joined by
// and/or/not. It is link-type specific (offsets are absolute).
type node interface{ isNode() }

type (
	andN   struct{ a, b node }
	orN    struct{ a, b node }
	notN   struct{ a node }
	constN bool
	// cmpN loads size bytes at off (or at X+off after X = 4*(pkt[ihl]&0xf)
	// when indirect), optionally ANDs mask, and compares with val.
	cmpN struct {
		indirect bool
		ihl      uint32 // offset of the IPv4 version/IHL byte, for indirect loads
		off      uint32
		size     int
		mask     uint32
		hasMask  bool
		op       cmpOp
		val      uint32
	}
)

func (andN) isNode()   {}
func (orN) isNode()    {}
func (notN) isNode()   {}
func (constN) isNode() {}
func (cmpN) isNode()   {}

type cmpOp int

const (
	opEq  cmpOp = iota // A == val
	opGe               // A >= val
	opGt               // A > val
	opSet              // A & val != 0
)

const (
	etIP   = 0x0800
	etARP  = 0x0806
	etRARP = 0x8035
	etIPv6 = 0x86dd

	ipprotoTCP   = 6
	ipprotoUDP   = 17
	ipprotoICMP  = 1
	ipprotoSCTP  = 132
	ipprotoICMP6 = 58
	ipprotoFrag  = 44
)

// gen knows the link layer and builds the tests of each primitive the way
// libpcap's gencode.c does.
type gen struct {
	lt layers.LinkType
	nl uint32 // offset of the network-layer header
}

func newGen(lt layers.LinkType) (*gen, error) {
	g := &gen{lt: lt}
	switch lt {
	case layers.LinkTypeEthernet:
		g.nl = 14
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		g.nl = 4
	case layers.LinkTypeRaw, 12, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		g.nl = 0
	case layers.LinkTypeLinuxSLL:
		g.nl = 16
	case layers.LinkTypeLinuxSLL2:
		g.nl = 20
	default:
		return nil, fmt.Errorf("filter: link type %s (%d) is not supported", lt, int(lt))
	}
	return g, nil
}

func and(ns ...node) node {
	r := ns[0]
	for _, n := range ns[1:] {
		r = andN{r, n}
	}
	return r
}

func or(ns ...node) node {
	r := ns[0]
	for _, n := range ns[1:] {
		r = orN{r, n}
	}
	return r
}

func (g *gen) eq(off uint32, size int, val uint32) node {
	return cmpN{off: off, size: size, op: opEq, val: val}
}

// linkType tests the link-layer protocol, as gen_linktype: ethertype
// ETHERTYPE_IP, _IPV6, _ARP or _REVARP.
func (g *gen) linkType(et uint32) node {
	switch g.lt {
	case layers.LinkTypeEthernet:
		// tcpdump does not look inside 802.1Q tags unless "vlan" is given:
		// a tagged frame has ethertype 0x8100 here and matches none of
		// ip, ip6, arp, host, port, ... (only their negations).
		return g.eq(12, 2, et)
	case layers.LinkTypeLinuxSLL:
		return g.eq(14, 2, et)
	case layers.LinkTypeLinuxSLL2:
		return g.eq(0, 2, et)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		// A 4-byte BSD AF_ value: network byte order for Loop, the
		// capturing host's byte order for Null. libpcap checks the byte
		// order of the file it reads; we do not know it, so for Null both
		// orders are accepted (the values cannot be confused). IPv6 has
		// three AF_INET6 values (BSD 24, FreeBSD 28, Darwin 30), all
		// accepted as libpcap does for saved files.
		var afs []uint32
		switch et {
		case etIP:
			afs = []uint32{2}
		case etIPv6:
			afs = []uint32{24, 28, 30}
		default:
			return constN(false)
		}
		var ns []node
		for _, af := range afs {
			if g.lt == layers.LinkTypeNull {
				var b [4]byte
				binary.LittleEndian.PutUint32(b[:], af)
				ns = append(ns, g.eq(0, 4, binary.BigEndian.Uint32(b[:])))
			}
			ns = append(ns, g.eq(0, 4, af))
		}
		return or(ns...)
	case layers.LinkTypeIPv4:
		return constN(et == etIP)
	case layers.LinkTypeIPv6:
		return constN(et == etIPv6)
	default: // raw IP: look at the version nibble
		switch et {
		case etIP:
			return cmpN{off: 0, size: 1, mask: 0xf0, hasMask: true, op: opEq, val: 0x40}
		case etIPv6:
			return cmpN{off: 0, size: 1, mask: 0xf0, hasMask: true, op: opEq, val: 0x60}
		}
		return constN(false)
	}
}

// ipProto is gen_proto(v, Q_IP) / gen_proto(v, Q_IPV6): for IPv6, the
// next-header field or, after one fragment header, its next header. Other
// extension headers are not skipped (as in libpcap).
func (g *gen) ipProto(v4, v6 bool, proto uint32) node {
	var ns []node
	if v4 {
		ns = append(ns, and(g.linkType(etIP), g.eq(g.nl+9, 1, proto)))
	}
	if v6 {
		ns = append(ns, and(g.linkType(etIPv6), or(
			g.eq(g.nl+6, 1, proto),
			and(g.eq(g.nl+6, 1, ipprotoFrag), g.eq(g.nl+40, 1, proto)))))
	}
	return or(ns...)
}

func (g *gen) protoAbbrev(p protoQ, t token) node {
	switch p {
	case pIP:
		return g.linkType(etIP)
	case pIP6:
		return g.linkType(etIPv6)
	case pARP:
		return g.linkType(etARP)
	case pRARP:
		return g.linkType(etRARP)
	case pTCP:
		return g.ipProto(true, true, ipprotoTCP)
	case pUDP:
		return g.ipProto(true, true, ipprotoUDP)
	case pSCTP:
		return g.ipProto(true, true, ipprotoSCTP)
	case pICMP:
		return g.ipProto(true, false, ipprotoICMP)
	case pICMP6:
		return g.ipProto(false, true, ipprotoICMP6)
	}
	panic("filter: unknown proto " + t.text)
}

func dirNode(d dirQ, src, dst node) node {
	switch d {
	case dSrc:
		return src
	case dDst:
		return dst
	case dAnd:
		return andN{src, dst}
	default:
		return orN{src, dst}
	}
}

// host4 is gen_host: IPv4 address v under mask. Without a protocol
// qualifier it also matches the sender/target protocol addresses of ARP
// and RARP packets, as libpcap does.
func (g *gen) host4(q qual, v, mask uint32, t token) (node, error) {
	hostop := func(et, srcOff, dstOff uint32) node {
		mk := func(off uint32) node {
			c := cmpN{off: g.nl + off, size: 4, op: opEq, val: v}
			if mask != 0xffffffff {
				c.mask, c.hasMask = mask, true
			}
			return c
		}
		return and(g.linkType(et), dirNode(q.dir, mk(srcOff), mk(dstOff)))
	}
	switch q.proto {
	case pDefault:
		return or(hostop(etIP, 12, 16), hostop(etARP, 14, 24), hostop(etRARP, 14, 24)), nil
	case pIP:
		return hostop(etIP, 12, 16), nil
	case pARP:
		return hostop(etARP, 14, 24), nil
	case pRARP:
		return hostop(etRARP, 14, 24), nil
	case pIP6:
		return nil, errAt(t, "%s is an IPv4 address; 'ip6' modifier applied to ip host", t)
	}
	return nil, errAt(t, "'%s' modifier applied to host (write e.g. \"%s and host %s\")", q.proto, q.proto, t.text)
}

// host6 is gen_host6: the IPv6 source/destination under a prefix length.
func (g *gen) host6(q qual, a [16]byte, bits int, t token) (node, error) {
	switch q.proto {
	case pDefault, pIP6:
	case pIP:
		return nil, errAt(t, "%s is an IPv6 address; 'ip' modifier applied to ip6 host", t)
	default:
		return nil, errAt(t, "'%s' modifier applied to ip6 host (write e.g. \"%s and host %s\")", q.proto, q.proto, t.text)
	}
	addr := func(off uint32) node {
		var ns []node
		for w := 0; w < 4; w++ {
			mbits := bits - 32*w
			if mbits <= 0 {
				break
			}
			val := binary.BigEndian.Uint32(a[4*w:])
			c := cmpN{off: g.nl + off + uint32(4*w), size: 4, op: opEq, val: val}
			if mbits < 32 {
				c.mask, c.hasMask = 0xffffffff<<(32-mbits), true
			}
			ns = append(ns, c)
		}
		if len(ns) == 0 {
			return constN(true)
		}
		return and(ns...)
	}
	return and(g.linkType(etIPv6), dirNode(q.dir, addr(8), addr(24))), nil
}

// port is gen_port/gen_port6 and gen_portrange/gen_portrange6 ORed: TCP,
// UDP or SCTP (or only the qualifier's protocol) over IPv4 or IPv6. For
// IPv4 the fragment offset must be 0 (later fragments carry no ports) and
// the header length comes from the IHL field; for IPv6 only the first next
// header is looked at (no extension headers are skipped), as libpcap does.
func (g *gen) port(q qual, lo, hi uint32, t token) (node, error) {
	if lo > 65535 || hi > 65535 {
		v := lo
		if hi > v {
			v = hi
		}
		return nil, errAt(t, "illegal port number %d > 65535", v)
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	var protos []uint32
	switch q.proto {
	case pDefault:
		protos = []uint32{ipprotoTCP, ipprotoUDP, ipprotoSCTP}
	case pTCP:
		protos = []uint32{ipprotoTCP}
	case pUDP:
		protos = []uint32{ipprotoUDP}
	case pSCTP:
		protos = []uint32{ipprotoSCTP}
	default:
		return nil, errAt(t, "illegal qualifier of '%s': '%s' (use tcp, udp or sctp)", q.kw, q.proto)
	}
	match := func(c cmpN) node {
		if lo == hi {
			c.op, c.val = opEq, lo
			return c
		}
		ge, gt := c, c
		ge.op, ge.val = opGe, lo
		gt.op, gt.val = opGt, hi
		return andN{ge, notN{gt}}
	}
	ports := func(tr func(off uint32) cmpN) node {
		return dirNode(q.dir, match(tr(0)), match(tr(2)))
	}
	tr4 := func(off uint32) cmpN { return cmpN{indirect: true, ihl: g.nl, off: g.nl + off, size: 2} }
	tr6 := func(off uint32) cmpN { return cmpN{off: g.nl + 40 + off, size: 2} }

	notFrag := notN{cmpN{off: g.nl + 6, size: 2, op: opSet, val: 0x1fff}}
	var v4, v6 []node
	for _, p := range protos {
		v4 = append(v4, and(g.eq(g.nl+9, 1, p), notFrag))
		v6 = append(v6, g.eq(g.nl+6, 1, p))
	}
	return or(
		and(g.linkType(etIP), or(v4...), ports(tr4)),
		and(g.linkType(etIPv6), or(v6...), ports(tr6)),
	), nil
}

// simplify folds constants (from link types without ARP, say).
func simplify(n node) node {
	switch n := n.(type) {
	case andN:
		a, b := simplify(n.a), simplify(n.b)
		if c, ok := a.(constN); ok {
			if !c {
				return c
			}
			return b
		}
		if c, ok := b.(constN); ok && bool(c) {
			return a
		}
		// (x and false) still evaluates x, whose loads may reject the
		// packet; keep it so out-of-range behaviour follows libpcap's.
		return andN{a, b}
	case orN:
		a, b := simplify(n.a), simplify(n.b)
		if c, ok := a.(constN); ok {
			if c {
				return c
			}
			return b
		}
		if c, ok := b.(constN); ok && !bool(c) {
			return a
		}
		return orN{a, b}
	case notN:
		a := simplify(n.a)
		if c, ok := a.(constN); ok {
			return !c
		}
		if nn, ok := a.(notN); ok {
			return nn.a
		}
		return notN{a}
	}
	return n
}
