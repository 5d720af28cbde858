//go:build pcap

package capture

import (
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// pcapSource captures with libpcap (cgo). Built with `-tags pcap`, it gives
// libpcap's full filter syntax and works on every platform libpcap does.
type pcapSource struct {
	h     *pcap.Handle
	frame uint64
}

// OpenLive starts capturing on an interface ("any" for all) with libpcap.
func OpenLive(o LiveOptions) (LiveSource, error) {
	snap := o.Snaplen
	if snap <= 0 {
		snap = defaultSnaplen
	}
	h, err := pcap.OpenLive(o.Interface, int32(snap), false, 200*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("capture on %q: %w", o.Interface, err)
	}
	if o.FilterExpr != "" {
		if err := h.SetBPFFilter(o.FilterExpr); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture filter: %w", err)
		}
	}
	return &pcapSource{h: h}, nil
}

func (s *pcapSource) Next() (Packet, error) {
	data, ci, err := s.h.ZeroCopyReadPacketData()
	if err == pcap.NextErrorTimeoutExpired {
		return Packet{}, ErrTimeout
	}
	if err != nil {
		return Packet{}, err
	}
	s.frame++
	return Packet{Frame: s.frame, Info: ci, LinkType: s.LinkType(), Data: data}, nil
}

func (s *pcapSource) LinkType() layers.LinkType { return layers.LinkType(s.h.LinkType()) }

func (s *pcapSource) Stats() LiveStats {
	st, err := s.h.Stats()
	if err != nil {
		return LiveStats{}
	}
	return LiveStats{Received: uint64(st.PacketsReceived), Dropped: uint64(st.PacketsDropped + st.PacketsIfDropped), Delivered: s.frame}
}

func (s *pcapSource) Close() error {
	s.h.Close()
	return nil
}

// LiveFilterInKernel says the backend compiles FilterExpr itself.
const LiveFilterInKernel = true
