package rtmfp

import (
	"fmt"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// handshakeChunk reports whether t is a chunk of the startup (default
// key) packets, and whether the initiator sends it.
func handshakeChunk(t byte) (ok, initiator bool) {
	switch t {
	case ChunkIHello, ChunkFIHello, ChunkIIKeying:
		return true, true
	case ChunkRHello, ChunkRIKeying, ChunkRedirect, ChunkCookieChange:
		return true, false
	}
	return false, false
}

// sniffStartup decides whether d is an RTMFP startup packet: it decrypts
// with the default key, its checksum verifies, its mode says startup and
// its first chunk is a handshake chunk whose length fits the packet. A
// random datagram passes the 16-bit checksum once in 65536 and the rest
// far less often.
func sniffStartup(c *Cipher, d []byte) (first byte, ok bool) {
	p, err := c.Open(d, Integrity{})
	if err != nil || p.Mode() != ModeStartup {
		return 0, false
	}
	cs := NewChunks(p.Chunks)
	ch, ok := cs.Next()
	if !ok {
		return 0, false
	}
	if hs, _ := handshakeChunk(ch.Type); !hs {
		return 0, false
	}
	return ch.Type, true
}

// sniffer returns the flow router's sniffer: RTMFP is proven by a first
// datagram that is a startup packet, or — for a session whose handshake
// was not captured — one that verifies under a key line's keys.
func sniffer(opts Options) func(h *flow.Head) flow.Verdict {
	return func(h *flow.Head) flow.Verdict {
		c := NewDefaultCipher()
		seen := false
		for _, d := range []event.Dir{event.C2S, event.S2C} {
			ds := h.Datagrams[d]
			if len(ds) == 0 {
				continue
			}
			seen = true
			t, ok := sniffStartup(c, ds[0])
			if !ok {
				continue
			}
			_, init := handshakeChunk(t)
			v := flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMFP, Rule: "default-key",
				Evidence: fmt.Sprintf("first datagram decrypts with RTMFP's default key to a startup packet (%s, checksum valid)", ChunkName(t))}
			// The initiator is the client; a capture that begins with the
			// responder's answer is turned round.
			v.Swap = init == (d == event.S2C)
			return v
		}
		// Trying every key line is dear: once on the first datagram, and
		// again when the router must decide.
		n := len(h.Datagrams[0]) + len(h.Datagrams[1])
		for _, d := range []event.Dir{event.C2S, event.S2C} {
			ds := h.Datagrams[d]
			if len(ds) == 0 || n > 1 && !h.Final {
				continue
			}
			if kl, mode, ok := trialKeys(opts.Keys, ds[0]); ok {
				return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMFP, Rule: "session-key",
					Evidence: fmt.Sprintf("first datagram verifies (%s) under the session keys of key file line %d; the handshake was not captured", mode, kl.Line)}
			}
		}
		if !seen || !h.Final && len(h.Datagrams[0])+len(h.Datagrams[1]) < 2 {
			return flow.Verdict{Decision: flow.NeedMore}
		}
		return flow.Verdict{Decision: flow.No}
	}
}

// trialModes are the integrity modes tried when the negotiation was not
// seen, most common first (rtmfp-cpp's default, then the checksum).
var trialModes = []Integrity{{HMACLen: 16, SSeq: true}, {}, {HMACLen: 16}, {SSeq: true}, {HMACLen: 10, SSeq: true}, {HMACLen: 10}}

// plausibleSession is what a session packet must look like beyond its
// integrity check, so that trying many keys on noise (a 16-bit checksum
// passes once in 65536) does not find sessions that are not there: sent
// by initiator or responder, reserved flag bits clear, a known first
// chunk and a clean chunk walk.
func plausibleSession(p *Packet) bool {
	if m := p.Mode(); (m != ModeInitiator && m != ModeResponder) || p.Flags&0x30 != 0 {
		return false
	}
	cs := NewChunks(p.Chunks)
	first := true
	for ch, ok := cs.Next(); ok; ch, ok = cs.Next() {
		if first && !KnownChunk(ch.Type) {
			return false
		}
		first = false
	}
	return !first && cs.Err == nil
}

// shapeFits reports whether a datagram's length can be a session packet:
// a session id, then whole cipher blocks, maybe an HMAC trailer.
func shapeFits(n int) bool {
	if n < minDatagram {
		return false
	}
	for _, mac := range []int{0, 16, 10} {
		if (n-4-mac) >= 16 && (n-4-mac)%16 == 0 {
			return true
		}
	}
	return false
}

// trialKeys tries every key of every line on d: sessions whose handshake
// is not in the capture are found this way.
func trialKeys(k *KeyLog, d []byte) (*KeyLine, Integrity, bool) {
	if !shapeFits(len(d)) {
		return nil, Integrity{}, false
	}
	for _, kl := range k.all() {
		for _, dk := range []dirKeys{{kl.Encrypt, kl.SendHMAC}, {kl.Decrypt, kl.RecvHMAC}} {
			c, err := NewCipher(dk.key, dk.hmacKey)
			if err != nil {
				continue
			}
			for _, m := range trialModes {
				if m.HMACLen > 0 && !c.CanHMAC() {
					continue
				}
				if p, err := c.Open(d, m); err == nil && plausibleSession(&p) {
					return kl, m, true
				}
			}
		}
	}
	return nil, Integrity{}, false
}
