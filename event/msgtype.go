package event

import "fmt"

// MsgType is an RTMP message type id as on the wire. Its names — the one
// tshark prints, the short one of one-line views, the JSON key of the body
// — come from the registry below and nowhere else.
type MsgType uint8

// The RTMP message types (RTMP specification §5.4, §7.1).
const (
	TypeSetChunkSize     MsgType = 1
	TypeAbort            MsgType = 2
	TypeAck              MsgType = 3
	TypeUserControl      MsgType = 4
	TypeWindowAckSize    MsgType = 5
	TypeSetPeerBandwidth MsgType = 6
	TypeAudio            MsgType = 8
	TypeVideo            MsgType = 9
	TypeDataAMF3         MsgType = 15
	TypeSharedObjAMF3    MsgType = 16
	TypeCommandAMF3      MsgType = 17
	TypeDataAMF0         MsgType = 18
	TypeSharedObjAMF0    MsgType = 19
	TypeCommandAMF0      MsgType = 20
	TypeAggregate        MsgType = 22
)

// msgTypeInfo is one row of the registry.
type msgTypeInfo struct {
	name  string // tshark's RTMPT dissector's name, so outputs compare line by line
	short string // the compact name of the text view and the TUI timeline
	key   string // the JSON "type" and the key of the body object
}

var msgTypes = [...]msgTypeInfo{
	TypeSetChunkSize:     {"Set Chunk Size", "SCS", "set_chunk_size"},
	TypeAbort:            {"Abort Message", "Abort", "abort"},
	TypeAck:              {"Acknowledgement", "Ack", "acknowledgement"},
	TypeUserControl:      {"User Control Message", "UCM", "user_control"},
	TypeWindowAckSize:    {"Window Acknowledgement Size", "WAS", "window_ack_size"},
	TypeSetPeerBandwidth: {"Set Peer Bandwidth", "SPB", "set_peer_bandwidth"},
	TypeAudio:            {"Audio Data", "Audio", "audio"},
	TypeVideo:            {"Video Data", "Video", "video"},
	TypeDataAMF3:         {"AMF3 Data", "Data3", "data"},
	TypeSharedObjAMF3:    {"AMF3 Shared Object", "SO3", "shared_object"},
	TypeCommandAMF3:      {"AMF3 Command", "Cmd3", "command"},
	TypeDataAMF0:         {"AMF0 Data", "Data", "data"},
	TypeSharedObjAMF0:    {"AMF0 Shared Object", "SO", "shared_object"},
	TypeCommandAMF0:      {"AMF0 Command", "Cmd", "command"},
	TypeAggregate:        {"Aggregate", "Aggr", "aggregate"},
}

// Known reports whether the RTMP specification defines the type.
func (t MsgType) Known() bool { return int(t) < len(msgTypes) && msgTypes[t].name != "" }

// Name is the type's name as tshark prints it ("AMF0 Command"), or
// "Unknown (0xNN)".
func (t MsgType) Name() string {
	if t.Known() {
		return msgTypes[t].name
	}
	return fmt.Sprintf("Unknown (0x%x)", uint8(t))
}

// String returns Name.
func (t MsgType) String() string { return t.Name() }

// Short is the compact name of one-line views ("Cmd", "Video", "T7").
func (t MsgType) Short() string {
	if t.Known() {
		return msgTypes[t].short
	}
	return fmt.Sprintf("T%d", uint8(t))
}

// Key is the machine name the JSON export writes as "type" and uses as the
// key of the body object ("command", "video"); "unknown" for undefined ids.
// Display filters use the same names.
func (t MsgType) Key() string {
	if t.Known() {
		return msgTypes[t].key
	}
	return "unknown"
}

// IsAMF3 reports whether the type's body starts with the AMF3 format byte
// (15, 16, 17).
func (t MsgType) IsAMF3() bool {
	return t == TypeDataAMF3 || t == TypeSharedObjAMF3 || t == TypeCommandAMF3
}

// IsControl reports whether the type is a protocol control message (1, 2,
// 3, 5, 6), decoded in the chunk layer because it changes the framing.
func (t MsgType) IsControl() bool {
	switch t {
	case TypeSetChunkSize, TypeAbort, TypeAck, TypeWindowAckSize, TypeSetPeerBandwidth:
		return true
	}
	return false
}

// MsgTypeKeys lists every value Key returns, in registry order, for schemas
// and tests.
func MsgTypeKeys() []string {
	var out []string
	seen := map[string]bool{}
	for _, i := range msgTypes {
		if i.key != "" && !seen[i.key] {
			seen[i.key] = true
			out = append(out, i.key)
		}
	}
	return append(out, "unknown")
}
