package dissect

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Handshake sizes.
const (
	hsPartLen  = 1536            // C1, S1, C2, S2
	hsTotalLen = 1 + 2*hsPartLen // C0+C1+C2 or S0+S1+S2
	digestLen  = sha256.Size     // 32
	digestArea = 764 - 4 - 32    // 728: the digest may start anywhere in it
	echoSigned = hsPartLen - 32  // C2/S2 digest-signed echo: HMAC over the first 1504 bytes
)

// The 32 bytes every Flash Player and FMS key ends with; the printable
// prefixes alone ("Genuine Adobe Flash Player 001", 30 bytes; "Genuine
// Adobe Flash Media Server 001", 36 bytes) key the C1/S1 digests, the full
// keys (62 and 68 bytes) key the C2/S2 echo digests.
var keyTail = []byte{
	0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8,
	0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
	0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab,
	0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
}

var (
	playerKey = append([]byte("Genuine Adobe Flash Player 001"), keyTail...)       // 62 bytes
	serverKey = append([]byte("Genuine Adobe Flash Media Server 001"), keyTail...) // 68 bytes
)

const (
	playerKeyPrefix = 30
	serverKeyPrefix = 36
)

// digestOffset returns where the 32-byte digest starts in a C1/S1 for a
// scheme: the four bytes at the start of the digest block are summed, taken
// modulo 728, and added to the position after them.
func digestOffset(part []byte, scheme int) int {
	base := 8
	if scheme == 1 {
		base = 772
	}
	sum := int(part[base]) + int(part[base+1]) + int(part[base+2]) + int(part[base+3])
	return sum%digestArea + base + 4
}

// partDigest computes the HMAC-SHA256 of a C1/S1 without the 32 bytes at off.
func partDigest(part []byte, off int, key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(part[:off])
	m.Write(part[off+digestLen:])
	return m.Sum(nil)
}

// findDigest validates a C1/S1 digest under both schemes; it returns the
// scheme and offset, or -1.
func findDigest(part []byte, key []byte) (scheme, off int) {
	for s := 0; s <= 1; s++ {
		o := digestOffset(part, s)
		if hmac.Equal(partDigest(part, o, key), part[o:o+digestLen]) {
			return s, o
		}
	}
	return -1, 0
}

// checkEcho checks C2 against S1 (or S2 against C1). peer is the S1/C1 the
// echo answers, peerDigest the digest found in it (nil if none), fullKey
// the echoing side's full key.
func checkEcho(echo, peer, peerDigest, fullKey []byte, digestHandshake bool) string {
	if bytes.Equal(echo[:4], peer[:4]) && bytes.Equal(echo[8:], peer[8:]) {
		return "echo"
	}
	if peerDigest != nil {
		m := hmac.New(sha256.New, fullKey)
		m.Write(peerDigest)
		k := m.Sum(nil)
		m = hmac.New(sha256.New, k)
		m.Write(echo[:echoSigned])
		if hmac.Equal(m.Sum(nil), echo[echoSigned:]) {
			return "digest"
		}
	}
	if digestHandshake {
		return "digest-unverified"
	}
	return "mismatch"
}

// hsState is one direction's handshake progress.
type hsState struct {
	buf   []byte // up to hsTotalLen bytes, released when done
	first [3]struct {
		frame uint64
		t     time.Time
	} // first byte of part 0/1/2
	last [3]struct {
		frame uint64
		t     time.Time
	} // last byte of part 0/1/2
	done      bool
	abandoned bool // a gap cut it short
	parsed    [3]bool
}

// handshakeData consumes handshake bytes of one direction; it returns how
// many bytes of data it used.
func (c *Conn) handshakeData(d *dirState, data []byte) int {
	hs := &d.hs
	if hs.buf == nil {
		hs.buf = make([]byte, 0, hsTotalLen)
	}
	n := hsTotalLen - len(hs.buf)
	if n > len(data) {
		n = len(data)
	}
	start := len(hs.buf)
	for i := 0; i < n; i++ {
		p := start + i
		part := 0
		switch {
		case p >= 1+hsPartLen:
			part = 2
		case p >= 1:
			part = 1
		}
		partStart := []int{0, 1, 1 + hsPartLen}[part]
		partEnd := []int{1, 1 + hsPartLen, hsTotalLen}[part]
		if p == partStart || p == partEnd-1 {
			f, t := d.frameAt(d.pos + int64(i))
			if p == partStart {
				hs.first[part].frame, hs.first[part].t = f, t
			}
			if p == partEnd-1 {
				hs.last[part].frame, hs.last[part].t = f, t
			}
		}
	}
	hs.buf = append(hs.buf, data[:n]...)
	d.acct.Handshake += int64(n)
	c.handshakeProgress(d)
	return n
}

func (c *Conn) handshakeProgress(d *dirState) {
	hs := &d.hs
	h := c.hsInfo()
	client := d.ld == event.C2S
	if len(hs.buf) >= 1 && !hs.parsed[0] {
		hs.parsed[0] = true
		v := int(hs.buf[0])
		if client {
			h.C0 = v
		} else {
			h.S0 = v
			if c.hs.C0 >= 0 && v != c.hs.C0 && v != 3 {
				c.diag(d, event.Warn, "handshake.version", hs.first[0].frame, d.pos, fmt.Sprintf("S0 version %d differs from C0 version %d", v, c.hs.C0))
			}
		}
		if v == 6 || v == 8 {
			h.Encrypted = true
		}
	}
	if len(hs.buf) >= 1+hsPartLen && !hs.parsed[1] {
		hs.parsed[1] = true
		part := hs.buf[1 : 1+hsPartLen]
		half := event.HandshakeHalf{
			Present: true,
			Time:    binary.BigEndian.Uint32(part[0:4]),
			Version: binary.BigEndian.Uint32(part[4:8]),
			Scheme:  -1,
			Frame:   hs.last[1].frame,
			Time0:   hs.first[1].t,
			Time1:   hs.last[1].t,
		}
		key := playerKey[:playerKeyPrefix]
		if !client {
			key = serverKey[:serverKeyPrefix]
		}
		if s, off := findDigest(part, key); s >= 0 {
			half.Scheme, half.DigestOffset = s, off
			half.Digest = append([]byte(nil), part[off:off+digestLen]...)
			h.Digest = true
		} else if half.Version != 0 && !h.Encrypted {
			name := "C1"
			if !client {
				name = "S1"
			}
			c.diag(d, event.Info, "handshake.no_digest", half.Frame, d.pos,
				fmt.Sprintf("%s version field is %s but no valid digest was found under scheme 0 or 1", name, versionString(half.Version)))
		}
		if client {
			h.C1 = half
		} else {
			h.S1 = half
			if !hs.first[0].t.IsZero() && c.hs.C1.Present {
				h.ServerDelay = hs.first[0].t.Sub(c.hs.C1.Time1)
			}
		}
	}
	if len(hs.buf) >= hsTotalLen && !hs.parsed[2] {
		hs.parsed[2] = true
		hs.done = true
		echo := hs.buf[1+hsPartLen:]
		ec := event.EchoCheck{
			Present: true,
			Time:    binary.BigEndian.Uint32(echo[0:4]),
			Time2:   binary.BigEndian.Uint32(echo[4:8]),
			Frame:   hs.last[2].frame,
		}
		peer := c.dirs[d.ld^1].hs.buf
		if len(peer) >= 1+hsPartLen {
			peerPart := peer[1 : 1+hsPartLen]
			if client {
				ec.Kind = checkEcho(echo, peerPart, h.S1.Digest, playerKey, h.Digest)
			} else {
				ec.Kind = checkEcho(echo, peerPart, h.C1.Digest, serverKey, h.Digest)
			}
		} else {
			ec.Kind = "unchecked"
		}
		name, of := "C2", "S1"
		if !client {
			name, of = "S2", "C1"
		}
		switch ec.Kind {
		case "mismatch":
			c.diag(d, event.Warn, "handshake.echo_mismatch", ec.Frame, d.pos+int64(hsTotalLen-len(hs.buf)),
				fmt.Sprintf("%s does not echo %s (simple handshake)", name, of))
		case "digest-unverified":
			c.diag(d, event.Info, "handshake.echo_unverified", ec.Frame, d.pos,
				fmt.Sprintf("%s is neither an echo of %s nor signed with its digest", name, of))
		}
		if client {
			h.C2 = ec
			if c.hs.S1.Present && !hs.first[2].t.IsZero() {
				h.ClientDelay = hs.first[2].t.Sub(c.hs.S1.Time1)
			}
		} else {
			h.S2 = ec
		}
	}
}

func versionString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff)
}

// hsInfo returns the connection's handshake record, creating it.
func (c *Conn) hsInfo() *event.Handshake {
	if c.hs == nil {
		c.hs = &event.Handshake{C0: -1, S0: -1}
		c.hs.C1.Scheme, c.hs.S1.Scheme = -1, -1
	}
	return c.hs
}

// maybeEmitHandshake emits the handshake event once both directions are
// past it (or have given up on it), or at close.
func (c *Conn) maybeEmitHandshake(final bool) {
	if c.hs == nil || c.hsEmitted {
		return
	}
	d0, d1 := c.dirs[0], c.dirs[1]
	past := func(d *dirState) bool {
		return d.hs.done || d.hs.abandoned || d.phase == phaseHunt || d.phase == phaseChunks && d.hs.buf == nil
	}
	// An RTMPE handshake whose bytes stay encrypted is reported once C1
	// and S1 are parsed; one an outer layer decrypts (c.decrypted) waits
	// for C2 and S2 like a plain one: its buffers are still being filled.
	encrypted := c.hs.Encrypted && !c.decrypted
	if !final && !encrypted && !(past(d0) && past(d1)) {
		return
	}
	if encrypted && !final && !(d0.hs.parsed[1] && (d1.hs.parsed[1] || d1.phase == phaseEncrypted)) {
		return
	}
	c.hsEmitted = true
	h := c.hs
	h.Complete = d0.hs.done && d1.hs.done
	h.RTT = h.ServerDelay
	if h.RTT <= 0 {
		h.RTT = h.ClientDelay
	}
	t := c.lastTime
	var dir event.Dir
	if d1.hs.done {
		t = d1.hs.last[2].t
		dir = event.S2C
	}
	if d0.hs.done && d0.hs.last[2].t.After(t) {
		t = d0.hs.last[2].t
		dir = event.C2S
	}
	if h.Encrypted && !c.decrypted {
		c.diag(c.dirs[0], event.Info, "handshake.rtmpe", h.C1.Frame, 0,
			fmt.Sprintf("RTMPE handshake (C0 version %d): the rest of the connection is encrypted and not dissected", h.C0))
	}
	if !h.Complete && !h.Encrypted && (d0.hs.buf != nil || d1.hs.buf != nil) {
		c.diag(c.dirs[0], event.Warn, "handshake.incomplete", 0, -1, "the handshake did not complete")
	}
	c.emit(event.Event{Kind: event.KindHandshake, Dir: dir, HasDir: true, Time: t, Handshake: h})
	// The handshake buffers are no longer needed.
	d0.hs.buf, d1.hs.buf = nil, nil
}
