// Package reassembly turns captured TCP packets into each connection's two
// ordered byte streams, with a map from every byte back to the frame it came
// from and explicit events for the bytes that are missing. It wraps
// github.com/gopacket/gopacket/reassembly and knows nothing about RTMP.
package reassembly

import (
	"net/netip"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Direction is the way bytes travel on a connection, relative to the side
// that was decided to be the client: the event model's direction.
type Direction = event.Dir

// The directions, as the event model names them.
const (
	ClientToServer = event.C2S
	ServerToClient = event.S2C
)

// FrameRef says that a run of stream bytes came from one captured packet.
type FrameRef = event.FrameRef

// GapReason says why bytes are missing from a stream.
type GapReason = event.GapReason

// The gap reasons, as the event model names them.
const (
	GapLost      = event.GapLost
	GapMidStream = event.GapMidStream
	GapLimit     = event.GapLimit
)

// Gap reports that bytes are missing from a stream before Offset.
// Bytes is the count when the sequence numbers tell it, or -1 when they
// cannot (the start of a connection that was not captured).
type Gap struct {
	Offset int64 // stream offset at which delivery resumes
	Bytes  int64 // bytes missing before Offset, or -1 when unknown
	Reason GapReason
	Frame  uint64 // first frame after the gap
	Time   time.Time
}

// Endpoint is one side of a connection.
type Endpoint = netip.AddrPort

// ConnInfo describes a connection as it is known when it is opened; the
// orientation is settled from the SYN when it was captured, else from the
// server ports, else by a guess (see Oriented).
type ConnInfo struct {
	ID        uint64   // 1-based connection number, in order of first packet
	Client    Endpoint // side believed to be the client
	Server    Endpoint
	SawSYN    bool   // the three-way handshake's SYN was captured
	Oriented  string // how client/server was decided: "syn", "port", "guess"
	FirstSeen time.Time
	Frame     uint64 // first frame of the connection
	// Outer names the encapsulation of the first packet (VLAN, MPLS,
	// PPPoE, tunnels), outermost first; nil for a plain packet.
	Outer []string
}

// DirStats counts one direction of a connection.
type DirStats struct {
	Packets   uint64 // TCP segments seen in this direction
	Bytes     int64  // payload bytes delivered in order, once
	GapBytes  int64  // bytes known to be missing (gaps of unknown size count 0)
	Gaps      int    // number of gap events
	Retrans   uint64 // segments whose payload had already been delivered
	OutOfOrd  uint64 // segments that arrived ahead of a hole
	MidStream bool   // the start of this direction was not captured
	// CloseFrame is the frame of this direction's first FIN or RST (0:
	// none), so that who closed a connection first can be told; Reset
	// says it was a RST.
	CloseFrame uint64
	Reset      bool
}

// ConnStats is what is known about a connection when it ends.
type ConnStats struct {
	Info      ConnInfo
	LastSeen  time.Time
	LastFrame uint64
	Dir       [2]DirStats // indexed by Direction
	FIN, RST  bool        // how it ended, if it did
	TimedOut  bool        // closed because it was idle in capture time
	Truncated bool        // the capture ended with the connection still open
}

// Handler receives one connection's events, in order. Data and Gap for the
// two directions interleave in capture order. The data slice is only valid
// for the duration of the call: a handler copies what it keeps.
type Handler interface {
	Data(dir Direction, offset int64, data []byte, refs []FrameRef)
	Gap(dir Direction, g Gap)
	Close(stats ConnStats)
}

// HandlerFactory makes a Handler for each new connection.
type HandlerFactory interface {
	NewConnection(info ConnInfo) Handler
}
