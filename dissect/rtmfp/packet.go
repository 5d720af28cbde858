package rtmfp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// DefaultKey is the AES-128 key of every handshake packet (RFC 7425 §4.1):
// anyone can read the handshake, which is why detection can rely on it.
var DefaultKey = []byte("Adobe Systems 02")

// Header flag bits (RFC 7016 §2.2.4).
const (
	FlagTimeCritical        = 0x80
	FlagTimeCriticalReverse = 0x40
	FlagTimestamp           = 0x08
	FlagTimestampEcho       = 0x04
	modeMask                = 0x03
)

// Packet modes: who sent the packet.
const (
	ModeInitiator = 1
	ModeResponder = 2
	ModeStartup   = 3
)

// The ways a datagram fails to be an RTMFP packet under a given key.
var (
	ErrShort    = errors.New("rtmfp: datagram too short")
	ErrAlign    = errors.New("rtmfp: ciphertext not a multiple of 16 bytes")
	ErrHMAC     = errors.New("rtmfp: HMAC does not verify")
	ErrChecksum = errors.New("rtmfp: checksum does not verify")
	ErrHeader   = errors.New("rtmfp: bad packet header")
)

// minDatagram is a scrambled session id and one cipher block.
const minDatagram = 4 + aes.BlockSize

// SessionID unscrambles the session id of a datagram (RFC 7016 §2.2.1):
// the first word XOR the next two (missing bytes count as zero). Words
// are read big-endian; XOR does not care, and the ids in IIKeying and
// RIKeying are read the same way.
func SessionID(d []byte) uint32 {
	var w [12]byte
	copy(w[:], d)
	return binary.BigEndian.Uint32(w[0:]) ^ binary.BigEndian.Uint32(w[4:]) ^ binary.BigEndian.Uint32(w[8:])
}

// Integrity is how a direction's packets are protected once the session
// keys are in use (RFC 7425 §4.6.5): a 16-bit checksum (HMACLen 0) or an
// HMAC-SHA256 trailer truncated to HMACLen bytes, each optionally with a
// session sequence number in front of the packet.
type Integrity struct {
	HMACLen int
	SSeq    bool
}

// String names the mode as the outputs do.
func (in Integrity) String() string {
	s := "checksum"
	if in.HMACLen > 0 {
		s = "hmac"
	}
	if in.SSeq {
		s += "+sseq"
	}
	return s
}

// Packet is a decrypted and verified RTMFP packet.
type Packet struct {
	SessionID uint32
	// SSeq is the session sequence number when the mode has one.
	SSeq    uint64
	HasSSeq bool
	Flags   byte
	// Timestamp and TimestampEcho are in 4 ms ticks (RFC 7016 §2.2.4).
	Timestamp     uint16
	TimestampEcho uint16
	// Chunks is the chunk area: everything after the header, padding
	// included (chunk.go walks it).
	Chunks []byte
	// Plain is the whole decrypted packet (without HMAC), for hex views.
	Plain []byte
}

// Mode is the sender's role: ModeInitiator, ModeResponder or ModeStartup.
func (p *Packet) Mode() int { return int(p.Flags & modeMask) }

// HasTimestamp reports whether the header carries a timestamp.
func (p *Packet) HasTimestamp() bool { return p.Flags&FlagTimestamp != 0 }

// HasEcho reports whether the header carries a timestamp echo.
func (p *Packet) HasEcho() bool { return p.Flags&FlagTimestampEcho != 0 }

// Cipher decrypts one direction's packets under one key. It keeps its
// buffer, so a Packet's slices are valid until the next Open.
type Cipher struct {
	dec  cipher.Block
	cbc  cipher.BlockMode // reused: every packet starts from a zero IV
	mac  hash.Hash        // nil: no HMAC key
	sum  []byte
	buf  []byte
	zero [aes.BlockSize]byte
}

// NewCipher makes a Cipher for an AES-128 key and, optionally, the
// HMAC-SHA256 key of the direction.
func NewCipher(key, hmacKey []byte) (*Cipher, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("rtmfp: key: %w", err)
	}
	c := &Cipher{dec: b}
	c.cbc = cipher.NewCBCDecrypter(b, c.zero[:])
	if len(hmacKey) > 0 {
		c.mac = hmac.New(sha256.New, hmacKey)
	}
	return c, nil
}

// NewDefaultCipher makes the Cipher of handshake packets.
func NewDefaultCipher() *Cipher {
	c, _ := NewCipher(DefaultKey, nil)
	return c
}

// CanHMAC reports whether the cipher has an HMAC key.
func (c *Cipher) CanHMAC() bool { return c.mac != nil }

// Open decrypts and verifies datagram d (scrambled session id first)
// under the integrity mode in. Handshake packets use Integrity{} (the
// checksum, no sequence number).
func (c *Cipher) Open(d []byte, in Integrity) (Packet, error) {
	var p Packet
	if len(d) < minDatagram {
		return p, ErrShort
	}
	p.SessionID = SessionID(d)
	ct := d[4:]
	if in.HMACLen > 0 {
		if c.mac == nil || len(ct) < in.HMACLen+aes.BlockSize {
			return p, ErrHMAC
		}
		tag := ct[len(ct)-in.HMACLen:]
		ct = ct[:len(ct)-in.HMACLen]
		c.mac.Reset()
		c.mac.Write(ct)
		c.sum = c.mac.Sum(c.sum[:0])
		if !hmac.Equal(c.sum[:in.HMACLen], tag) {
			return p, ErrHMAC
		}
	}
	if len(ct)%aes.BlockSize != 0 {
		return p, ErrAlign
	}
	if cap(c.buf) < len(ct) {
		c.buf = make([]byte, len(ct))
	}
	pt := c.buf[:len(ct)]
	if iv, ok := c.cbc.(interface{ SetIV([]byte) }); ok {
		iv.SetIV(c.zero[:])
	} else {
		c.cbc = cipher.NewCBCDecrypter(c.dec, c.zero[:])
	}
	c.cbc.CryptBlocks(pt, ct)
	p.Plain = pt
	rest := pt
	if in.SSeq {
		v, n, err := readVLU(rest)
		if err != nil {
			return p, ErrHeader
		}
		p.SSeq, p.HasSSeq = v, true
		rest = rest[n:]
	}
	if in.HMACLen == 0 {
		if len(rest) < 2 {
			return p, ErrChecksum
		}
		if binary.BigEndian.Uint16(rest) != inCksum(rest[2:]) {
			return p, ErrChecksum
		}
		rest = rest[2:]
	}
	if len(rest) < 1 {
		return p, ErrHeader
	}
	p.Flags = rest[0]
	rest = rest[1:]
	if p.Flags&modeMask == 0 {
		return p, ErrHeader
	}
	if p.HasTimestamp() {
		if len(rest) < 2 {
			return p, ErrHeader
		}
		p.Timestamp = binary.BigEndian.Uint16(rest)
		rest = rest[2:]
	}
	if p.HasEcho() {
		if len(rest) < 2 {
			return p, ErrHeader
		}
		p.TimestampEcho = binary.BigEndian.Uint16(rest)
		rest = rest[2:]
	}
	p.Chunks = rest
	return p, nil
}
