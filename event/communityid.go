package event

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
)

// CommunityID returns the Community ID v1 (seed 0) of a flow's 5-tuple, the
// join key that Zeek, Suricata, Arkime and Packetbeat share
// (github.com/corelight/community-id-spec): "1:" and the base64 of a SHA-1
// over the seed, the two endpoints in a fixed order, the IP protocol and a
// padding byte. An HTTP-tunnel session hashes as the TCP flow of its
// client and server endpoints.
func CommunityID(t Transport, a, b Endpoint) string {
	proto := uint8(6)
	if t == TransportUDP {
		proto = 17
	}
	return communityID(0, proto, a, b)
}

func communityID(seed uint16, proto uint8, a, b Endpoint) string {
	aa, ba := a.Addr().Unmap(), b.Addr().Unmap()
	if !aa.IsValid() || !ba.IsValid() || aa.Is4() != ba.Is4() {
		return ""
	}
	ap, bp := a.Port(), b.Port()
	// The smaller address (then port) goes first, so both directions of a
	// flow hash alike.
	if c := aa.Compare(ba); c > 0 || (c == 0 && ap > bp) {
		aa, ba, ap, bp = ba, aa, bp, ap
	}
	buf := make([]byte, 0, 2+16+16+2+4)
	buf = binary.BigEndian.AppendUint16(buf, seed)
	buf = append(buf, aa.AsSlice()...)
	buf = append(buf, ba.AsSlice()...)
	buf = append(buf, proto, 0)
	buf = binary.BigEndian.AppendUint16(buf, ap)
	buf = binary.BigEndian.AppendUint16(buf, bp)
	sum := sha1.Sum(buf)
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}
