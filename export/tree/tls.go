package tree

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// tlsNode is a conn event's TLS session: the handshake's facts, how it
// ended, and the encrypted and decrypted byte counts.
func (a *Arena) tlsNode(t *event.TLSInfo) *Node {
	summary := t.Version + " " + t.CipherSuite
	if t.Version == "" {
		summary = "no ServerHello seen"
	}
	n := a.field("TLS", summary).expand()
	if t.Version != "" {
		a.add(n, a.field("Version", t.Version), a.field("Cipher suite", t.CipherSuite))
	}
	sni := t.SNI
	if sni == "" {
		sni = "(none)"
	}
	a.add(n, a.field("SNI", sni))
	if len(t.ALPN) > 0 {
		a.add(n, a.field("ALPN offered", strings.Join(t.ALPN, ", ")))
	}
	if t.ALPNChosen != "" {
		a.add(n, a.field("ALPN chosen", t.ALPNChosen))
	}
	if c := t.Cert; c != nil {
		a.add(n, a.add(a.field("Certificate", c.Subject),
			a.field("Subject", c.Subject),
			a.field("Issuer", c.Issuer),
			a.field("Not before", c.NotBefore.UTC().Format(time.RFC3339)),
			a.field("Not after", c.NotAfter.UTC().Format(time.RFC3339)),
		))
	} else {
		a.add(n, a.field("Certificate", "not seen (TLS 1.3 sends it encrypted)"))
	}
	switch {
	case t.ClosedBy != "":
		a.add(n, a.field("Closed by", fmt.Sprintf("%s (%s)", t.ClosedBy, t.Close)))
	case t.Close != "":
		a.add(n, a.field("Closed by", t.Close))
	}
	for _, d := range []event.Dir{event.C2S, event.S2C} {
		a.add(n, a.field("Encrypted "+arrow(d), fmt.Sprintf("%d bytes", t.Encrypted[d])))
	}
	dec := a.field("Decrypted", yesNo(t.Decrypted))
	if t.Decrypted {
		dec.Value = fmt.Sprintf("yes, %d/%d plaintext bytes", t.Plaintext[0], t.Plaintext[1])
	} else if t.NotDecrypted != "" {
		dec.Value = "no: " + t.NotDecrypted
		dec = dec.sev(SevWarn)
	}
	a.add(n, dec)
	return n
}
