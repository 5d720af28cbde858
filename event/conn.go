package event

import (
	"net/netip"
	"time"
)

// Endpoint is one side of a connection: an address and a port.
type Endpoint = netip.AddrPort

// ConnInfo is a connection's identity, settled when the flow router has
// decided what the connection is (its first bytes, or its end).
type ConnInfo struct {
	ID          ConnID
	Client      Endpoint // side believed to be the client
	Server      Endpoint
	Transport   Transport
	Variant     Variant
	Orientation Orientation // how client and server were told apart
	// Layers names the protocols stacked from the transport inwards, e.g.
	// ["tcp", "rtmp"] or ["tcp", "tls", "http", "rtmp"]. Stream offsets of
	// messages are offsets in the innermost byte stream.
	Layers []string
	// Outer names the encapsulation outside the connection's IP header,
	// outermost first: VLAN tags, MPLS labels, PPPoE, tunnels with their
	// outer IP headers ("802.1q 100", "ipv4 192.0.2.1>192.0.2.2",
	// "vxlan 42", "gtp-u 0x1f"; capture.Encap.String). Empty for a plain
	// packet. Taken from the connection's first packet.
	Outer []string
	// Evidence says why the router chose Variant, for people ("client sent
	// C0=3 and a 1536-byte C1").
	Evidence string
	// Rule is the sniffing rule that decided: "handshake", "port",
	// "chunk-headers", "http", "tls", "no-payload", ...
	Rule   string
	SawSYN bool // TCP: the three-way handshake's SYN was captured
	// FirstSeen and Frame are the capture time and number of the first
	// packet of the connection.
	FirstSeen time.Time
	Frame     uint64
	// UID is unique across captures and hosts (as Zeek's uid): the same
	// connection analysed twice gets the same one.
	UID string
	// CommunityID is the Community ID v1 hash of the 5-tuple, the join key
	// Zeek, Suricata, Arkime and Packetbeat share.
	CommunityID string
}

// DirStats counts one direction of a connection at the transport.
type DirStats struct {
	Packets    uint64 // segments or datagrams seen in this direction
	Bytes      int64  // payload bytes delivered in order, once
	GapBytes   int64  // bytes known to be missing (gaps of unknown size count 0)
	Gaps       int    // number of gap events
	Retrans    uint64 // TCP segments whose payload had already been delivered
	OutOfOrder uint64 // TCP segments that arrived ahead of a hole
	MidStream  bool   // the start of this direction was not captured
	// CloseFrame is the frame of this direction's first FIN or RST (0:
	// none): the direction with the lower one closed first. Reset says
	// it was a RST.
	CloseFrame uint64
	Reset      bool
}

// FlowStats is what the transport knows about a connection when it ends.
type FlowStats struct {
	LastSeen  time.Time
	LastFrame uint64
	Dir       [2]DirStats // indexed by Dir
	End       End
}

// Accounting says what each delivered byte of a direction was used for. On
// a clean capture Handshake+Header+Payload equals the bytes delivered.
type Accounting struct {
	Handshake int64 // C0/C1/C2 or S0/S1/S2
	Header    int64 // chunk basic, message and extended-timestamp headers
	Payload   int64 // chunk payload bytes
	Skipped   int64 // bytes passed over while resynchronising
	Encrypted int64 // bytes that could not be decrypted (RTMPE, TLS without keys)
	Pending   int64 // bytes of a header or message still incomplete at close
	Missing   int64 // bytes reported missing by gaps
}

// AckStats summarises the acknowledgement of one direction's bytes.
type AckStats struct {
	Window     uint32 // window announced by the sender of this direction (0: none)
	Acks       int    // acknowledgements the receiver sent
	LastAck    uint32 // last sequence number acknowledged
	MaxUnacked int64  // most bytes seen outstanding without an acknowledgement
}

// ConnEvent is a connection opening (Closed false) or closing (Closed
// true). The router fills Info and Stats; the protocol handler fills the
// rest of a closing event.
type ConnEvent struct {
	Closed bool
	Info   ConnInfo
	// The remaining fields are filled on close.
	RTMP      bool // some RTMP was recognised
	MidStream bool // at least one direction was joined mid-stream
	First     time.Time
	Last      time.Time
	Stats     *FlowStats
	Bytes     [2]int64      // per direction, as delivered to the innermost layer
	Account   [2]Accounting // where every byte went, per direction
	Messages  [2]int        // messages emitted per direction
	Acks      [2]AckStats   // acknowledgements of each direction's bytes
	// TLS is the connection's TLS session (RTMPS, RTMPTS; nil otherwise),
	// on the open event too (event/tls.go).
	TLS *TLSInfo
}
