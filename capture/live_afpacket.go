//go:build linux && !pcap

package capture

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// afpacketSource captures with Linux AF_PACKET (TPACKET_V3 ring), no cgo.
// Every interface on "any" is read with its link-layer header, which this
// build assumes to be Ethernet (true of loopback, Ethernet, veth and bridges;
// not of tun devices — use the libpcap build for those).
type afpacketSource struct {
	tp    *afpacket.TPacket
	frame uint64
	last  LiveStats
}

// OpenLive starts capturing on an interface ("any" for all).
func OpenLive(o LiveOptions) (LiveSource, error) {
	snap := o.Snaplen
	if snap <= 0 {
		snap = defaultSnaplen
	}
	// Frames in the ring must hold a whole packet up to the snap length
	// plus the TPACKET header, and a block must hold a whole number of
	// frames: powers of two satisfy both.
	frame := 1 << 11
	for frame < snap+128 {
		frame <<= 1
	}
	block := max(1<<20, frame)
	opts := []interface{}{
		afpacket.OptFrameSize(frame),
		afpacket.OptBlockSize(block),
		afpacket.OptNumBlocks(64),
		afpacket.OptPollTimeout(200 * time.Millisecond),
		afpacket.OptAddVLANHeader(true),
	}
	lo := 0
	if o.Interface != "" && o.Interface != "any" {
		ifc, err := net.InterfaceByName(o.Interface)
		if err != nil {
			return nil, fmt.Errorf("interface %q: %w", o.Interface, err)
		}
		opts = append(opts, afpacket.OptInterface(o.Interface))
		if ifc.Flags&net.FlagLoopback != 0 {
			lo = ifc.Index
		}
	} else if ifs, err := net.Interfaces(); err == nil {
		for _, ifc := range ifs {
			if ifc.Flags&net.FlagLoopback != 0 {
				lo = ifc.Index
			}
		}
	}
	tp, err := afpacket.NewTPacket(opts...)
	if err != nil {
		return nil, fmt.Errorf("capture on %q: %w (capturing needs root or CAP_NET_RAW)", o.Interface, err)
	}
	prog, err := bpf.Assemble(withLoopbackDedup(o.Filter, lo, snap))
	if err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture filter: %w", err)
	}
	if err := tp.SetBPF(prog); err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture filter: %w", err)
	}
	return &afpacketSource{tp: tp}, nil
}

// withLoopbackDedup puts a prologue before the user's filter that drops the
// outgoing copy of each loopback packet: AF_PACKET sees every loopback
// packet twice, leaving and arriving, where libpcap (and so tcpdump) shows
// it once.
func withLoopbackDedup(filter []bpf.Instruction, loIndex, snap int) []bpf.Instruction {
	const packetOutgoing = 4 // PACKET_OUTGOING in linux/if_packet.h
	prog := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtInterfaceIndex},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(loIndex), SkipFalse: 3},
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: packetOutgoing, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
	}
	if len(filter) == 0 {
		return append(prog, bpf.RetConstant{Val: uint32(snap)})
	}
	return append(prog, filter...)
}

func (s *afpacketSource) Next() (Packet, error) {
	data, ci, err := s.tp.ZeroCopyReadPacketData()
	if err != nil {
		if errors.Is(err, afpacket.ErrTimeout) {
			return Packet{}, ErrTimeout
		}
		return Packet{}, err
	}
	s.frame++
	ci.AncillaryData = nil
	return Packet{Frame: s.frame, Info: ci, LinkType: layers.LinkTypeEthernet, Data: data}, nil
}

func (s *afpacketSource) LinkType() layers.LinkType { return layers.LinkTypeEthernet }

func (s *afpacketSource) Stats() LiveStats {
	// The kernel resets its counters on every read; gopacket keeps the
	// running totals.
	// Only the counters of the ring's TPACKET version (3, or 2 when the
	// kernel refused 3) are kept; the other stay zero.
	v2, v3, err := s.tp.SocketStats()
	if err == nil {
		s.last.Received = uint64(v3.Packets()) + uint64(v2.Packets())
		s.last.Dropped = uint64(v3.Drops()) + uint64(v2.Drops())
	}
	s.last.Delivered = s.frame
	return s.last
}

func (s *afpacketSource) Close() error {
	s.tp.Close()
	return nil
}

// LiveFilterInKernel says the backend compiles FilterExpr itself; this one
// takes the compiled Filter.
const LiveFilterInKernel = false
