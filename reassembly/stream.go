package reassembly

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	gpr "github.com/gopacket/gopacket/reassembly"
)

// stream is one connection as gopacket's reassembler sees it. It orients
// gopacket's directions, keeps the stream offsets, maps bytes back to frames
// and turns skipped bytes into Gap events.
type stream struct {
	a       *Assembler
	h       Handler
	flip    bool // gopacket's client-to-server is our server-to-client
	stats   ConnStats
	off     [2]int64 // stream offset of the next byte, per Direction
	started [2]bool
	refs    []FrameRef // reused between deliveries
	done    bool
}

func (s *stream) dir(d gpr.TCPFlowDirection) Direction {
	out := ClientToServer
	if d == gpr.TCPDirServerToClient {
		out = ServerToClient
	}
	if s.flip {
		out = out.Reverse()
	}
	return out
}

func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir gpr.TCPFlowDirection, nextSeq gpr.Sequence, start *bool, ac gpr.AssemblerContext) bool {
	if s.done {
		// The last ACK of a FIN exchange, or a RST after it: the
		// connection has been reported closed. Absorb them here rather than
		// let them look like a new connection joined mid-stream.
		s.a.stats.LatePackets++
		return false
	}
	d := s.dir(dir)
	st := &s.stats.Dir[d]
	st.Packets++
	s.stats.LastSeen = ci.Timestamp
	s.stats.LastFrame = frameOf(ci)
	if tcp.FIN {
		s.stats.FIN = true
	}
	if tcp.RST {
		s.stats.RST = true
	}
	if !s.started[d] {
		s.started[d] = true
		if !tcp.SYN {
			// The capture began after this direction's SYN: start from the
			// first byte we have, and say that what came before is unknown.
			*start = true
			st.MidStream = true
			st.Gaps++
			s.a.stats.Gaps++
			s.h.Gap(d, Gap{Offset: 0, Bytes: -1, Reason: GapMidStream, Frame: frameOf(ci), Time: ci.Timestamp})
		}
	}
	return true
}

func (s *stream) ReassembledSG(sg gpr.ScatterGather, ac gpr.AssemblerContext) {
	gdir, _, _, skip := sg.Info()
	d := s.dir(gdir)
	st := &s.stats.Dir[d]
	length, _ := sg.Lengths()
	gs := sg.Stats()
	st.Retrans += uint64(gs.OverlapPackets)
	st.OutOfOrd += uint64(gs.QueuedPackets)
	if skip != 0 {
		g := Gap{Bytes: int64(skip), Reason: GapLost}
		if skip < 0 {
			g.Bytes = -1
		}
		if !s.a.flushing {
			// Outside a flush, gopacket skips a hole only when a page
			// limit forces it to.
			g.Reason = GapLimit
			s.a.stats.LimitFlushes++
		}
		if g.Bytes > 0 {
			s.off[d] += g.Bytes
			st.GapBytes += g.Bytes
			s.a.stats.GapBytes += g.Bytes
		}
		g.Offset = s.off[d]
		ci := sg.CaptureInfo(0)
		g.Frame, g.Time = frameOf(ci), ci.Timestamp
		st.Gaps++
		s.a.stats.Gaps++
		s.h.Gap(d, g)
	}
	if length <= 0 {
		return
	}
	data := sg.Fetch(length)
	refs := s.frameRuns(sg, length, s.off[d])
	s.h.Data(d, s.off[d], data, refs)
	s.off[d] += int64(length)
	st.Bytes += int64(length)
}

// frameRuns splits the delivered bytes into runs that came from one frame.
// ScatterGather only answers "which packet holds byte i", so each run's end
// is found by binary search: a packet's bytes are contiguous in the stream.
func (s *stream) frameRuns(sg gpr.ScatterGather, length int, base int64) []FrameRef {
	refs := s.refs[:0]
	last := frameOf(sg.CaptureInfo(length - 1))
	for off := 0; off < length; {
		ci := sg.CaptureInfo(off)
		f := frameOf(ci)
		end := length
		if f != last {
			lo, hi := off, length-1 // frame(lo) == f, frame(hi) != f
			for hi-lo > 1 {
				mid := int(uint(lo+hi) >> 1)
				if frameOf(sg.CaptureInfo(mid)) == f {
					lo = mid
				} else {
					hi = mid
				}
			}
			end = hi
		}
		refs = append(refs, FrameRef{Offset: base + int64(off), Len: end - off, Frame: f, Time: ci.Timestamp})
		off = end
	}
	s.refs = refs
	return refs
}

func (s *stream) ReassemblyComplete(ac gpr.AssemblerContext) bool {
	if s.done {
		return true
	}
	s.done = true
	s.a.live--
	if s.a.flushing && !s.stats.FIN && !s.stats.RST {
		if s.a.finishing {
			s.stats.Truncated = true
			s.a.stats.OpenAtEnd++
		} else {
			s.stats.TimedOut = true
		}
	}
	if s.a.finishing {
		s.a.atEnd = append(s.a.atEnd, s)
		return true
	}
	s.h.Close(s.stats)
	// Keep the connection in gopacket's pool so that packets after the
	// close land in Accept above; it is removed when idle, and a new SYN
	// on the same ports still starts a new connection (port reuse).
	return false
}
