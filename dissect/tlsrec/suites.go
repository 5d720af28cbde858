package tlsrec

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

type cipherKind uint8

const (
	kindGCM cipherKind = iota + 1
	kindChaCha
	kindCBC
)

// suite is what decryption needs to know of a cipher suite.
type suite struct {
	id     uint16
	name   string
	tls13  bool
	kind   cipherKind
	keyLen int
	ivLen  int              // fixed IV (GCM 1.2: 4, 1.3/ChaCha: 12, CBC: 16 unused)
	mac    func() hash.Hash // CBC only
	macLen int
	prf    crypto.Hash // TLS 1.2 PRF hash / TLS 1.3 HKDF hash
	rsaKex bool        // TLS 1.2 RSA key exchange
}

var suites = map[uint16]*suite{}

func addSuite(s suite) { suites[s.id] = &s }

func init() {
	// TLS 1.3
	addSuite(suite{id: 0x1301, name: "TLS_AES_128_GCM_SHA256", tls13: true, kind: kindGCM, keyLen: 16, ivLen: 12, prf: crypto.SHA256})
	addSuite(suite{id: 0x1302, name: "TLS_AES_256_GCM_SHA384", tls13: true, kind: kindGCM, keyLen: 32, ivLen: 12, prf: crypto.SHA384})
	addSuite(suite{id: 0x1303, name: "TLS_CHACHA20_POLY1305_SHA256", tls13: true, kind: kindChaCha, keyLen: 32, ivLen: 12, prf: crypto.SHA256})
	// TLS 1.2 AEAD
	for _, s := range []suite{
		{id: 0xc02f, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, prf: crypto.SHA256},
		{id: 0xc030, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, prf: crypto.SHA384},
		{id: 0xc02b, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", keyLen: 16, prf: crypto.SHA256},
		{id: 0xc02c, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", keyLen: 32, prf: crypto.SHA384},
		{id: 0x009e, name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, prf: crypto.SHA256},
		{id: 0x009f, name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, prf: crypto.SHA384},
		{id: 0x009c, name: "TLS_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, prf: crypto.SHA256, rsaKex: true},
		{id: 0x009d, name: "TLS_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, prf: crypto.SHA384, rsaKex: true},
	} {
		s.kind, s.ivLen = kindGCM, 4
		addSuite(s)
	}
	for _, s := range []suite{
		{id: 0xcca8, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
		{id: 0xcca9, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
		{id: 0xccaa, name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	} {
		s.kind, s.keyLen, s.ivLen, s.prf = kindChaCha, 32, 12, crypto.SHA256
		addSuite(s)
	}
	// TLS 1.2 CBC + HMAC
	sha384 := func() hash.Hash { return sha512.New384() }
	for _, s := range []suite{
		{id: 0xc013, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", keyLen: 16, mac: sha1.New, macLen: 20},
		{id: 0xc014, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", keyLen: 32, mac: sha1.New, macLen: 20},
		{id: 0xc009, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", keyLen: 16, mac: sha1.New, macLen: 20},
		{id: 0xc00a, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", keyLen: 32, mac: sha1.New, macLen: 20},
		{id: 0xc027, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", keyLen: 16, mac: sha256.New, macLen: 32},
		{id: 0xc028, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", keyLen: 32, mac: sha384, macLen: 48, prf: crypto.SHA384},
		{id: 0xc023, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", keyLen: 16, mac: sha256.New, macLen: 32},
		{id: 0xc024, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", keyLen: 32, mac: sha384, macLen: 48, prf: crypto.SHA384},
		{id: 0x0033, name: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", keyLen: 16, mac: sha1.New, macLen: 20},
		{id: 0x0039, name: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", keyLen: 32, mac: sha1.New, macLen: 20},
		{id: 0x002f, name: "TLS_RSA_WITH_AES_128_CBC_SHA", keyLen: 16, mac: sha1.New, macLen: 20, rsaKex: true},
		{id: 0x0035, name: "TLS_RSA_WITH_AES_256_CBC_SHA", keyLen: 32, mac: sha1.New, macLen: 20, rsaKex: true},
		{id: 0x003c, name: "TLS_RSA_WITH_AES_128_CBC_SHA256", keyLen: 16, mac: sha256.New, macLen: 32, rsaKex: true},
		{id: 0x003d, name: "TLS_RSA_WITH_AES_256_CBC_SHA256", keyLen: 32, mac: sha256.New, macLen: 32, rsaKex: true},
	} {
		s.kind, s.ivLen = kindCBC, 16
		if s.prf == 0 {
			s.prf = crypto.SHA256
		}
		addSuite(s)
	}
}

// SuiteName returns the IANA name of a cipher suite, or its number.
func SuiteName(id uint16) string {
	if s := suites[id]; s != nil {
		return s.name
	}
	return fmt.Sprintf("0x%04x", id)
}

// prf12 is the TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label+seed).
func prf12(h crypto.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	out := make([]byte, 0, n+h.Size())
	mac := hmac.New(h.New, secret)
	a := ls
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
	}
	return out[:n]
}

// hkdfExpandLabel is TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) with an
// empty context.
func hkdfExpandLabel(h crypto.Hash, secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	return hkdf.Expand(h.New, secret, string(info), n)
}

// recordCipher decrypts the records of one direction under one key.
type recordCipher struct {
	s     *suite
	aead  cipher.AEAD
	iv    []byte // TLS 1.3/ChaCha: 12-byte IV; 1.2 GCM: 4-byte salt
	block cipher.Block
	macK  []byte
	seq   uint64
	etm   bool // encrypt_then_mac (RFC 7366) for CBC
}

func newCipher(s *suite, key, iv, macKey []byte, etm bool) (*recordCipher, error) {
	c := &recordCipher{s: s, iv: iv, macK: macKey, etm: etm}
	var err error
	switch s.kind {
	case kindGCM:
		var b cipher.Block
		if b, err = aes.NewCipher(key); err == nil {
			c.aead, err = cipher.NewGCM(b)
		}
	case kindChaCha:
		c.aead, err = chacha20poly1305.New(key)
	case kindCBC:
		c.block, err = aes.NewCipher(key)
	}
	return c, err
}

// keys12 derives the two directions' ciphers of a TLS 1.2 session from its
// master secret (RFC 5246 §6.3).
func keys12(s *suite, master, cr, sr []byte, etm bool) (c2s, s2c *recordCipher, err error) {
	macLen := 0
	if s.kind == kindCBC {
		macLen = s.macLen
	}
	ivLen := s.ivLen
	if s.kind == kindCBC {
		ivLen = 16 // not used: TLS 1.1+ carries an explicit IV per record
	}
	n := 2*macLen + 2*s.keyLen + 2*ivLen
	kb := prf12(s.prf, master, "key expansion", append(append([]byte(nil), sr...), cr...), n)
	cm, sm := kb[:macLen], kb[macLen:2*macLen]
	kb = kb[2*macLen:]
	ck, sk := kb[:s.keyLen], kb[s.keyLen:2*s.keyLen]
	kb = kb[2*s.keyLen:]
	civ, siv := kb[:ivLen], kb[ivLen:2*ivLen]
	if c2s, err = newCipher(s, ck, civ, cm, etm); err != nil {
		return nil, nil, err
	}
	s2c, err = newCipher(s, sk, siv, sm, etm)
	return c2s, s2c, err
}

// keys13 derives one direction's cipher from a TLS 1.3 traffic secret.
func keys13(s *suite, secret []byte) (*recordCipher, error) {
	if len(secret) != s.prf.Size() {
		return nil, fmt.Errorf("traffic secret of %d bytes for %s", len(secret), s.name)
	}
	key, err := hkdfExpandLabel(s.prf, secret, "key", s.keyLen)
	if err != nil {
		return nil, err
	}
	iv, err := hkdfExpandLabel(s.prf, secret, "iv", s.ivLen)
	if err != nil {
		return nil, err
	}
	return newCipher(s, key, iv, nil, false)
}

// errAuth is a record that failed authentication (wrong keys or a
// corrupt record).
var errAuth = fmt.Errorf("record authentication failed")

// open decrypts one record (hdr is its 5-byte header, body the rest). For
// TLS 1.3 the returned type is the inner content type.
func (c *recordCipher) open(hdr, body []byte, tls13 bool) (typ byte, plain []byte, err error) {
	seq := c.seq
	c.seq++
	typ = hdr[0]
	switch {
	case tls13:
		nonce := c.nonce(seq)
		plain, err = c.aead.Open(nil, nonce, body, hdr)
		if err != nil {
			return 0, nil, errAuth
		}
		i := len(plain) - 1
		for i >= 0 && plain[i] == 0 {
			i--
		}
		if i < 0 {
			return 0, nil, fmt.Errorf("TLS 1.3 record without a content type")
		}
		return plain[i], plain[:i], nil
	case c.s.kind == kindGCM:
		if len(body) < 8+16 {
			return 0, nil, fmt.Errorf("GCM record of %d bytes", len(body))
		}
		nonce := append(append(make([]byte, 0, 12), c.iv...), body[:8]...)
		ad := aad12(seq, typ, hdr, len(body)-8-16)
		plain, err = c.aead.Open(nil, nonce, body[8:], ad)
		if err != nil {
			return 0, nil, errAuth
		}
		return typ, plain, nil
	case c.s.kind == kindChaCha:
		if len(body) < 16 {
			return 0, nil, fmt.Errorf("ChaCha20 record of %d bytes", len(body))
		}
		plain, err = c.aead.Open(nil, c.nonce(seq), body, aad12(seq, typ, hdr, len(body)-16))
		if err != nil {
			return 0, nil, errAuth
		}
		return typ, plain, nil
	default:
		return c.openCBC(seq, typ, hdr, body)
	}
}

func (c *recordCipher) nonce(seq uint64) []byte {
	n := append([]byte(nil), c.iv...)
	for i := 0; i < 8; i++ {
		n[len(n)-1-i] ^= byte(seq >> (8 * i))
	}
	return n
}

func aad12(seq uint64, typ byte, hdr []byte, n int) []byte {
	ad := binary.BigEndian.AppendUint64(make([]byte, 0, 13), seq)
	ad = append(ad, typ, hdr[1], hdr[2])
	return binary.BigEndian.AppendUint16(ad, uint16(n))
}

func (c *recordCipher) mac(seq uint64, typ byte, hdr, data []byte) []byte {
	m := hmac.New(c.s.mac, c.macK)
	m.Write(aad12(seq, typ, hdr, len(data)))
	m.Write(data)
	return m.Sum(nil)
}

func (c *recordCipher) openCBC(seq uint64, typ byte, hdr, body []byte) (byte, []byte, error) {
	ml := c.s.macLen
	if c.etm {
		if len(body) < 32+ml || (len(body)-ml)%16 != 0 {
			return 0, nil, fmt.Errorf("CBC record of %d bytes", len(body))
		}
		ct, tag := body[:len(body)-ml], body[len(body)-ml:]
		if !hmac.Equal(c.mac(seq, typ, hdr, ct), tag) {
			return 0, nil, errAuth
		}
		p, ok := c.cbc(ct)
		if !ok {
			return 0, nil, errAuth
		}
		return typ, p, nil
	}
	if len(body) < 32 || len(body)%16 != 0 {
		return 0, nil, fmt.Errorf("CBC record of %d bytes", len(body))
	}
	p, ok := c.cbc(body)
	if !ok || len(p) < ml {
		return 0, nil, errAuth
	}
	data, tag := p[:len(p)-ml], p[len(p)-ml:]
	if !hmac.Equal(c.mac(seq, typ, hdr, data), tag) {
		return 0, nil, errAuth
	}
	return typ, data, nil
}

// cbc decrypts explicit-IV || ciphertext and removes the padding.
func (c *recordCipher) cbc(ct []byte) ([]byte, bool) {
	p := make([]byte, len(ct)-16)
	cipher.NewCBCDecrypter(c.block, ct[:16]).CryptBlocks(p, ct[16:])
	pad := int(p[len(p)-1])
	if pad+1 > len(p) {
		return nil, false
	}
	for _, b := range p[len(p)-1-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	return p[:len(p)-1-pad], true
}
