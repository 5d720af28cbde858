package event

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
)

// UID returns a connection's uid: "C" and 17 base-62 digits of a SHA-256
// over its Community ID, the capture time of its first packet (ns) and its
// endpoints as oriented. It is unique across captures and hosts as Zeek's
// is, and unlike Zeek's it is the same when the same capture is analysed
// again, so outputs of two runs join.
func UID(info *ConnInfo) string {
	h := sha256.New()
	h.Write([]byte(info.CommunityID))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(info.FirstSeen.UnixNano()))
	h.Write(b[:])
	h.Write([]byte(info.Client.String()))
	h.Write([]byte{0})
	h.Write([]byte(info.Server.String()))
	h.Write([]byte{byte(info.Transport)})
	sum := h.Sum(nil)
	n := new(big.Int).SetBytes(sum[:13]) // 104 bits, as many as 17 base-62 digits hold
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := make([]byte, 18)
	out[0] = 'C'
	base := big.NewInt(62)
	m := new(big.Int)
	for i := 17; i >= 1; i-- {
		n.DivMod(n, base, m)
		out[i] = digits[m.Int64()]
	}
	return string(out)
}
