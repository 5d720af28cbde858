package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// A mapped pcapng file is read by mappedNg as long as its blocks are what
// capture programs write: a section header, interface descriptions, and
// enhanced or simple packet blocks, each well formed. Their packets are
// handed out from the mapping (Stable), as for pcap; read through the
// block checker and pcapgo, every byte was copied four times, and reading
// a 365 MB pcapng file took 60% longer than the same capture as pcap.
//
// Other blocks (statistics, names, secrets, custom ones) are skipped once
// pcapgo has read them without complaint. At the first block it does not
// take (another section, the obsolete packet block, anything malformed or
// that pcapgo would find fault with) it hands the
// rest of the file to the ordinary reader: the block checker from that
// offset, behind the section's header and interface blocks so that pcapgo
// knows the interfaces. What that reader makes of the rest (a packet, a
// repair, an error naming the offset) is then exactly what it would have
// made of the whole file. The section header and interface blocks are
// parsed by pcapgo too (on their own bytes), so that interfaces, link
// types and time stamps are pcapgo's.
type mappedNg struct {
	win    *mappedWindow
	order  binary.ByteOrder
	prefix []byte // the section's header and interface blocks, as in the file
	ifaces []ngIface
	ancil  [1]interface{}
}

// ngIface is what a packet block needs of its interface, computed as
// pcapgo does.
type ngIface struct {
	linkType  layers.LinkType
	snapLen   uint32
	offset    uint64
	secondMsk uint64
	scaleUp   uint64
	scaleDown uint64
}

// Block types mappedNg takes.
const (
	ngIDB = 1
	ngPB  = 2 // the obsolete packet block: left to pcapgo
	ngSPB = 3
	ngEPB = 6
)

// newMappedNg starts reading the mapped pcapng file in win, or returns nil
// when its first block is not a section header pcapgo accepts.
func newMappedNg(win *mappedWindow) (*mappedNg, layers.LinkType) {
	b := win.data
	if len(b) < 28 || binary.LittleEndian.Uint32(b) != pcapngSHB {
		return nil, 0
	}
	m := &mappedNg{win: win}
	switch {
	case binary.LittleEndian.Uint32(b[8:]) == pcapngByteOrderBE:
		m.order = binary.LittleEndian
	case binary.BigEndian.Uint32(b[8:]) == pcapngByteOrderBE:
		m.order = binary.BigEndian
	default:
		return nil, 0
	}
	n, ok := m.wellFormed(b, pcapngSHB)
	if !ok {
		return nil, 0
	}
	m.prefix = append([]byte(nil), b[:n]...)
	ng, err := pcapgo.NewNgReader(bytes.NewReader(m.prefix), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		return nil, 0
	}
	win.Discard(n)
	return m, ng.LinkType()
}

// wellFormed says whether b starts with a whole block of type typ whose
// framing the block checker accepts, and returns its length.
func (m *mappedNg) wellFormed(b []byte, typ uint32) (int, bool) {
	if len(b) < 12 {
		return 0, false
	}
	n := m.order.Uint32(b[4:])
	if framing(typ, n) != "" || uint64(n) > uint64(len(b)) || m.order.Uint32(b[n-4:]) != n {
		return 0, false
	}
	return int(n), true
}

// next returns the next packet, io.EOF at the end, or ok false: the block
// at the reader's offset is for the ordinary reader (fallback).
func (m *mappedNg) next() (data []byte, ci gopacket.CaptureInfo, ok bool, err error) {
	for {
		b := m.win.data[m.win.off:]
		if len(b) == 0 {
			return nil, ci, true, io.EOF
		}
		if len(b) < 12 {
			return nil, ci, false, nil
		}
		typ := m.order.Uint32(b)
		n, good := m.wellFormed(b, typ)
		if !good {
			return nil, ci, false, nil
		}
		blk := b[:n]
		switch typ {
		case ngEPB:
			if data, ci, good = m.enhanced(blk); !good {
				return nil, ci, false, nil
			}
		case ngSPB:
			if data, ci, good = m.simple(blk); !good {
				return nil, ci, false, nil
			}
		case ngIDB:
			if !m.addInterface(blk) {
				return nil, ci, false, nil
			}
			m.win.Discard(n)
			continue
		case pcapngSHB, ngPB:
			return nil, ci, false, nil
		default:
			// Statistics, names, secrets, custom and unknown blocks
			// carry nothing a packet needs: skipped when pcapgo reads
			// them without complaint.
			if !m.harmless(blk) {
				return nil, ci, false, nil
			}
			m.win.Discard(n)
			continue
		}
		m.win.Discard(n)
		return data, ci, true, nil
	}
}

// enhanced reads an enhanced packet block as pcapgo does; false when pcapgo
// would find fault with it (the ordinary reader then reports it).
func (m *mappedNg) enhanced(blk []byte) ([]byte, gopacket.CaptureInfo, bool) {
	var ci gopacket.CaptureInfo
	if len(blk) < 32 {
		return nil, ci, false
	}
	id := m.order.Uint32(blk[8:])
	if uint64(id) >= uint64(len(m.ifaces)) {
		return nil, ci, false
	}
	caplen := uint64(m.order.Uint32(blk[20:]))
	end := 28 + caplen + (4-caplen&3)&3
	if end > uint64(len(blk)-4) || !m.optionsValid(blk[end:len(blk)-4]) {
		return nil, ci, false
	}
	ifc := &m.ifaces[id]
	ts := uint64(m.order.Uint32(blk[12:]))<<32 | uint64(m.order.Uint32(blk[16:]))
	ci.Timestamp = time.Unix(int64(ts/ifc.secondMsk+ifc.offset), int64(ts%ifc.secondMsk*ifc.scaleUp/ifc.scaleDown)).UTC()
	ci.CaptureLength = int(caplen)
	ci.Length = int(m.order.Uint32(blk[24:]))
	ci.InterfaceIndex = int(id)
	m.ancil[0] = ifc.linkType
	ci.AncillaryData = m.ancil[:]
	return blk[28 : 28+caplen : 28+caplen], ci, true
}

// simple reads a simple packet block as pcapgo does.
func (m *mappedNg) simple(blk []byte) ([]byte, gopacket.CaptureInfo, bool) {
	var ci gopacket.CaptureInfo
	if len(blk) < 16 || len(m.ifaces) == 0 {
		return nil, ci, false
	}
	ci.Length = int(m.order.Uint32(blk[8:]))
	caplen := uint64(uint32(ci.Length))
	if s := m.ifaces[0].snapLen; s != 0 && caplen > uint64(s) {
		caplen = uint64(s)
	}
	if 12+caplen+(4-caplen&3)&3 > uint64(len(blk)-4) {
		return nil, ci, false
	}
	ci.CaptureLength = int(caplen)
	m.ancil[0] = m.ifaces[0].linkType
	ci.AncillaryData = m.ancil[:]
	return blk[12 : 12+caplen : 12+caplen], ci, true
}

// optionsValid walks an enhanced packet block's options (o: what follows
// the packet data, up to the trailing length) as pcapgo's readOption
// consumes them: true when it reads them without an error and without
// running past the block.
func (m *mappedNg) optionsValid(o []byte) bool {
	for len(o) > 0 {
		if len(o) < 4 {
			return false
		}
		code, n := m.order.Uint16(o), int(m.order.Uint16(o[2:]))
		if code == 0 {
			return n == 0
		}
		n += (4 - n&3) & 3
		if 4+n > len(o) {
			return false
		}
		o = o[4+n:]
	}
	return true
}

// addInterface takes an interface description block: pcapgo parses the
// section's header and interfaces with it, and its interfaces are kept.
// False when pcapgo refuses it.
func (m *mappedNg) addInterface(blk []byte) bool {
	prefix := append(append([]byte(nil), m.prefix...), blk...)
	ng, err := pcapgo.NewNgReader(bytes.NewReader(prefix), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		return false
	}
	if _, _, err := ng.ZeroCopyReadPacketData(); err != io.EOF || ng.NInterfaces() != len(m.ifaces)+1 {
		return false
	}
	ifc, err := ng.Interface(len(m.ifaces))
	if err != nil {
		return false
	}
	x := ngIface{linkType: ifc.LinkType, snapLen: ifc.SnapLength, offset: ifc.TimestampOffset, scaleUp: 1, scaleDown: 1}
	res := ifc.TimestampResolution
	if res == 0 {
		res = 6
	}
	if res.Binary() {
		x.secondMsk = 1 << res.Exponent()
	} else {
		x.secondMsk = 1
		for range res.Exponent() {
			x.secondMsk *= 10
		}
	}
	if x.secondMsk == 0 {
		return false
	}
	if x.secondMsk < 1e9 {
		x.scaleUp = 1e9 / x.secondMsk
	} else {
		x.scaleDown = x.secondMsk / 1e9
	}
	m.prefix = prefix
	m.ifaces = append(m.ifaces, x)
	return true
}

// harmless says whether pcapgo reads blk, after the section's header and
// interfaces, without an error and without a packet.
func (m *mappedNg) harmless(blk []byte) bool {
	r := io.MultiReader(bytes.NewReader(m.prefix), bytes.NewReader(blk))
	ng, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		return false
	}
	_, _, err = ng.ZeroCopyReadPacketData()
	return err == io.EOF
}

// fallback hands the rest of the file, from the block at the reader's
// offset, to the block checker and pcapgo, behind the section's header
// and interface blocks.
// The window returned reads the rest (for progress and for dropping pages
// behind it).
func (m *mappedNg) fallback() (*pcapgo.NgReader, *ngBlockChecker, *mappedWindow, error) {
	rest := &mappedWindow{data: m.win.data, off: m.win.off, dropped: m.win.dropped, released: m.win.released}
	c := &ngBlockChecker{br: bufio.NewReaderSize(rest, readBuffer), order: m.order, off: int64(m.win.off)}
	ng, err := pcapgo.NewNgReader(io.MultiReader(bytes.NewReader(m.prefix), c), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	return ng, c, rest, err
}
