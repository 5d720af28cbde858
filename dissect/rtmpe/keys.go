// Package rtmpe peels RTMPE, Adobe's encrypted RTMP: it decodes the
// handshake (C0 = 6 or 8, the digest scheme, the Diffie-Hellman public
// keys inside C1 and S1), reports a server that refuses RTMPE, and with
// keys from a key file (--rtmpe-keys) decrypts both RC4 streams and hands
// the RTMP inside to the RTMP handler.
package rtmpe

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// Key is what the key file says of one connection. Its fields are
// secrets: nothing here prints them.
type Key struct {
	Client, Server netip.AddrPort
	DHSecret       []byte // the Diffie-Hellman shared secret (128 bytes)
	RC4C2S, RC4S2C []byte // the RC4 keys (16 bytes each)
}

// Keys are the entries of a key file by connection.
type Keys struct {
	m map[[2]netip.AddrPort]*Key
}

// Len returns the number of connections with keys.
func (k *Keys) Len() int {
	if k == nil {
		return 0
	}
	return len(k.m)
}

// Lookup returns the key entry of the connection client→server, in
// either orientation.
func (k *Keys) Lookup(client, server netip.AddrPort) *Key {
	if k == nil {
		return nil
	}
	if e := k.m[[2]netip.AddrPort{client, server}]; e != nil {
		return e
	}
	if e := k.m[[2]netip.AddrPort{server, client}]; e != nil {
		sw := *e
		sw.Client, sw.Server = e.Server, e.Client
		sw.RC4C2S, sw.RC4S2C = e.RC4S2C, e.RC4C2S
		return &sw
	}
	return nil
}

// ParseKeys reads a key file:
//
//	# comment
//	RTMPE client=IP:PORT server=IP:PORT
//	dh_secret=HEX
//	rc4_c2s=HEX rc4_s2c=HEX
//
// Fields may share a line or not; IPv6 addresses are in brackets. Errors
// name the line, never a value.
func ParseKeys(r io.Reader) (*Keys, error) {
	k := &Keys{m: map[[2]netip.AddrPort]*Key{}}
	var cur *Key
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	n := 0
	finish := func() error {
		if cur == nil {
			return nil
		}
		if cur.DHSecret == nil && (cur.RC4C2S == nil || cur.RC4S2C == nil) {
			return fmt.Errorf("rtmpe keys: entry for %s→%s has neither dh_secret nor both rc4 keys", cur.Client, cur.Server)
		}
		k.m[[2]netip.AddrPort{cur.Client, cur.Server}] = cur
		return nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, f := range strings.Fields(line) {
			if f == "RTMPE" {
				if err := finish(); err != nil {
					return nil, err
				}
				cur = &Key{}
				continue
			}
			name, val, ok := strings.Cut(f, "=")
			if !ok || cur == nil {
				return nil, fmt.Errorf("rtmpe keys line %d: expected RTMPE client=... server=... before %q", n, name)
			}
			var err error
			switch name {
			case "client", "server":
				var ap netip.AddrPort
				ap, err = netip.ParseAddrPort(val)
				if err == nil {
					ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
					if name == "client" {
						cur.Client = ap
					} else {
						cur.Server = ap
					}
				}
			case "dh_secret":
				cur.DHSecret, err = hexKey(val, 1, 256)
			case "rc4_c2s":
				cur.RC4C2S, err = hexKey(val, 1, 256)
			case "rc4_s2c":
				cur.RC4S2C, err = hexKey(val, 1, 256)
			default:
				err = fmt.Errorf("unknown field")
			}
			if err != nil {
				return nil, fmt.Errorf("rtmpe keys line %d: %s: %v", n, name, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return k, nil
}

func hexKey(s string, lo, hi int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not hex")
	}
	if len(b) < lo || len(b) > hi {
		return nil, fmt.Errorf("%d bytes", len(b))
	}
	return b, nil
}

// LoadKeys reads the key file name (--rtmpe-keys).
func LoadKeys(name string) (*Keys, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	k, err := ParseKeys(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}
