package event

import "time"

// TLSInfo is what a connection's TLS session showed (RTMPS, RTMPTS): the
// handshake's facts, how the session ended, how many bytes were
// encrypted and whether they could be decrypted. The conn-open event
// carries what the handshake had shown by then; the conn-closed event
// the whole.
type TLSInfo struct {
	// Version is the negotiated version ("TLS 1.2", "TLS 1.3"); empty
	// when no ServerHello was seen.
	Version string
	// CipherSuite is the negotiated suite's IANA name
	// ("TLS_AES_256_GCM_SHA384"), or its number in hex when unknown.
	CipherSuite string
	SNI         string   // server_name the client asked for ("" none)
	ALPN        []string // protocols the client offered
	ALPNChosen  string   // the protocol the server chose ("" none, or encrypted in TLS 1.3)
	// Cert is the server's leaf certificate; nil when it was not seen
	// (TLS 1.3 sends it encrypted: it is seen only with keys).
	Cert *TLSCert
	// ClosedBy is the side whose close_notify or fatal alert ended the
	// session: "client", "server", or "" when neither did (the TCP
	// connection ended without it, or the capture stopped).
	ClosedBy string
	// Close is how the session ended: "close_notify", "alert NAME", or
	// "" when the transport ended it (see the conn event's end).
	Close string
	// Encrypted is the bytes of protected records per direction (record
	// headers included): application data, and in TLS 1.3 the encrypted
	// handshake.
	Encrypted [2]int64
	// Plaintext is the application bytes decrypted per direction.
	Plaintext [2]int64
	// Decrypted is true when the application data was decrypted (in at
	// least one direction) and handed to the layer inside.
	Decrypted bool
	// NotDecrypted says why the records were not decrypted, when
	// Decrypted is false and there were protected records: one of the
	// TLSNoKeys, ... constants below.
	NotDecrypted string
}

// Why TLS records were not decrypted (TLSInfo.NotDecrypted).
const (
	TLSNoKeys       = "no_keys"           // no key log (or server key) was given
	TLSKeylogMiss   = "keylog_miss"       // the key log has no secrets for this session's client random
	TLSWrongKeys    = "wrong_keys"        // the secrets given do not decrypt the records
	TLSNoHandshake  = "no_handshake"      // the handshake was not captured: no client random, suite or keys
	TLSUnsupported  = "unsupported_suite" // the negotiated cipher suite is not one rtmpscope decrypts
	TLSMissingBytes = "missing_records"   // bytes of the TLS stream were not captured before decryption could start
)

// TLSCert is the subject, issuer and validity of a certificate.
type TLSCert struct {
	Subject   string // RFC 2253 form, "CN=rtmps.test,O=rtmpscope test"
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
}
