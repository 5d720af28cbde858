package export

import "github.com/rtmpscope/rtmpscope/dissect"

// messageTypes maps each RTMP message type id to the short snake_case name
// the JSON export writes as "type": the key of the message's body object
// (docs/json-schema.md). Display filters use the same names.
var messageTypes = map[uint8]string{
	dissect.TypeSetChunkSize:     "set_chunk_size",
	dissect.TypeAbort:            "abort",
	dissect.TypeAck:              "acknowledgement",
	dissect.TypeUserControl:      "user_control",
	dissect.TypeWindowAckSize:    "window_ack_size",
	dissect.TypeSetPeerBandwidth: "set_peer_bandwidth",
	dissect.TypeAudio:            "audio",
	dissect.TypeVideo:            "video",
	dissect.TypeDataAMF3:         "data",
	dissect.TypeSharedObjAMF3:    "shared_object",
	dissect.TypeCommandAMF3:      "command",
	dissect.TypeDataAMF0:         "data",
	dissect.TypeSharedObjAMF0:    "shared_object",
	dissect.TypeCommandAMF0:      "command",
	dissect.TypeAggregate:        "aggregate",
}

// MessageTypes lists every value MessageType returns, for schemas and tests.
func MessageTypes() []string {
	return []string{"set_chunk_size", "abort", "acknowledgement", "user_control", "window_ack_size",
		"set_peer_bandwidth", "audio", "video", "data", "shared_object", "command", "aggregate", "unknown"}
}

// MessageType is the JSON "type" of a message with type id id: a short
// machine-friendly name, "unknown" for ids RTMP does not define.
func MessageType(id uint8) string {
	if s, ok := messageTypes[id]; ok {
		return s
	}
	return "unknown"
}
