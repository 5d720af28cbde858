package tlsrec

import (
	"crypto/x509"
	"encoding/binary"
	"fmt"
)

// reader is a bounds-checked reader of handshake fields.
type reader struct {
	b  []byte
	ok bool
}

func (r *reader) n(k int) []byte {
	if !r.ok || k < 0 || len(r.b) < k {
		r.ok = false
		return nil
	}
	v := r.b[:k]
	r.b = r.b[k:]
	return v
}
func (r *reader) u8() int {
	v := r.n(1)
	if v == nil {
		return 0
	}
	return int(v[0])
}
func (r *reader) u16() int {
	v := r.n(2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}
func (r *reader) u24() int {
	v := r.n(3)
	if v == nil {
		return 0
	}
	return int(v[0])<<16 | int(v[1])<<8 | int(v[2])
}

// Hello is what the ClientHello and ServerHello say.
type Hello struct {
	ClientVersion uint16   // legacy_version of the ClientHello
	ClientRandom  []byte   // 32 bytes
	SNI           string   // server_name
	ALPN          []string // offered protocols
	Versions      []uint16 // supported_versions offered
	Suites        []uint16 // offered cipher suites

	ServerRandom []byte
	Version      uint16 // negotiated (supported_versions when present)
	Suite        uint16
	ALPNChosen   string
	EtM          bool // encrypt_then_mac negotiated
	EMS          bool // extended_master_secret negotiated
	HRR          bool // the ServerHello was a HelloRetryRequest
}

// hrrRandom marks a HelloRetryRequest (RFC 8446 §4.1.3).
var hrrRandom = []byte{0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C}

func parseClientHello(body []byte, h *Hello) error {
	r := &reader{b: body, ok: true}
	h.ClientVersion = uint16(r.u16())
	h.ClientRandom = append([]byte(nil), r.n(32)...)
	r.n(r.u8())
	cs := r.n(r.u16())
	for i := 0; i+1 < len(cs); i += 2 {
		h.Suites = append(h.Suites, binary.BigEndian.Uint16(cs[i:]))
	}
	r.n(r.u8())
	if !r.ok {
		return fmt.Errorf("ClientHello truncated")
	}
	if len(r.b) == 0 {
		return nil
	}
	ext := &reader{b: r.n(r.u16()), ok: r.ok}
	for ext.ok && len(ext.b) >= 4 {
		typ := ext.u16()
		e := &reader{b: ext.n(ext.u16()), ok: ext.ok}
		switch typ {
		case 0: // server_name
			l := &reader{b: e.n(e.u16()), ok: e.ok}
			for l.ok && len(l.b) >= 3 {
				kind := l.u8()
				name := l.n(l.u16())
				if kind == 0 && l.ok {
					h.SNI = string(name)
				}
			}
		case 16: // ALPN
			l := &reader{b: e.n(e.u16()), ok: e.ok}
			for l.ok && len(l.b) > 0 {
				p := l.n(l.u8())
				if l.ok {
					h.ALPN = append(h.ALPN, string(p))
				}
			}
		case 43: // supported_versions
			v := e.n(e.u8())
			for i := 0; i+1 < len(v); i += 2 {
				h.Versions = append(h.Versions, binary.BigEndian.Uint16(v[i:]))
			}
		}
	}
	return nil
}

func parseServerHello(body []byte, h *Hello) error {
	r := &reader{b: body, ok: true}
	h.Version = uint16(r.u16())
	h.ServerRandom = append([]byte(nil), r.n(32)...)
	r.n(r.u8())
	h.Suite = uint16(r.u16())
	r.u8()
	if !r.ok {
		return fmt.Errorf("ServerHello truncated")
	}
	h.HRR = string(h.ServerRandom) == string(hrrRandom)
	if len(r.b) == 0 {
		return nil
	}
	ext := &reader{b: r.n(r.u16()), ok: r.ok}
	for ext.ok && len(ext.b) >= 4 {
		typ := ext.u16()
		e := &reader{b: ext.n(ext.u16()), ok: ext.ok}
		switch typ {
		case 16:
			l := &reader{b: e.n(e.u16()), ok: e.ok}
			if p := l.n(l.u8()); l.ok {
				h.ALPNChosen = string(p)
			}
		case 22:
			h.EtM = true
		case 23:
			h.EMS = true
		case 43:
			if v := e.u16(); e.ok {
				h.Version = uint16(v)
			}
		}
	}
	return nil
}

// parseCertificate returns the first (leaf) certificate of a Certificate
// message.
func parseCertificate(body []byte, tls13 bool) (*x509.Certificate, error) {
	r := &reader{b: body, ok: true}
	if tls13 {
		r.n(r.u8())
	}
	list := &reader{b: r.n(r.u24()), ok: r.ok}
	der := list.n(list.u24())
	if !list.ok || len(der) == 0 {
		return nil, fmt.Errorf("certificate message without a certificate")
	}
	return x509.ParseCertificate(der)
}

// VersionName names a TLS protocol version.
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

var alertNames = map[int]string{0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
	40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
	50: "decode_error", 51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
	112: "unrecognized_name", 116: "certificate_required", 120: "no_application_protocol"}

func alertName(d int) string {
	if n, ok := alertNames[d]; ok {
		return n
	}
	return fmt.Sprintf("alert %d", d)
}
