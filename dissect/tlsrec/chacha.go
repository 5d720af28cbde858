package tlsrec

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
)

// ChaCha20-Poly1305 (RFC 8439). golang.org/x/crypto is not a dependency of
// this module and the standard library does not export its copy, so the
// AEAD is here; it only ever opens (decrypts and verifies).

type chachaAEAD struct{ key [8]uint32 }

func newChaCha20Poly1305(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("chacha20poly1305: bad key length")
	}
	var a chachaAEAD
	for i := range a.key {
		a.key[i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	return &a, nil
}

func (a *chachaAEAD) NonceSize() int { return 12 }
func (a *chachaAEAD) Overhead() int  { return 16 }

func (a *chachaAEAD) Seal(dst, nonce, plaintext, ad []byte) []byte {
	ct := make([]byte, len(plaintext))
	a.xor(ct, plaintext, nonce, 1)
	tag := a.tag(nonce, ct, ad)
	return append(append(dst, ct...), tag[:]...)
}

func (a *chachaAEAD) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	if len(nonce) != 12 || len(ciphertext) < 16 {
		return nil, errors.New("chacha20poly1305: message authentication failed")
	}
	ct, tag := ciphertext[:len(ciphertext)-16], ciphertext[len(ciphertext)-16:]
	want := a.tag(nonce, ct, ad)
	if subtle.ConstantTimeCompare(want[:], tag) != 1 {
		return nil, errors.New("chacha20poly1305: message authentication failed")
	}
	out := make([]byte, len(ct))
	a.xor(out, ct, nonce, 1)
	return append(dst, out...), nil
}

func quarter(s *[16]uint32, a, b, c, d int) {
	s[a] += s[b]
	s[d] = bits.RotateLeft32(s[d]^s[a], 16)
	s[c] += s[d]
	s[b] = bits.RotateLeft32(s[b]^s[c], 12)
	s[a] += s[b]
	s[d] = bits.RotateLeft32(s[d]^s[a], 8)
	s[c] += s[d]
	s[b] = bits.RotateLeft32(s[b]^s[c], 7)
}

func (a *chachaAEAD) block(out *[64]byte, nonce []byte, ctr uint32) {
	var s, x [16]uint32
	s[0], s[1], s[2], s[3] = 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	copy(s[4:12], a.key[:])
	s[12] = ctr
	s[13] = binary.LittleEndian.Uint32(nonce[0:])
	s[14] = binary.LittleEndian.Uint32(nonce[4:])
	s[15] = binary.LittleEndian.Uint32(nonce[8:])
	x = s
	for i := 0; i < 10; i++ {
		quarter(&x, 0, 4, 8, 12)
		quarter(&x, 1, 5, 9, 13)
		quarter(&x, 2, 6, 10, 14)
		quarter(&x, 3, 7, 11, 15)
		quarter(&x, 0, 5, 10, 15)
		quarter(&x, 1, 6, 11, 12)
		quarter(&x, 2, 7, 8, 13)
		quarter(&x, 3, 4, 9, 14)
	}
	for i := range x {
		binary.LittleEndian.PutUint32(out[4*i:], x[i]+s[i])
	}
}

func (a *chachaAEAD) xor(dst, src, nonce []byte, ctr uint32) {
	var ks [64]byte
	for len(src) > 0 {
		a.block(&ks, nonce, ctr)
		ctr++
		n := subtle.XORBytes(dst, src, ks[:])
		dst, src = dst[n:], src[n:]
	}
}

var p1305 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 130), big.NewInt(5))

func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(r)
}

func (a *chachaAEAD) tag(nonce, ct, ad []byte) [16]byte {
	var otk [64]byte
	a.block(&otk, nonce, 0)
	rb := append([]byte(nil), otk[:16]...)
	for _, i := range []int{3, 7, 11, 15} {
		rb[i] &= 15
	}
	for _, i := range []int{4, 8, 12} {
		rb[i] &= 252
	}
	r, s := leInt(rb), leInt(otk[16:32])
	msg := make([]byte, 0, len(ad)+len(ct)+32)
	msg = append(msg, ad...)
	msg = append(msg, make([]byte, (16-len(ad)%16)%16)...)
	msg = append(msg, ct...)
	msg = append(msg, make([]byte, (16-len(ct)%16)%16)...)
	msg = binary.LittleEndian.AppendUint64(msg, uint64(len(ad)))
	msg = binary.LittleEndian.AppendUint64(msg, uint64(len(ct)))
	acc := new(big.Int)
	blk := make([]byte, 17)
	for len(msg) > 0 {
		n := copy(blk, msg[:min(16, len(msg))])
		blk[n] = 1
		acc.Add(acc, leInt(blk[:n+1]))
		acc.Mul(acc, r)
		acc.Mod(acc, p1305)
		msg = msg[n:]
	}
	acc.Add(acc, s)
	be := acc.Bytes()
	var out [16]byte
	for i := 0; i < 16 && i < len(be); i++ {
		out[i] = be[len(be)-1-i]
	}
	return out
}
