// Package tlsrec peels TLS (RTMPS, and the TLS layer of RTMPTS): it parses
// the record layer of both directions, reports the session (version,
// cipher suite, SNI, ALPN, certificate, alerts, who closed it) and, with
// keys from an NSS key log, a pcapng's Decryption Secrets Blocks or the
// server's RSA key, decrypts TLS 1.2 and 1.3 records and hands the
// plaintext to the RTMP handler (or the RTMPT handler when the plaintext
// is HTTP). Go's crypto/tls cannot decrypt passively: the TLS 1.2 PRF and
// the TLS 1.3 key schedule are here.
package tlsrec

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// KeyLog holds the secrets of an NSS key log (SSLKEYLOGFILE), indexed by
// the ClientHello random they belong to. Its contents are secrets: nothing
// in this package prints them.
type KeyLog struct {
	m map[[32]byte]map[string][]byte
	// later brings secrets read only when first needed (Later).
	later *laterSecrets
}

type laterSecrets struct {
	once  sync.Once
	read  func() (*KeyLog, error)
	err   error
	asked bool // a question needed them (for Wait)
}

// Later adds to k (a new key log when k is nil) the secrets that read
// returns, calling read only when the key log is first asked a question
// (Len, Secret, HasRandom), and merging what it returned over what k
// held, as Merge does. A pcapng's secrets blocks are found by a walk over
// the whole file (40 ms per 365 MB): a run with no TLS session to decrypt
// never asks, so never walks; one with TLS walks once, at its first
// ClientHello.
func (k *KeyLog) Later(read func() (*KeyLog, error)) *KeyLog {
	if k == nil {
		k = &KeyLog{}
	}
	k.later = &laterSecrets{read: read}
	return k
}

// ready reads and merges the secrets of Later the first time.
func (k *KeyLog) ready() {
	if k == nil || k.later == nil {
		return
	}
	l := k.later
	l.once.Do(func() {
		l.asked = true
		add, err := l.read()
		l.err = err
		if err == nil {
			k.Merge(add)
		}
	})
}

// Wait returns the error of Later's read, when a question made it read;
// after Wait the secrets are not read any more.
func (k *KeyLog) Wait() error {
	if k == nil || k.later == nil {
		return nil
	}
	l := k.later
	l.once.Do(func() {}) // nothing asked: nothing is read from now on
	if l.asked {
		return l.err
	}
	return nil
}

// Len returns the number of client randoms with secrets.
func (k *KeyLog) Len() int {
	k.ready()
	if k == nil {
		return 0
	}
	return len(k.m)
}

// Secret returns the secret with label (CLIENT_RANDOM for the TLS 1.2
// master secret, CLIENT_TRAFFIC_SECRET_0, ...) of the session whose
// ClientHello random is cr.
func (k *KeyLog) Secret(cr []byte, label string) []byte {
	k.ready()
	if k == nil || len(cr) != 32 {
		return nil
	}
	return k.m[[32]byte(cr)][label]
}

// HasRandom reports whether any secret belongs to client random cr.
func (k *KeyLog) HasRandom(cr []byte) bool {
	k.ready()
	if k == nil || len(cr) != 32 {
		return false
	}
	return len(k.m[[32]byte(cr)]) > 0
}

// Merge adds the secrets of o to k.
func (k *KeyLog) Merge(o *KeyLog) {
	if o == nil {
		return
	}
	if k.m == nil {
		k.m = map[[32]byte]map[string][]byte{}
	}
	for cr, s := range o.m {
		if k.m[cr] == nil {
			k.m[cr] = map[string][]byte{}
		}
		for l, v := range s {
			k.m[cr][l] = v
		}
	}
}

// knownLabels are the NSS key log labels used here; others are skipped.
var knownLabels = map[string]bool{
	"CLIENT_RANDOM":                   true,
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET": true,
	"SERVER_HANDSHAKE_TRAFFIC_SECRET": true,
	"CLIENT_TRAFFIC_SECRET_0":         true,
	"SERVER_TRAFFIC_SECRET_0":         true,
}

// ParseKeyLog reads an NSS key log. Lines it does not understand (other
// labels, comments, RSA lines) are skipped; a known label with a malformed
// value is an error that names the line (not its contents).
func ParseKeyLog(r io.Reader) (*KeyLog, error) {
	k := &KeyLog{m: map[[32]byte]map[string][]byte{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || !knownLabels[f[0]] {
			continue
		}
		cr, err1 := hex.DecodeString(f[1])
		sec, err2 := hex.DecodeString(f[2])
		if err1 != nil || err2 != nil || len(cr) != 32 || len(sec) == 0 || len(sec) > 64 {
			return nil, fmt.Errorf("key log line %d: malformed %s entry", n, f[0])
		}
		if k.m[[32]byte(cr)] == nil {
			k.m[[32]byte(cr)] = map[string][]byte{}
		}
		k.m[[32]byte(cr)][f[0]] = sec
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("key log: %w", err)
	}
	return k, nil
}

// LoadKeyLog reads the NSS key log file name (--tls-keylog).
func LoadKeyLog(name string) (*KeyLog, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	k, err := ParseKeyLog(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

// LoadRSAKey reads a PEM RSA private key (PKCS#1 or PKCS#8) for the TLS
// 1.2 RSA key exchange (--tls-key).
func LoadRSAKey(name string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return ParseRSAKey(b)
}

// ParseRSAKey parses a PEM RSA private key (PKCS#1 or PKCS#8).
func ParseRSAKey(b []byte) (*rsa.PrivateKey, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("tls key: no PEM RSA private key found")
		}
		switch blk.Type {
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("tls key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, errors.New("tls key: not an RSA key (only RSA key exchange can be decrypted with a server key)")
			}
			return rk, nil
		}
	}
}
