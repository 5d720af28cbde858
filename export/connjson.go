package export

import (
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// SchemaVersion is the version of the JSON event schema (docs/json-schema.md).
const SchemaVersion = 1

// FormatTime is how every exported capture time is written: RFC 3339 with
// nanoseconds, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// tlsJSON is a conn event's "tls" object (docs/json-schema.md).
type tlsJSON struct {
	Version      string       `json:"version,omitempty"`
	CipherSuite  string       `json:"cipher_suite,omitempty"`
	SNI          string       `json:"sni,omitempty"`
	ALPN         []string     `json:"alpn,omitempty"`
	ALPNChosen   string       `json:"alpn_chosen,omitempty"`
	Certificate  *tlsCertJSON `json:"certificate,omitempty"`
	ClosedBy     string       `json:"closed_by,omitempty"`
	Close        string       `json:"close,omitempty"`
	Encrypted    [2]int64     `json:"encrypted_bytes"`
	Plaintext    [2]int64     `json:"plaintext_bytes"`
	Decrypted    bool         `json:"decrypted"`
	NotDecrypted string       `json:"not_decrypted,omitempty"`
}

type tlsCertJSON struct {
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
}

func tlsToJSON(t *event.TLSInfo) *tlsJSON {
	if t == nil {
		return nil
	}
	j := &tlsJSON{Version: t.Version, CipherSuite: t.CipherSuite, SNI: t.SNI, ALPN: t.ALPN, ALPNChosen: t.ALPNChosen,
		ClosedBy: t.ClosedBy, Close: t.Close, Encrypted: t.Encrypted, Plaintext: t.Plaintext,
		Decrypted: t.Decrypted, NotDecrypted: t.NotDecrypted}
	if c := t.Cert; c != nil {
		j.Certificate = &tlsCertJSON{Subject: c.Subject, Issuer: c.Issuer, NotBefore: FormatTime(c.NotBefore), NotAfter: FormatTime(c.NotAfter)}
	}
	return j
}
