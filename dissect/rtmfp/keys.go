package rtmfp

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// KeyLine is one session's keys as its "near" endpoint derived them (RFC
// 7425 §4.6): the components are the near and far session key
// components (what IIKeying and RIKeying carry), encrypt is the near
// side's sending key, decrypt its receiving key, and the HMAC keys the
// same for the HMAC trailer.
type KeyLine struct {
	Near, Far        []byte
	Encrypt, Decrypt []byte
	SendHMAC         []byte
	RecvHMAC         []byte
	Line             int // line number in the file, for messages
}

// KeyLog holds the key lines of a key file, found by their components.
type KeyLog struct {
	lines []*KeyLine
	by    map[string]*KeyLine // near || far
}

// keyLinePrefix starts every key line; other lines are ignored, so the
// lines may sit in a larger log.
const keyLinePrefix = "RTMFP_KEYS"

// LoadKeys reads a key file: one line per session,
//
//	RTMFP_KEYS near_component=HEX far_component=HEX encrypt_key=HEX decrypt_key=HEX [send_hmac_key=HEX recv_hmac_key=HEX]
//
// with # comments and blank lines allowed.
func LoadKeys(path string) (*KeyLog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rtmfp keys: %w", err)
	}
	k, err := ParseKeys(b)
	if err != nil {
		return nil, fmt.Errorf("rtmfp keys %s: %w", path, err)
	}
	return k, nil
}

// ParseKeys parses the text of a key file (see LoadKeys).
func ParseKeys(text []byte) (*KeyLog, error) {
	k := &KeyLog{by: map[string]*KeyLine{}}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != keyLinePrefix {
			continue
		}
		kl := &KeyLine{Line: n}
		for _, kv := range f[1:] {
			name, val, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: %q is not name=HEX", n, name)
			}
			b, err := hex.DecodeString(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s is not hex", n, name)
			}
			switch name {
			case "near_component":
				kl.Near = b
			case "far_component":
				kl.Far = b
			case "encrypt_key":
				kl.Encrypt = b
			case "decrypt_key":
				kl.Decrypt = b
			case "send_hmac_key":
				kl.SendHMAC = b
			case "recv_hmac_key":
				kl.RecvHMAC = b
			default:
				return nil, fmt.Errorf("line %d: unknown field %q", n, name)
			}
		}
		switch {
		case len(kl.Near) == 0 || len(kl.Far) == 0:
			return nil, fmt.Errorf("line %d: near_component and far_component are required", n)
		case len(kl.Encrypt) != 16 || len(kl.Decrypt) != 16:
			return nil, fmt.Errorf("line %d: encrypt_key and decrypt_key must be 16 bytes (AES-128)", n)
		}
		k.lines = append(k.lines, kl)
		k.by[string(kl.Near)+"\x00"+string(kl.Far)] = kl
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return k, nil
}

// Len is the number of key lines.
func (k *KeyLog) Len() int {
	if k == nil {
		return 0
	}
	return len(k.lines)
}

// dirKeys is what decrypts one direction of a session.
type dirKeys struct {
	key, hmacKey []byte
}

// lookup finds the keys of the session whose initiator component is ic
// and responder component rc, whichever endpoint wrote them, and returns
// the keys of the initiator→responder and responder→initiator directions.
func (k *KeyLog) lookup(ic, rc []byte) (i2r, r2i dirKeys, line *KeyLine, ok bool) {
	if k == nil {
		return
	}
	if kl := k.by[string(ic)+"\x00"+string(rc)]; kl != nil { // written by the initiator
		return dirKeys{kl.Encrypt, kl.SendHMAC}, dirKeys{kl.Decrypt, kl.RecvHMAC}, kl, true
	}
	if kl := k.by[string(rc)+"\x00"+string(ic)]; kl != nil { // written by the responder
		return dirKeys{kl.Decrypt, kl.RecvHMAC}, dirKeys{kl.Encrypt, kl.SendHMAC}, kl, true
	}
	return
}

// all returns every line, for sessions whose handshake was not captured
// (their keys are found by trying them).
func (k *KeyLog) all() []*KeyLine {
	if k == nil {
		return nil
	}
	return k.lines
}
