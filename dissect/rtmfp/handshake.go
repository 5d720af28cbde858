package rtmfp

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/rtmpscope/rtmpscope/event"
)

// errShortChunk is a handshake or session chunk whose fields run past its
// end.
var errShortChunk = errors.New("rtmfp: chunk shorter than its fields")

// IHello is the initiator's first chunk (RFC 7016 §2.3.2).
type IHello struct {
	EPD []byte
	Tag []byte
}

// ParseIHello decodes an IHello (or the IHello part of a Forwarded IHello).
func ParseIHello(v []byte) (IHello, error) {
	epd, n, err := vluField(v)
	if err != nil {
		return IHello{}, fmt.Errorf("IHello endpoint discriminator: %w", err)
	}
	return IHello{EPD: epd, Tag: v[n:]}, nil
}

// ParseFIHello decodes a Forwarded IHello (RFC 7016 §2.3.3): the
// IHello's EPD, the initiator's address as the forwarder saw it, then
// the tag.
func ParseFIHello(v []byte) (IHello, error) {
	epd, n, err := vluField(v)
	if err != nil {
		return IHello{}, fmt.Errorf("forwarded IHello endpoint discriminator: %w", err)
	}
	if n >= len(v) {
		return IHello{}, fmt.Errorf("forwarded IHello reply address: %w", errShortChunk)
	}
	a := 1 + 4 + 2
	if v[n]&0x80 != 0 {
		a = 1 + 16 + 2
	}
	if len(v)-n < a {
		return IHello{}, fmt.Errorf("forwarded IHello reply address: %w", errShortChunk)
	}
	return IHello{EPD: epd, Tag: v[n+a:]}, nil
}

// RHello is the responder's answer (RFC 7016 §2.3.4).
type RHello struct {
	Tag    []byte
	Cookie []byte
	Cert   []byte
}

// ParseRHello decodes an RHello.
func ParseRHello(v []byte) (RHello, error) {
	tag, n, err := vluField(v)
	if err != nil {
		return RHello{}, fmt.Errorf("RHello tag: %w", err)
	}
	cookie, k, err := vluField(v[n:])
	if err != nil {
		return RHello{}, fmt.Errorf("RHello cookie: %w", err)
	}
	return RHello{Tag: tag, Cookie: cookie, Cert: v[n+k:]}, nil
}

// IIKeying is the initiator's keying chunk (RFC 7016 §2.3.7).
type IIKeying struct {
	SessionID uint32
	Cookie    []byte
	Cert      []byte
	Component []byte // session key initiator component
	Signature []byte
}

// ParseIIKeying decodes an IIKeying.
func ParseIIKeying(v []byte) (IIKeying, error) {
	var k IIKeying
	if len(v) < 4 {
		return k, fmt.Errorf("IIKeying session id: %w", errShortChunk)
	}
	k.SessionID = binary.BigEndian.Uint32(v)
	off := 4
	for i, dst := range []*[]byte{&k.Cookie, &k.Cert, &k.Component} {
		b, n, err := vluField(v[off:])
		if err != nil {
			return k, fmt.Errorf("IIKeying %s: %w", [...]string{"cookie", "certificate", "key component"}[i], err)
		}
		*dst = b
		off += n
	}
	k.Signature = v[off:]
	return k, nil
}

// RIKeying is the responder's keying chunk (RFC 7016 §2.3.8).
type RIKeying struct {
	SessionID uint32
	Component []byte // session key responder component
	Signature []byte
}

// ParseRIKeying decodes an RIKeying.
func ParseRIKeying(v []byte) (RIKeying, error) {
	var k RIKeying
	if len(v) < 4 {
		return k, fmt.Errorf("RIKeying session id: %w", errShortChunk)
	}
	k.SessionID = binary.BigEndian.Uint32(v)
	c, n, err := vluField(v[4:])
	if err != nil {
		return k, fmt.Errorf("RIKeying key component: %w", err)
	}
	k.Component, k.Signature = c, v[4+n:]
	return k, nil
}

// CookieChange is RHello Cookie Change (RFC 7016 §2.3.9): the responder
// no longer accepts an old cookie and offers a new one.
type CookieChange struct {
	Old, New []byte
}

// ParseCookieChange decodes an RHello Cookie Change.
func ParseCookieChange(v []byte) (CookieChange, error) {
	old, n, err := vluField(v)
	if err != nil {
		return CookieChange{}, fmt.Errorf("cookie change old cookie: %w", err)
	}
	return CookieChange{Old: old, New: v[n:]}, nil
}

// Redirect is a Responder Redirect (RFC 7016 §2.3.5): the tag echo and
// the addresses to try instead.
type Redirect struct {
	Tag   []byte
	Addrs []netip.AddrPort
}

// ParseRedirect decodes a Responder Redirect. Each address is a flags
// byte (0x80 for IPv6, origin in the low bits) then the address and port.
func ParseRedirect(v []byte) (Redirect, error) {
	tag, off, err := vluField(v)
	if err != nil {
		return Redirect{}, fmt.Errorf("redirect tag: %w", err)
	}
	r := Redirect{Tag: tag}
	for off < len(v) {
		n := 4
		if v[off]&0x80 != 0 {
			n = 16
		}
		if len(v)-off-1 < n+2 {
			return r, fmt.Errorf("redirect address at %d: %w", off, errShortChunk)
		}
		a, _ := netip.AddrFromSlice(v[off+1 : off+1+n])
		port := binary.BigEndian.Uint16(v[off+1+n:])
		r.Addrs = append(r.Addrs, netip.AddrPortFrom(a, port))
		off += 1 + n + 2
	}
	return r, nil
}

// Option types of RFC 7425's endpoint discriminators, certificates and
// key components.
const (
	epdHostname    = 0x00
	epdAncillary   = 0x0a
	epdFingerprint = 0x0f

	certHostname         = 0x00
	certAcceptsAncillary = 0x0a
	certSupportedDHGroup = 0x15
	certStaticDHKey      = 0x1d

	keyDHPublicKey  = 0x0d
	keyDHGroup      = 0x1d
	keyHMACNegotiat = 0x1a
	keySSeqNegotiat = 0x1e
)

// Negotiation flags of the HMAC and session sequence number options.
const (
	negSendAlways    = 0x04
	negSendOnRequest = 0x02
	negRequest       = 0x01
)

// ParseEPD decodes an endpoint discriminator (RFC 7425 §4.4.2).
func ParseEPD(b []byte) (event.RTMFPEPD, error) {
	var e event.RTMFPEPD
	_, err := options(b, func(o option) {
		switch o.Type {
		case epdHostname:
			e.Hostname = string(o.Value)
		case epdAncillary:
			e.Ancillary = string(o.Value)
		case epdFingerprint:
			e.Fingerprint = hex.EncodeToString(o.Value)
		}
	})
	return e, err
}

// ParseCert decodes a certificate (RFC 7425 §4.3): the options before the
// marker are its canonical part, whose SHA-256 is the peer's fingerprint.
func ParseCert(b []byte) (*event.RTMFPCert, error) {
	c := &event.RTMFPCert{Length: len(b)}
	n, err := options(b, func(o option) {
		switch o.Type {
		case certHostname:
			c.Hostname = string(o.Value)
		case certAcceptsAncillary:
			c.AcceptsAncillary = true
		case certSupportedDHGroup:
			if g, _, err := readVLU(o.Value); err == nil && g < 1<<16 {
				c.DHGroups = append(c.DHGroups, int(g))
			}
		case certStaticDHKey:
			c.StaticDH = true
			if g, _, err := readVLU(o.Value); err == nil && g < 1<<16 {
				c.DHGroups = append(c.DHGroups, int(g))
			}
		}
	})
	sum := sha256.Sum256(b[:n])
	c.Fingerprint = hex.EncodeToString(sum[:])
	return c, err
}

// ParseKeying decodes the negotiation options of a session key component
// (RFC 7425 §4.6.5).
func ParseKeying(b []byte) (*event.RTMFPKeying, error) {
	k := &event.RTMFPKeying{Length: len(b), DHGroup: -1}
	_, err := options(b, func(o option) {
		switch o.Type {
		case keyDHPublicKey, keyDHGroup:
			if g, _, err := readVLU(o.Value); err == nil && g < 1<<16 {
				k.DHGroup = int(g)
			}
		case keyHMACNegotiat:
			if len(o.Value) > 0 {
				k.HasHMAC, k.HMACFlags = true, int(o.Value[0])
				if l, _, err := readVLU(o.Value[1:]); err == nil && l <= 64 {
					k.HMACLength = int(l)
				}
			}
		case keySSeqNegotiat:
			if len(o.Value) > 0 {
				k.HasSSeq, k.SSeqFlags = true, int(o.Value[0])
			}
		}
	})
	return k, err
}

// negotiate works out how the sender of component from protects its
// packets to the sender of to (RFC 7425 §4.6.5; rtmfp-cpp agrees): it
// sends an HMAC when it said it always would or the other side requests
// one, of the length it announced, and likewise a session sequence number.
func negotiate(from, to *event.RTMFPKeying) Integrity {
	var in Integrity
	if from == nil || to == nil {
		return in
	}
	if from.HMACFlags&negSendAlways != 0 || to.HMACFlags&negRequest != 0 {
		in.HMACLen = from.HMACLength
		if in.HMACLen == 0 {
			in.HMACLen = 16 // rtmfp-cpp's default; the option should say
		}
	}
	in.SSeq = from.SSeqFlags&negSendAlways != 0 || to.SSeqFlags&negRequest != 0
	return in
}

// keyingProblem says why an initiator cannot accept a responder's key
// component (RFC 7425 §4.6.5, as rtmfp-cpp checks it), or "" when it
// can: the responder answered with another Diffie-Hellman group than the
// initiator selected, or will not send the HMAC or session sequence
// numbers the other side requires.
func keyingProblem(ik, rk *event.RTMFPKeying) string {
	if ik == nil || rk == nil {
		return ""
	}
	var why []string
	if ik.DHGroup >= 0 && rk.DHGroup >= 0 && ik.DHGroup != rk.DHGroup {
		why = append(why, fmt.Sprintf("the initiator selected Diffie-Hellman group %d, the responder's key component is for group %d", ik.DHGroup, rk.DHGroup))
	}
	will := func(flags int) bool { return flags&(negSendAlways|negSendOnRequest) != 0 }
	for _, c := range []struct {
		what       string
		req, other int
		who, whom  string
	}{
		{"an HMAC", ik.HMACFlags, rk.HMACFlags, "initiator", "responder"},
		{"an HMAC", rk.HMACFlags, ik.HMACFlags, "responder", "initiator"},
		{"session sequence numbers", ik.SSeqFlags, rk.SSeqFlags, "initiator", "responder"},
		{"session sequence numbers", rk.SSeqFlags, ik.SSeqFlags, "responder", "initiator"},
	} {
		if c.req&negRequest != 0 && !will(c.other) {
			why = append(why, fmt.Sprintf("the %s requires %s (flags %d), the %s will not send it (flags %d)", c.who, c.what, c.req, c.whom, c.other))
		}
	}
	return strings.Join(why, "; ")
}
