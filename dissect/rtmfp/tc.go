package rtmfp

import (
	"encoding/binary"
	"errors"
)

// TC flow metadata flags (RFC 7425 §5.1.3).
const (
	tcFlagStreamID   = 0x04
	tcFlagRxiNetwork = 0x01
)

// TCMetadata is the metadata of an RFC 7425 flow: 'T' 'C', flags, and the
// RTMP message stream id the flow's messages belong to.
type TCMetadata struct {
	StreamID uint32
	// NetworkOrder is the receive intent "network order" (media the
	// sender wants played as it arrives); else original order.
	NetworkOrder bool
}

// ParseTCMetadata decodes flow metadata; ok is false for flows that are
// not RFC 7425 TC flows.
func ParseTCMetadata(b []byte) (TCMetadata, bool) {
	if len(b) < 4 || b[0] != 'T' || b[1] != 'C' || b[2]&tcFlagStreamID == 0 {
		return TCMetadata{}, false
	}
	id, _, err := readVLU(b[3:])
	if err != nil || id > 0xffffffff {
		return TCMetadata{}, false
	}
	return TCMetadata{StreamID: uint32(id), NetworkOrder: b[2]&tcFlagRxiNetwork != 0}, true
}

// errTCMessage is a flow message shorter than its 5-byte header.
var errTCMessage = errors.New("rtmfp: flow message shorter than its type and timestamp")

// ParseTCMessage splits a TC flow message (RFC 7425 §5.1.2): an RTMP
// message type, a 32-bit timestamp, and the body as RTMP carries it.
func ParseTCMessage(b []byte) (typ uint8, ts uint32, body []byte, err error) {
	if len(b) < 5 {
		return 0, 0, nil, errTCMessage
	}
	return b[0], binary.BigEndian.Uint32(b[1:5]), b[5:], nil
}
