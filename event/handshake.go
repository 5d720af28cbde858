package event

import "time"

// HandshakeHalf is what one side sent as C1 or S1.
type HandshakeHalf struct {
	Present bool
	Time    uint32 // bytes 0..3
	Version uint32 // bytes 4..7: zero for the simple handshake, else a version
	// Scheme is 0 or 1 when a digest was found and validated at the offset
	// that scheme gives (bytes 8..11 or 772..775), -1 when none validated.
	Scheme       int
	DigestOffset int // offset of the 32-byte digest within C1/S1, when Scheme >= 0
	Digest       []byte
	Frame        uint64
	Time0, Time1 time.Time // capture times of the first and last byte
}

// EchoCheck is the result of checking C2 against S1 or S2 against C1.
type EchoCheck struct {
	Present bool
	// Kind is "echo" (bytes equal the peer's C1/S1, except time2),
	// "digest" (a digest-signed echo whose HMAC validated),
	// "digest-unverified" (digest handshake; the echo did not validate),
	// or "mismatch" (simple handshake, bytes differ).
	Kind  string
	Time  uint32 // bytes 0..3: the peer's time echoed
	Time2 uint32 // bytes 4..7
	Frame uint64
}

// Handshake describes the RTMP handshake of a connection.
type Handshake struct {
	C0, S0      int // version bytes, -1 when not seen
	Encrypted   bool
	C1, S1      HandshakeHalf
	C2, S2      EchoCheck
	Digest      bool          // a digest (Flash/FMS) handshake, rather than the simple one
	Complete    bool          // all six parts were seen
	ServerDelay time.Duration // C1's last byte to S0/S1's first byte
	ClientDelay time.Duration // S1's last byte to C2's first byte
	// RTT is the handshake round-trip estimate: ServerDelay when S0 was
	// seen, else ClientDelay.
	RTT time.Duration
	// RTMFP is set, instead of the RTMP fields, for an RTMFP session.
	RTMFP *RTMFPSession
}
