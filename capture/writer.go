package capture

import (
	"bufio"
	"fmt"
	"os"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// PcapngWriter writes packets to a pcapng file as they are read (-w), one
// interface block per link type seen, so a pcapng with mixed link types is
// written back faithfully.
type PcapngWriter struct {
	f     *os.File
	bw    *bufio.Writer
	w     *pcapgo.NgWriter
	ifs   map[layers.LinkType]int
	snap  uint32
	count uint64
}

// CreatePcapng creates path ("-" for standard output) for writing.
func CreatePcapng(path string, first layers.LinkType, snaplen int) (*PcapngWriter, error) {
	var f *os.File
	if path == "-" {
		f = os.Stdout
	} else {
		var err error
		if f, err = os.Create(path); err != nil {
			return nil, err
		}
	}
	if snaplen <= 0 {
		snaplen = defaultSnaplen
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	intf := pcapgo.DefaultNgInterface
	intf.LinkType = first
	intf.SnapLength = uint32(snaplen)
	w, err := pcapgo.NewNgWriterInterface(bw, intf, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &PcapngWriter{f: f, bw: bw, w: w, ifs: map[layers.LinkType]int{first: 0}, snap: uint32(snaplen)}, nil
}

// Write appends one packet.
func (p *PcapngWriter) Write(pkt Packet) error {
	id, ok := p.ifs[pkt.LinkType]
	if !ok {
		intf := pcapgo.DefaultNgInterface
		intf.LinkType = pkt.LinkType
		intf.SnapLength = p.snap
		var err error
		if id, err = p.w.AddInterface(intf); err != nil {
			return err
		}
		p.ifs[pkt.LinkType] = id
	}
	ci := pkt.Info
	ci.InterfaceIndex = id
	ci.AncillaryData = nil
	p.count++
	return p.w.WritePacket(ci, pkt.Data)
}

// Count is the number of packets written.
func (p *PcapngWriter) Count() uint64 { return p.count }

// Close flushes and closes the file.
func (p *PcapngWriter) Close() error {
	err := p.w.Flush()
	if e := p.bw.Flush(); err == nil {
		err = e
	}
	if p.f != os.Stdout {
		if e := p.f.Close(); err == nil {
			err = e
		}
	}
	return err
}
