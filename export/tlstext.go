package export

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/event"
)

// tlsText is the TLS part of a conn line: "; TLS 1.3
// TLS_AES_256_GCM_SHA384, SNI …, certificate CN=…" when it opens and, when
// it closes, also who closed the session and the encrypted and decrypted
// byte counts. Empty for a connection without TLS.
func tlsText(t *event.TLSInfo, closed bool) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("; TLS")
	if t.Version != "" {
		fmt.Fprintf(&b, " %s %s", strings.TrimPrefix(t.Version, "TLS "), t.CipherSuite)
	} else {
		b.WriteString(" (no ServerHello seen)")
	}
	if t.SNI != "" {
		fmt.Fprintf(&b, ", SNI %q", t.SNI)
	}
	if t.ALPNChosen != "" {
		fmt.Fprintf(&b, ", ALPN %q", t.ALPNChosen)
	}
	if !closed {
		if t.Cert != nil {
			fmt.Fprintf(&b, ", certificate %q", t.Cert.Subject)
		}
		return b.String()
	}
	switch {
	case t.Close != "" && t.ClosedBy != "":
		fmt.Fprintf(&b, ", closed by the %s (%s)", t.ClosedBy, t.Close)
	case t.Close != "":
		fmt.Fprintf(&b, ", ended by %s", t.Close)
	}
	fmt.Fprintf(&b, "; %d/%d bytes encrypted", t.Encrypted[0], t.Encrypted[1])
	if t.Decrypted {
		fmt.Fprintf(&b, ", decrypted to %d/%d", t.Plaintext[0], t.Plaintext[1])
	} else if t.NotDecrypted != "" {
		fmt.Fprintf(&b, ", not decrypted: %s", tlsWhyText(t.NotDecrypted))
	}
	return b.String()
}

// tlsWhyText says a TLSInfo.NotDecrypted reason for people.
func tlsWhyText(why string) string {
	switch why {
	case event.TLSNoKeys:
		return "no keys (--tls-keylog)"
	case event.TLSKeylogMiss:
		return "the key log has no secrets for this session"
	case event.TLSWrongKeys:
		return "the keys do not fit"
	case event.TLSNoHandshake:
		return "handshake not captured"
	case event.TLSUnsupported:
		return "cipher suite not supported"
	case event.TLSMissingBytes:
		return "records missing from the capture"
	}
	return why
}

// tlsConnText is the TLS note of a row of the conns table: " [TLS 1.3
// TLS_AES_256_GCM_SHA384, SNI …, encrypted]" (or "decrypted").
func tlsConnText(t *event.TLSInfo) string {
	if t == nil {
		return ""
	}
	s := " [TLS"
	if t.Version != "" {
		s += " " + strings.TrimPrefix(t.Version, "TLS ") + " " + t.CipherSuite
	}
	if t.SNI != "" {
		s += fmt.Sprintf(", SNI %q", t.SNI)
	}
	if t.Decrypted {
		return s + ", decrypted]"
	}
	if t.NotDecrypted != "" {
		return s + ", encrypted: " + tlsWhyText(t.NotDecrypted) + "]"
	}
	return s + "]"
}
