package rtmfp

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/rtmpscope/rtmpscope/event"
)

// pcapDir is where the real captures are (made by make-rtmfp.sh).
var pcapDir = filepath.Join("..", "..", "testdata", "pcaps")

// udpPacket is one UDP datagram of a capture.
type udpPacket struct {
	Frame    uint64
	Time     time.Time
	Src, Dst netip.AddrPort
	Payload  []byte
}

// readUDP reads the UDP datagrams of a pcap: a minimal reader of its own
// (Ethernet, Linux cooked, null/loopback or raw IP, then IPv4/IPv6 and
// UDP) so the tests do not depend on the capture package.
func readUDP(t testing.TB, name string) []udpPacket {
	t.Helper()
	f, err := os.Open(filepath.Join(pcapDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []udpPacket
	var frame uint64
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		frame++
		ip := data
		switch r.LinkType() {
		case layers.LinkTypeEthernet:
			if len(ip) < 14 {
				continue
			}
			ip = ip[14:]
		case layers.LinkTypeLinuxSLL:
			if len(ip) < 16 {
				continue
			}
			ip = ip[16:]
		case layers.LinkTypeNull, layers.LinkTypeLoop:
			if len(ip) < 4 {
				continue
			}
			ip = ip[4:]
		case layers.LinkTypeRaw, 228, 229:
		default:
			t.Fatalf("%s: link type %v", name, r.LinkType())
		}
		p, ok := parseIPUDP(ip)
		if !ok {
			continue
		}
		p.Frame, p.Time = frame, ci.Timestamp
		out = append(out, p)
	}
	return out
}

func parseIPUDP(b []byte) (udpPacket, bool) {
	var p udpPacket
	if len(b) < 1 {
		return p, false
	}
	var src, dst netip.Addr
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 || b[9] != 17 {
			return p, false
		}
		hl := int(b[0]&0xf) * 4
		tot := int(binary.BigEndian.Uint16(b[2:]))
		if tot > len(b) || hl > tot {
			return p, false
		}
		src, _ = netip.AddrFromSlice(b[12:16])
		dst, _ = netip.AddrFromSlice(b[16:20])
		l4 = b[hl:tot]
	case 6:
		if len(b) < 40 || b[6] != 17 {
			return p, false
		}
		src, _ = netip.AddrFromSlice(b[8:24])
		dst, _ = netip.AddrFromSlice(b[24:40])
		l4 = b[40:]
	default:
		return p, false
	}
	if len(l4) < 8 {
		return p, false
	}
	ul := int(binary.BigEndian.Uint16(l4[4:]))
	if ul < 8 || ul > len(l4) {
		return p, false
	}
	p.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4))
	p.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:]))
	p.Payload = l4[8:ul]
	return p, true
}

// udpFlows groups datagrams by flow, in order of their first datagram;
// the first sender is the flow's client (as the router does).
type udpFlow struct {
	Client, Server netip.AddrPort
	Packets        []udpPacket
}

func udpFlows(ps []udpPacket) []*udpFlow {
	var fs []*udpFlow
	idx := map[[2]netip.AddrPort]*udpFlow{}
	for _, p := range ps {
		k := [2]netip.AddrPort{p.Src, p.Dst}
		if p.Dst.Compare(p.Src) < 0 {
			k = [2]netip.AddrPort{p.Dst, p.Src}
		}
		f := idx[k]
		if f == nil {
			f = &udpFlow{Client: p.Src, Server: p.Dst}
			idx[k] = f
			fs = append(fs, f)
		}
		f.Packets = append(f.Packets, p)
	}
	return fs
}

// collector gathers a handler's events.
type collector struct{ evs []event.Event }

func (c *collector) Emit(e event.Event) { c.evs = append(c.evs, e) }

func (c *collector) kind(k event.Kind) []event.Event {
	var out []event.Event
	for _, e := range c.evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func (c *collector) codes() map[string]int {
	m := map[string]int{}
	for _, e := range c.evs {
		if e.Kind == event.KindDiagnostic {
			m[e.Diag.Code]++
		}
	}
	return m
}

// runFlow feeds one flow's datagrams to a handler, as the router would.
func runFlow(f *udpFlow, opts Options) (*collector, *event.ConnEvent) {
	c := &collector{}
	h := newHandler(c, opts)
	for _, p := range f.Packets {
		d := event.C2S
		if p.Src != f.Client {
			d = event.S2C
		}
		h.Datagram(d, p.Payload, event.FrameRef{Frame: p.Frame, Time: p.Time, Len: len(p.Payload)})
	}
	ev := &event.ConnEvent{Closed: true}
	h.Close(ev)
	return c, ev
}

func loadKeys(t testing.TB, name string) *KeyLog {
	t.Helper()
	k, err := LoadKeys(filepath.Join(pcapDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
