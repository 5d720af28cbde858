package rtmpe

import (
	"crypto/hmac"
	"crypto/sha256"
)

// The digest keys' public prefixes (what librtmp and Flash use for C1 and
// S1 digests).
var (
	playerKey = []byte("Genuine Adobe Flash Player 001")
	serverKey = []byte("Genuine Adobe Flash Media Server 001")
)

const sigSize = 1536

// Half is what C1 or S1 says.
type Half struct {
	Time, Version uint32
	// Scheme is 0 or 1 when the digest validated at that scheme's offset,
	// -1 when neither did.
	Scheme       int
	DigestOffset int
	// DHOffset is where the 128-byte Diffie-Hellman public key sits (the
	// scheme's place; for an unvalidated digest the client's scheme, or
	// scheme 1 as librtmp uses for RTMPE).
	DHOffset int
	DHPublic []byte
}

func sum4(b []byte) int { return int(b[0]) + int(b[1]) + int(b[2]) + int(b[3]) }

// digestOffset: scheme 0 puts the digest after bytes 8..11, scheme 1 after
// 772..775.
func digestOffset(p []byte, scheme int) int {
	if scheme == 0 {
		return sum4(p[8:12])%728 + 12
	}
	return sum4(p[772:776])%728 + 776
}

// dhOffset: scheme 0 puts the public key by bytes 1532..1535 in
// 772..1535, scheme 1 by bytes 768..771 in 8..767.
func dhOffset(p []byte, scheme int) int {
	if scheme == 0 {
		return sum4(p[1532:1536])%632 + 772
	}
	return sum4(p[768:772])%632 + 8
}

func digestValid(p []byte, off int, key []byte) bool {
	m := hmac.New(sha256.New, key)
	m.Write(p[:off])
	m.Write(p[off+32:])
	return hmac.Equal(m.Sum(nil), p[off:off+32])
}

// ParseHalf decodes C1 or S1 (1536 bytes). server selects the FMS key;
// hint is the scheme to assume when no digest validates (-1: 1).
func ParseHalf(p []byte, server bool, hint int) Half {
	h := Half{Scheme: -1}
	if len(p) < sigSize {
		return h
	}
	h.Time = uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
	h.Version = uint32(p[4])<<24 | uint32(p[5])<<16 | uint32(p[6])<<8 | uint32(p[7])
	key := playerKey
	if server {
		key = serverKey
	}
	for _, s := range []int{1, 0} {
		if off := digestOffset(p, s); digestValid(p, off, key) {
			h.Scheme, h.DigestOffset = s, off
			break
		}
	}
	s := h.Scheme
	if s < 0 {
		s = hint
		if s < 0 {
			s = 1
		}
	}
	h.DHOffset = dhOffset(p, s)
	h.DHPublic = append([]byte(nil), p[h.DHOffset:h.DHOffset+128]...)
	return h
}

// rc4Key derives one direction's RC4 key: HMAC-SHA256(shared secret, the
// other side's public key)[0:16].
func rc4Key(secret, otherPub []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(otherPub)
	return m.Sum(nil)[:16]
}
