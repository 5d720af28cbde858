package filter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

type protoQ int

const (
	pDefault protoQ = iota
	pIP
	pIP6
	pARP
	pRARP
	pTCP
	pUDP
	pSCTP
	pICMP
	pICMP6
)

var protoNames = map[string]protoQ{
	"ip": pIP, "ip6": pIP6, "arp": pARP, "rarp": pRARP, "tcp": pTCP, "udp": pUDP,
	"sctp": pSCTP, "icmp": pICMP, "icmp6": pICMP6,
}

func (p protoQ) String() string {
	for k, v := range protoNames {
		if v == p {
			return k
		}
	}
	return "default"
}

type dirQ int

const (
	dDefault dirQ = iota
	dSrc
	dDst
	dOr  // src or dst
	dAnd // src and dst
)

type addrQ int

const (
	aDefault addrQ = iota
	aHost
	aNet
	aPort
	aPortrange
)

var addrNames = map[string]addrQ{"host": aHost, "net": aNet, "port": aPort, "portrange": aPortrange}

// qual is the set of qualifiers in force for an id. libpcap lets an id
// without qualifiers after and/or/not inherit the qualifiers of the
// primitive before it ("port 1935 or 8080"); ok is false where there is
// nothing to inherit (at the start, after "tcp", ...).
type qual struct {
	ok    bool
	proto protoQ
	dir   dirQ
	addr  addrQ
	kw    string // the keyword that set addr (or the last qualifier), for messages
}

// Keywords of libpcap that this package does not implement; they get a
// clear error instead of "expected ...".
var unsupported = map[string]bool{
	"vlan": true, "mpls": true, "ether": true, "fddi": true, "tr": true, "wlan": true, "ppp": true,
	"gateway": true, "broadcast": true, "multicast": true, "less": true, "greater": true, "len": true,
	"proto": true, "protochain": true, "inbound": true, "outbound": true, "ifname": true, "on": true,
	"pppoed": true, "pppoes": true, "geneve": true, "iso": true, "decnet": true, "atalk": true,
	"aarp": true, "ipx": true, "netbeui": true, "stp": true, "llc": true, "igmp": true, "pim": true,
	"vrrp": true, "carp": true, "ah": true, "esp": true, "igrp": true, "link": true, "radio": true,
	"type": true, "subtype": true, "dir": true, "addr1": true, "addr2": true, "addr3": true, "addr4": true,
	"ra": true, "ta": true, "lat": true, "moprc": true, "mopdl": true, "sca": true, "clnp": true,
	"esis": true, "isis": true, "l1": true, "l2": true, "iih": true, "lsp": true, "snp": true,
	"csnp": true, "psnp": true, "sio": true, "opc": true, "dpc": true, "sls": true, "hsio": true,
	"hopc": true, "hdpc": true, "hsls": true, "vpi": true, "vci": true, "lane": true, "oamf4s": true,
	"oamf4e": true, "oamf4": true, "oam": true, "metac": true, "bcc": true, "sc": true, "ilmic": true,
	"connectmsg": true, "metaconnect": true, "fisu": true, "lssu": true, "msu": true, "hfisu": true,
	"hlssu": true, "hmsu": true, "llc1": true,
}

func isKeyword(w string) bool {
	w = strings.ToLower(w)
	if _, ok := protoNames[w]; ok {
		return true
	}
	if _, ok := addrNames[w]; ok {
		return true
	}
	return w == "src" || w == "dst" || w == "mask" || unsupported[w]
}

type parser struct {
	toks []token
	pos  int
	g    *gen
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func errAt(t token, format string, args ...any) error {
	return &SyntaxError{Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

func (t token) isWord(w string) bool { return t.kind == tWord && strings.EqualFold(t.text, w) }

// parse parses a whole expression. Grammar (as libpcap's: and and or have
// the same precedence and associate to the left; not binds tightest):
//
//	expr  = term { ("and"|"or") (term | id) }
//	term  = "not" term | "(" expr ")" | proto | head id
//	head  = [proto] [dir] [addr]        (at least dir or addr)
//	id    = "not" id | "(" id { ("and"|"or") id } ")" | VALUE
func (p *parser) parse() (node, error) {
	if p.peek().kind == tEOF {
		return constN(true), nil
	}
	n, _, err := p.expr(qual{})
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, errAt(t, "unbalanced %q", ")")
		}
		return nil, errAt(t, "expected \"and\" or \"or\" before %s", t)
	}
	return n, nil
}

func (p *parser) expr(before qual) (node, qual, error) {
	n, q, err := p.term(before)
	if err != nil {
		return nil, q, err
	}
	for {
		op := p.peek()
		if op.kind != tAnd && op.kind != tOr {
			return n, q, nil
		}
		p.next()
		var m node
		if p.atID() {
			m, err = p.id(q)
		} else {
			m, q, err = p.term(q)
		}
		if err != nil {
			return nil, q, err
		}
		if op.kind == tAnd {
			n = andN{n, m}
		} else {
			n = orN{n, m}
		}
	}
}

// atID reports whether the next tokens form a bare id (a value with no
// qualifier of its own, possibly negated or a parenthesised group of them).
func (p *parser) atID() bool {
	for i := 0; ; i++ {
		t := p.peekAt(i)
		switch t.kind {
		case tNot, tLParen:
			continue
		case tWord:
			return !isKeyword(t.text)
		default:
			return false
		}
	}
}

// id parses a value that inherits the qualifiers q.
func (p *parser) id(q qual) (node, error) {
	t := p.peek()
	switch t.kind {
	case tNot:
		p.next()
		n, err := p.id(q)
		if err != nil {
			return nil, err
		}
		return notN{n}, nil
	case tLParen:
		p.next()
		n, err := p.id(q)
		if err != nil {
			return nil, err
		}
		for {
			op := p.peek()
			if op.kind == tRParen {
				p.next()
				return n, nil
			}
			if op.kind != tAnd && op.kind != tOr {
				return nil, errAt(op, "expected \"and\", \"or\" or \")\" in a list of values, found %s", op)
			}
			p.next()
			m, err := p.id(q)
			if err != nil {
				return nil, err
			}
			if op.kind == tAnd {
				n = andN{n, m}
			} else {
				n = orN{n, m}
			}
		}
	case tWord:
		if isKeyword(t.text) {
			return nil, errAt(t, "expected a value, found keyword %q", t.text)
		}
		if !q.ok {
			return nil, errAt(t, "%s has no qualifier to inherit; write it in full, e.g. \"host %s\" or \"port %s\"", t, t.text, t.text)
		}
		p.next()
		return p.value(q, t)
	case tEOF:
		return nil, errAt(t, "expected %s", q.expected())
	default:
		return nil, errAt(t, "expected %s, found %s", q.expected(), t)
	}
}

func (q qual) expected() string {
	switch q.addr {
	case aPort:
		return fmt.Sprintf("port number after %q", q.kw)
	case aPortrange:
		return fmt.Sprintf("port range such as 1935-1940 after %q", q.kw)
	case aNet:
		return fmt.Sprintf("network such as 10.0.0.0/8 after %q", q.kw)
	default:
		if q.kw != "" {
			return fmt.Sprintf("address after %q", q.kw)
		}
		return "an address"
	}
}

func (p *parser) term(before qual) (node, qual, error) {
	t := p.peek()
	switch t.kind {
	case tNot:
		p.next()
		n, q, err := p.term(before)
		if err != nil {
			return nil, q, err
		}
		return notN{n}, q, nil
	case tLParen:
		p.next()
		n, _, err := p.expr(before)
		if err != nil {
			return nil, before, err
		}
		if c := p.peek(); c.kind != tRParen {
			if c.kind == tEOF {
				return nil, before, errAt(c, "missing %q to close %q at column %d", ")", "(", t.col)
			}
			return nil, before, errAt(c, "expected \"and\", \"or\" or \")\", found %s", c)
		}
		p.next()
		// libpcap: a parenthesised expression passes on the qualifiers that
		// were in force before the "(".
		return n, before, nil
	case tWord:
		return p.primitive()
	case tEOF:
		return nil, before, errAt(t, "unexpected end of expression")
	default:
		return nil, before, errAt(t, "expected a primitive such as host, port or tcp, found %s", t)
	}
}

// primitive parses "proto" alone or "head id".
func (p *parser) primitive() (node, qual, error) {
	t := p.peek()
	w := strings.ToLower(t.text)
	q := qual{ok: true}
	if unsupported[w] {
		return nil, q, errAt(t, "%q is not supported by this filter compiler (supported: host, net, port, portrange, src, dst, ip, ip6, tcp, udp, sctp, icmp, icmp6, arp, rarp, and, or, not)", t.text)
	}
	if pr, ok := protoNames[w]; ok {
		p.next()
		q.proto, q.kw = pr, t.text
		n := p.peek()
		if n.kind == tWord && (n.isWord("src") || n.isWord("dst") || addrNames[strings.ToLower(n.text)] != 0) {
			return p.head(q)
		}
		if n.kind == tWord && !isKeyword(n.text) {
			return nil, q, errAt(n, "expected \"and\" or \"or\" after %q, found %s (write e.g. \"%s port %s\")", t.text, n, t.text, n.text)
		}
		if n.kind == tWord {
			return nil, q, errAt(n, "expected \"and\" or \"or\" after %q, found %s", t.text, n)
		}
		return p.g.protoAbbrev(pr, t), qual{}, nil
	}
	if w == "src" || w == "dst" || addrNames[w] != 0 {
		return p.head(q)
	}
	if isKeyword(w) {
		return nil, q, errAt(t, "unexpected keyword %q", t.text)
	}
	return nil, q, errAt(t, "expected a primitive such as host, port or tcp before %s (a bare value needs a qualifier, e.g. \"host %s\")", t, t.text)
}

// head parses the dir and addr qualifiers (the proto one is in q) and the id.
func (p *parser) head(q qual) (node, qual, error) {
	t := p.peek()
	if t.isWord("src") || t.isWord("dst") {
		p.next()
		q.kw = t.text
		q.dir = dSrc
		if t.isWord("dst") {
			q.dir = dDst
		}
		// "src or dst" / "src and dst" (either order) is a single qualifier.
		op, other := p.peek(), p.peekAt(1)
		if (op.kind == tOr || op.kind == tAnd) && (other.isWord("src") || other.isWord("dst")) && !other.isWord(t.text) {
			p.next()
			p.next()
			q.kw = t.text + " " + op.text + " " + other.text
			if op.kind == tOr {
				q.dir = dOr
			} else {
				q.dir = dAnd
			}
		}
	}
	if t := p.peek(); t.kind == tWord {
		if a, ok := addrNames[strings.ToLower(t.text)]; ok {
			p.next()
			q.addr, q.kw = a, t.text
		}
	}
	n, err := p.id(q)
	return n, q, err
}

// value turns one value token (with its qualifiers) into a test.
func (p *parser) value(q qual, t token) (node, error) {
	w := t.text
	switch {
	case strings.Contains(w, ":"):
		return p.ip6Value(q, t)
	case isHID(w):
		return p.ip4Value(q, t)
	}
	num, isNum, err := parseNum(w)
	if err != nil {
		return nil, errAt(t, "%v", err)
	}
	switch q.addr {
	case aPort:
		if !isNum {
			if isRange(w) {
				return nil, errAt(t, "%q is a port range; use \"portrange %s\"", w, w)
			}
			return nil, errAt(t, "expected port number after %q, found %s (port names are not resolved; use a number)", q.kw, t)
		}
		return p.g.port(q, num, num, t)
	case aPortrange:
		if isNum {
			return p.g.port(q, num, num, t)
		}
		lo, hi, ok, err := parseRange(w)
		if err != nil {
			return nil, errAt(t, "%v", err)
		}
		if !ok {
			return nil, errAt(t, "expected port range such as 1935-1940 after %q, found %s (port names are not resolved)", q.kw, t)
		}
		return p.g.port(q, lo, hi, t)
	case aNet:
		if isNum {
			// libpcap: "net 10" is 10.0.0.0/8, "net 172" 172.0.0.0/8: shift
			// the number left until its top byte is set.
			v, m := num, uint32(0xffffffff)
			for v != 0 && v&0xff000000 == 0 {
				v <<= 8
				m <<= 8
			}
			return p.g.host4(q, v, m, t)
		}
	default: // host or no addr qualifier
		if isNum {
			return nil, errAt(t, "expected an IPv4 or IPv6 address after %q, found %s", q.kw, t)
		}
	}
	return nil, errAt(t, "%s is not an IP address: host names are not resolved (no DNS lookups); use a literal IPv4 or IPv6 address", t)
}

func isRange(w string) bool {
	_, _, ok, err := parseRange(w)
	return ok && err == nil
}

func parseRange(w string) (lo, hi uint32, ok bool, err error) {
	a, b, found := strings.Cut(w, "-")
	if !found {
		return 0, 0, false, nil
	}
	lo, n1, err1 := parseNum(a)
	hi, n2, err2 := parseNum(b)
	if !n1 || !n2 {
		return 0, 0, false, nil
	}
	if err1 != nil {
		return 0, 0, false, err1
	}
	if err2 != nil {
		return 0, 0, false, err2
	}
	return lo, hi, true, nil
}

// parseNum parses a libpcap number: decimal, 0x hex or 0-prefixed octal.
// isNum is false (and err nil) when w does not look like a number at all.
func parseNum(w string) (v uint32, isNum bool, err error) {
	if w == "" {
		return 0, false, nil
	}
	base, digits := 10, w
	switch {
	case len(w) > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X'):
		base, digits = 16, w[2:]
	case len(w) > 1 && w[0] == '0':
		base, digits = 8, w[1:]
	}
	for _, c := range digits {
		ok := c >= '0' && c <= '9'
		if base == 16 {
			ok = ok || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}
		if base == 8 {
			ok = c >= '0' && c <= '7'
		}
		if !ok {
			if base == 10 || !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return 0, false, nil
			}
			return 0, true, fmt.Errorf("invalid number %q", w)
		}
	}
	u, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, true, fmt.Errorf("number %s overflows 32 bits", w)
	}
	return uint32(u), true, nil
}

// isHID reports a libpcap "HID": 2 to 4 dot-separated decimal numbers.
func isHID(w string) bool {
	parts := strings.Split(w, ".")
	if len(parts) < 2 {
		return false
	}
	for _, s := range parts {
		if s == "" {
			return false
		}
		for _, c := range s {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// atoin parses a HID as libpcap's __pcap_atoin: up to 4 components, each
// at most 255, and returns the value and its length in bits; the value is
// then promoted to a full address (10.1 is 10.1.0.0 with a /16 mask).
func atoin(w string) (v uint32, bits int, err error) {
	parts := strings.Split(w, ".")
	if len(parts) > 4 {
		return 0, 0, fmt.Errorf("%q is not an IPv4 address (host names are not resolved)", w)
	}
	for _, s := range parts {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n > 255 {
			return 0, 0, fmt.Errorf("invalid IPv4 address %q", w)
		}
		v = v<<8 | uint32(n)
	}
	bits = 8 * len(parts)
	return v << (32 - bits), bits, nil
}

func (p *parser) ip4Value(q qual, t token) (node, error) {
	switch q.addr {
	case aPort, aPortrange:
		return nil, errAt(t, "expected %s, found IP address %s ('%s' modifier applied to ip host)", q.expected(), t, q.kw)
	}
	v, bits, err := atoin(t.text)
	if err != nil {
		return nil, errAt(t, "%v", err)
	}
	mask := uint32(0xffffffff) << (32 - bits)
	if bits == 0 {
		mask = 0
	}
	switch n := p.peek(); {
	case n.kind == tSlash:
		p.next()
		lt := p.next()
		l, isNum, err := parseNum(lt.text)
		if lt.kind != tWord || !isNum || err != nil {
			return nil, errAt(lt, "expected mask length after %q", "/")
		}
		if l > 32 {
			return nil, errAt(lt, "mask length must be <= 32")
		}
		mask = 0
		if l > 0 {
			mask = 0xffffffff << (32 - l)
		}
		if v&^mask != 0 {
			return nil, errAt(t, "non-network bits set in \"%s/%d\"", t.text, l)
		}
		if q.addr != aNet {
			return nil, errAt(n, "mask syntax for networks only (write \"net %s/%d\")", t.text, l)
		}
	case n.isWord("mask"):
		p.next()
		mt := p.next()
		if mt.kind != tWord || !isHID(mt.text) {
			return nil, errAt(mt, "expected a dotted netmask such as 255.255.0.0 after %q", "mask")
		}
		m, _, err := atoin(mt.text)
		if err != nil {
			return nil, errAt(mt, "%v", err)
		}
		mask = m
		if v&^mask != 0 {
			return nil, errAt(t, "non-network bits set in \"%s mask %s\"", t.text, mt.text)
		}
		if q.addr != aNet {
			return nil, errAt(n, "mask syntax for networks only (write \"net %s mask %s\")", t.text, mt.text)
		}
	}
	return p.g.host4(q, v, mask, t)
}

func (p *parser) ip6Value(q qual, t token) (node, error) {
	switch q.addr {
	case aPort, aPortrange:
		return nil, errAt(t, "expected %s, found IP address %s ('%s' modifier applied to ip6 host)", q.expected(), t, q.kw)
	}
	a, err := netip.ParseAddr(t.text)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return nil, errAt(t, "invalid IPv6 address %s", t)
	}
	bits := 128
	if n := p.peek(); n.kind == tSlash {
		p.next()
		lt := p.next()
		l, isNum, err := parseNum(lt.text)
		if lt.kind != tWord || !isNum || err != nil {
			return nil, errAt(lt, "expected prefix length after %q", "/")
		}
		if l > 128 {
			return nil, errAt(lt, "mask length must be <= 128")
		}
		bits = int(l)
		if pfx, _ := a.Prefix(bits); pfx.Addr() != a {
			return nil, errAt(t, "non-network bits set in \"%s/%d\"", t.text, l)
		}
		if q.addr != aNet && bits != 128 {
			return nil, errAt(n, "mask syntax for networks only (write \"net %s/%d\")", t.text, l)
		}
	} else if n.isWord("mask") {
		return nil, errAt(n, "\"mask\" is for IPv4 networks; write %s/LEN", t.text)
	}
	return p.g.host6(q, a.As16(), bits, t)
}
