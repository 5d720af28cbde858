// Package pcapsplice derives hostile test captures from real ones: it reads
// a classic pcap (Ethernet or Linux cooked, IPv4, as tcpdump -i lo writes),
// inserts bytes into one direction of a TCP connection (moving the later
// sequence numbers of that direction and the acknowledgements of the other,
// and fixing lengths and checksums), and copies connections onto other
// client ports. Tests and the derive programs under testdata/pcaps use it,
// so that hostile input is always a real capture plus a committed change.
package pcapsplice

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Capture is a classic pcap in memory.
type Capture struct {
	header  []byte
	linkLen int
	Packets []Packet
}

// Packet is one record: its 16-byte record header and its data.
type Packet struct {
	Hdr  []byte
	Data []byte
}

// Read parses a little-endian classic pcap.
func Read(b []byte) (*Capture, error) {
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		return nil, fmt.Errorf("pcapsplice: not a little-endian classic pcap")
	}
	linkLen := map[uint32]int{1: 14, 113: 16}[binary.LittleEndian.Uint32(b[20:])]
	if linkLen == 0 {
		return nil, fmt.Errorf("pcapsplice: link type %d is not Ethernet or Linux cooked", binary.LittleEndian.Uint32(b[20:]))
	}
	c := &Capture{header: append([]byte(nil), b[:24]...), linkLen: linkLen}
	for p := 24; p+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[p+8:]))
		if p+16+n > len(b) {
			return nil, fmt.Errorf("pcapsplice: record at %d is truncated", p)
		}
		c.Packets = append(c.Packets, Packet{Hdr: append([]byte(nil), b[p:p+16]...), Data: append([]byte(nil), b[p+16:p+16+n]...)})
		p += 16 + n
	}
	return c, nil
}

// Bytes returns the capture as a pcap file.
func (c *Capture) Bytes() []byte {
	n := len(c.header)
	for _, p := range c.Packets {
		n += 16 + len(p.Data)
	}
	out := make([]byte, 0, n)
	out = append(out, c.header...)
	for _, p := range c.Packets {
		out = append(out, p.Hdr...)
		out = append(out, p.Data...)
	}
	return out
}

// TCP is a view of a packet's IPv4 and TCP headers.
type TCP struct {
	ip, tcp, payload []byte
}

// Split returns the TCP view of packet i (ok false when it is not IPv4/TCP).
func (c *Capture) Split(i int) (TCP, bool) {
	d := c.Packets[i].Data
	if len(d) < c.linkLen+20 {
		return TCP{}, false
	}
	ip := d[c.linkLen:]
	if ip[0]>>4 != 4 || ip[9] != 6 {
		return TCP{}, false
	}
	ihl := int(ip[0]&15) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total > len(ip) || ihl+20 > total {
		return TCP{}, false
	}
	ip = ip[:total]
	tcp := ip[ihl:]
	thl := int(tcp[12]>>4) * 4
	if thl < 20 || thl > len(tcp) {
		return TCP{}, false
	}
	return TCP{ip: ip, tcp: tcp, payload: tcp[thl:]}, true
}

// SrcPort, DstPort, Seq, Ack and Payload read the TCP header.
func (t TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(t.tcp) }

// DstPort is the destination port.
func (t TCP) DstPort() uint16 { return binary.BigEndian.Uint16(t.tcp[2:]) }

// Seq is the sequence number.
func (t TCP) Seq() uint32 { return binary.BigEndian.Uint32(t.tcp[4:]) }

// Ack is the acknowledgement number (meaningful with the ACK flag).
func (t TCP) Ack() uint32 { return binary.BigEndian.Uint32(t.tcp[8:]) }

// Payload is the TCP payload.
func (t TCP) Payload() []byte { return t.payload }

// Find returns the first packet at or after from whose TCP payload holds
// sub, or -1.
func (c *Capture) Find(from int, sub []byte) int {
	for i := from; i < len(c.Packets); i++ {
		if t, ok := c.Split(i); ok && bytes.Contains(t.payload, sub) {
			return i
		}
	}
	return -1
}

// maxSegment is the payload of each inserted segment.
const maxSegment = 32 << 10

// InsertAfter inserts data into the direction of packet at, right after its
// payload, as segments of at most 32 KiB with packet at's headers (and its
// timestamp plus one microsecond each). Later packets of that direction
// move up by len(data); the other direction's acknowledgements of bytes
// after the insertion move with them.
func (c *Capture) InsertAfter(at int, data []byte) error {
	t, ok := c.Split(at)
	if !ok {
		return fmt.Errorf("pcapsplice: packet %d is not IPv4/TCP", at)
	}
	src, dst := t.SrcPort(), t.DstPort()
	after := t.Seq() + uint32(len(t.payload))
	hl := c.linkLen + len(t.ip) - len(t.tcp) + int(t.tcp[12]>>4)*4
	tmpl := c.Packets[at]
	var ins []Packet
	seq := after
	us := binary.LittleEndian.Uint32(tmpl.Hdr[4:])
	sec := binary.LittleEndian.Uint32(tmpl.Hdr[0:])
	for off := 0; off < len(data); off += maxSegment {
		chunk := data[off:min(off+maxSegment, len(data))]
		d := append(append([]byte(nil), tmpl.Data[:hl]...), chunk...)
		p := Packet{Hdr: append([]byte(nil), tmpl.Hdr...), Data: d}
		us++
		if us >= 1000000 {
			us, sec = 0, sec+1
		}
		binary.LittleEndian.PutUint32(p.Hdr[0:], sec)
		binary.LittleEndian.PutUint32(p.Hdr[4:], us)
		binary.LittleEndian.PutUint32(p.Hdr[8:], uint32(len(d)))
		binary.LittleEndian.PutUint32(p.Hdr[12:], uint32(len(d)))
		ip := d[c.linkLen:]
		tcp := ip[len(t.ip)-len(t.tcp):]
		binary.BigEndian.PutUint32(tcp[4:], seq)
		seq += uint32(len(chunk))
		ins = append(ins, p)
	}
	n := uint32(len(data))
	for i := at + 1; i < len(c.Packets); i++ {
		u, ok := c.Split(i)
		if !ok {
			continue
		}
		switch {
		case u.SrcPort() == src && u.DstPort() == dst:
			if s := u.Seq(); int32(s-after) >= 0 {
				binary.BigEndian.PutUint32(u.tcp[4:], s+n)
			}
		case u.SrcPort() == dst && u.DstPort() == src && u.tcp[13]&0x10 != 0:
			if a := u.Ack(); int32(a-after) > 0 {
				binary.BigEndian.PutUint32(u.tcp[8:], a+n)
			}
		default:
			continue
		}
		c.fix(i)
	}
	c.Packets = append(c.Packets[:at+1], append(ins, c.Packets[at+1:]...)...)
	for i := range ins {
		c.fix(at + 1 + i)
	}
	return nil
}

// CopyConn appends a copy of every packet of the connection on client
// port port with the client port changed to newPort, keeping timestamps,
// so the copy runs alongside the original. Packets stay in time order.
func (c *Capture) CopyConn(port, newPort uint16) {
	var out []Packet
	for i := range c.Packets {
		out = append(out, c.Packets[i])
		t, ok := c.Split(i)
		if !ok || t.SrcPort() != port && t.DstPort() != port {
			continue
		}
		p := Packet{Hdr: append([]byte(nil), c.Packets[i].Hdr...), Data: append([]byte(nil), c.Packets[i].Data...)}
		out = append(out, p)
		j := len(out) - 1
		cp := &Capture{linkLen: c.linkLen, Packets: out}
		u, _ := cp.Split(j)
		if u.SrcPort() == port {
			binary.BigEndian.PutUint16(u.tcp[0:], newPort)
		} else {
			binary.BigEndian.PutUint16(u.tcp[2:], newPort)
		}
		cp.fix(j)
	}
	c.Packets = out
}

// Truncate keeps the first n packets.
func (c *Capture) Truncate(n int) {
	if n < len(c.Packets) {
		c.Packets = c.Packets[:n]
	}
}

// fix recomputes packet i's IPv4 total length and both checksums.
func (c *Capture) fix(i int) {
	ipb := c.Packets[i].Data[c.linkLen:]
	ihl := int(ipb[0]&15) * 4
	total := len(ipb)
	binary.BigEndian.PutUint16(ipb[2:], uint16(total))
	ipb[10], ipb[11] = 0, 0
	binary.BigEndian.PutUint16(ipb[10:], checksum(ipb[:ihl], 0))
	tcp := ipb[ihl:total]
	tcp[16], tcp[17] = 0, 0
	var pseudo uint32
	for k := 12; k < 20; k += 2 {
		pseudo += uint32(binary.BigEndian.Uint16(ipb[k:]))
	}
	pseudo += 6 + uint32(len(tcp))
	binary.BigEndian.PutUint16(tcp[16:], checksum(tcp, pseudo))
}

func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
