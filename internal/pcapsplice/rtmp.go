package pcapsplice

import "encoding/binary"

// RTMP chunk builders for the bytes a derivation inserts. They write what
// a peer writes (fmt 0 headers, one chunk per message after a Set Chunk
// Size large enough), so the insertion is framed like the real stream.

// Message encodes one message as a single fmt-0 chunk on chunk stream
// csid with message stream msid (the chunk size in force must be at least
// len(body)).
func Message(csid byte, typ byte, msid uint32, ts uint32, body []byte) []byte {
	h := []byte{csid & 0x3f, byte(ts >> 16), byte(ts >> 8), byte(ts), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body)), typ}
	h = binary.LittleEndian.AppendUint32(h, msid)
	return append(h, body...)
}

// Header encodes a fmt-0 chunk header that claims length bytes of type typ
// (no payload: the claim is what a test is about).
func Header(csid byte, typ byte, msid uint32, ts uint32, length uint32) []byte {
	h := []byte{csid & 0x3f, byte(ts >> 16), byte(ts >> 8), byte(ts), byte(length >> 16), byte(length >> 8), byte(length), typ}
	return binary.LittleEndian.AppendUint32(h, msid)
}

// SetChunkSize is a Set Chunk Size message (csid 2, msid 0).
func SetChunkSize(n uint32) []byte {
	return Message(2, 1, 0, 0, binary.BigEndian.AppendUint32(nil, n))
}
