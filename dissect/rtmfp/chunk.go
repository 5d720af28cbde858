package rtmfp

import (
	"encoding/binary"
	"fmt"
)

// Chunk types (RFC 7016 §2.3, and rtmfp-cpp's experimental ECN report).
const (
	ChunkFragment     = 0x7f
	ChunkIHello       = 0x30
	ChunkFIHello      = 0x0f
	ChunkRHello       = 0x70
	ChunkRedirect     = 0x71
	ChunkCookieChange = 0x79
	ChunkIIKeying     = 0x38
	ChunkRIKeying     = 0x78
	ChunkPing         = 0x01
	ChunkPingReply    = 0x41
	ChunkUserData     = 0x10
	ChunkNextUserData = 0x11
	ChunkAckBitmap    = 0x50
	ChunkAckRanges    = 0x51
	ChunkBufferProbe  = 0x18
	ChunkException    = 0x5e
	ChunkClose        = 0x0c
	ChunkCloseAck     = 0x4c
	ChunkECNReport    = 0xec
	chunkPadding      = 0xff
)

var chunkNames = map[byte]string{
	ChunkFragment:     "Packet Fragment",
	ChunkIHello:       "IHello",
	ChunkFIHello:      "Forwarded IHello",
	ChunkRHello:       "RHello",
	ChunkRedirect:     "Responder Redirect",
	ChunkCookieChange: "RHello Cookie Change",
	ChunkIIKeying:     "IIKeying",
	ChunkRIKeying:     "RIKeying",
	ChunkPing:         "Ping",
	ChunkPingReply:    "Ping Reply",
	ChunkUserData:     "User Data",
	ChunkNextUserData: "Next User Data",
	ChunkAckBitmap:    "Bitmap Ack",
	ChunkAckRanges:    "Range Ack",
	ChunkBufferProbe:  "Buffer Probe",
	ChunkException:    "Flow Exception Report",
	ChunkClose:        "Session Close Request",
	ChunkCloseAck:     "Session Close Acknowledgement",
	ChunkECNReport:    "ECN Report (rtmfp-cpp, experimental)",
}

// ChunkName names a chunk type; types outside RFC 7016 get their number.
func ChunkName(t byte) string {
	if n, ok := chunkNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Unknown chunk 0x%02x", t)
}

// KnownChunk reports whether t is a chunk type this package names.
func KnownChunk(t byte) bool { _, ok := chunkNames[t]; return ok }

// Chunk is one chunk of a packet.
type Chunk struct {
	Type   byte
	Offset int // offset of the chunk's type byte in the chunk area
	Value  []byte
}

// Chunks walks a packet's chunk area. Err is set when a chunk claims more
// bytes than remain (RFC 7016 says to stop there; the sender is broken or
// the packet corrupt); trailing 0xff bytes are padding, not chunks.
type Chunks struct {
	b   []byte
	off int
	Err error
}

// NewChunks starts a walk of area.
func NewChunks(area []byte) Chunks { return Chunks{b: area} }

// Next returns the next chunk, or false at the end.
func (c *Chunks) Next() (Chunk, bool) {
	rest := c.b[c.off:]
	if len(rest) < 3 || rest[0] == chunkPadding {
		if len(rest) > 0 && !allPadding(rest) {
			c.Err = fmt.Errorf("rtmfp: %d stray bytes after the chunks at %d", len(rest), c.off)
		}
		return Chunk{}, false
	}
	n := int(binary.BigEndian.Uint16(rest[1:3]))
	if n > len(rest)-3 {
		c.Err = fmt.Errorf("rtmfp: %s chunk at %d claims %d bytes, %d remain", ChunkName(rest[0]), c.off, n, len(rest)-3)
		return Chunk{}, false
	}
	ch := Chunk{Type: rest[0], Offset: c.off, Value: rest[3 : 3+n]}
	c.off += 3 + n
	return ch, true
}

func allPadding(b []byte) bool {
	for _, x := range b {
		if x != chunkPadding {
			return false
		}
	}
	return true
}
