package tree

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// tlsNode is a conn event's TLS session: the handshake's facts, how it
// ended, and the encrypted and decrypted byte counts.
func tlsNode(t *event.TLSInfo) *Node {
	summary := t.Version + " " + t.CipherSuite
	if t.Version == "" {
		summary = "no ServerHello seen"
	}
	n := field("TLS", summary).expand()
	if t.Version != "" {
		n.add(field("Version", t.Version), field("Cipher suite", t.CipherSuite))
	}
	sni := t.SNI
	if sni == "" {
		sni = "(none)"
	}
	n.add(field("SNI", sni))
	if len(t.ALPN) > 0 {
		n.add(field("ALPN offered", strings.Join(t.ALPN, ", ")))
	}
	if t.ALPNChosen != "" {
		n.add(field("ALPN chosen", t.ALPNChosen))
	}
	if c := t.Cert; c != nil {
		n.add(field("Certificate", c.Subject).add(
			field("Subject", c.Subject),
			field("Issuer", c.Issuer),
			field("Not before", c.NotBefore.UTC().Format(time.RFC3339)),
			field("Not after", c.NotAfter.UTC().Format(time.RFC3339)),
		))
	} else {
		n.add(field("Certificate", "not seen (TLS 1.3 sends it encrypted)"))
	}
	switch {
	case t.ClosedBy != "":
		n.add(field("Closed by", fmt.Sprintf("%s (%s)", t.ClosedBy, t.Close)))
	case t.Close != "":
		n.add(field("Closed by", t.Close))
	}
	for _, d := range []event.Dir{event.C2S, event.S2C} {
		n.add(field("Encrypted "+arrow(d), fmt.Sprintf("%d bytes", t.Encrypted[d])))
	}
	dec := field("Decrypted", yesNo(t.Decrypted))
	if t.Decrypted {
		dec.Value = fmt.Sprintf("yes, %d/%d plaintext bytes", t.Plaintext[0], t.Plaintext[1])
	} else if t.NotDecrypted != "" {
		dec.Value = "no: " + t.NotDecrypted
		dec = dec.sev(SevWarn)
	}
	n.add(dec)
	return n
}
