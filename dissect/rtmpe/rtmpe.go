package rtmpe

import (
	"crypto/rc4"
	"fmt"
	"slices"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Options say where the keys come from.
type Options struct {
	// Keys are the per-connection keys of --rtmpe-keys.
	Keys *Keys
}

// Protocol returns the "rtmpe" protocol.
func Protocol(opts Options) flow.Protocol {
	return flow.Protocol{
		Name:      "rtmpe",
		Transport: event.TransportTCP,
		Sniff:     Sniff,
		Stream:    func(ctx *flow.Context) flow.StreamHandler { return NewHandler(ctx, opts) },
	}
}

// Sniff says Yes when the client's first byte is C0 = 6 or 8 followed by
// a 1536-byte C1, and the server has not spoken first with something else.
func Sniff(h *flow.Head) flow.Verdict {
	d := h.Data[event.C2S]
	if !h.FromStart[event.C2S] || len(d) == 0 || (d[0] != 6 && d[0] != 8) {
		return flow.Verdict{Decision: flow.No}
	}
	if s := h.Data[event.S2C]; len(s) > 0 && s[0] != 3 && s[0] != 6 && s[0] != 8 && s[0] != 9 {
		return flow.Verdict{Decision: flow.No}
	}
	if len(d) < 1+sigSize {
		if !h.Final {
			return flow.Verdict{Decision: flow.NeedMore}
		}
		return flow.Verdict{Decision: flow.No}
	}
	return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMPE, Rule: "handshake",
		Evidence: fmt.Sprintf("client sent C0=%d (RTMPE) and a 1536-byte C1", d[0])}
}

// hsEnd is where the encrypted stream starts in each direction: after
// C0+C1+C2 (or S0+S1+S2).
const hsEnd = 1 + 2*sigSize

type held struct {
	dir  event.Dir
	off  int64
	data []byte
	refs []event.FrameRef
}

type dirState struct {
	hs     []byte // the handshake bytes (up to hsEnd)
	hsRef  [2]event.FrameRef
	total  int64
	enc    int64 // bytes counted as encrypted
	rc     *rc4.Cipher
	broken bool
	half   Half
	parsed bool
}

// Handler is the RTMPE handler of one connection (or of an RTMPT session,
// for RTMPTE).
type Handler struct {
	ctx      *flow.Context
	key      *Key
	d        [2]dirState
	inner    flow.StreamHandler
	verified bool // the keys decrypted the first chunk header
	bad      bool // the keys did not
	hold     []held
	told     map[string]bool
	emitted  bool
	keysMade bool
}

// NewHandler returns the RTMPE handler of ctx's connection.
func NewHandler(ctx *flow.Context, opts Options) *Handler {
	h := &Handler{ctx: ctx, told: map[string]bool{}}
	if ctx != nil && ctx.Info != nil {
		h.key = opts.Keys.Lookup(ctx.Info.Client, ctx.Info.Server)
	}
	if h.key != nil && ctx != nil {
		if !slices.Contains(ctx.Info.Layers, "rtmpe") {
			ctx.Info.Layers = append(ctx.Info.Layers, "rtmpe")
		}
		h.inner = ctx.Inner("rtmp")
	}
	return h
}

func (h *Handler) diag(dir event.Dir, sev event.Severity, code string, off int64, at event.FrameRef, text string) {
	if h.ctx == nil {
		return
	}
	h.ctx.Diag(dir, true, at, &event.Diagnostic{Severity: sev, Code: code, Text: text, Offset: off, Frames: [2]uint64{at.Frame, at.Frame}})
}

func (h *Handler) once(key string, dir event.Dir, sev event.Severity, code string, off int64, at event.FrameRef, text string) {
	if !h.told[key] {
		h.told[key] = true
		h.diag(dir, sev, code, off, at, text)
	}
}

// cut returns the refs of [from, to), trimmed to it.
func cut(refs []event.FrameRef, from, to int64) []event.FrameRef {
	var out []event.FrameRef
	for _, r := range refs {
		a, b := max(r.Offset, from), min(r.Offset+int64(r.Len), to)
		if a < b {
			out = append(out, event.FrameRef{Offset: a, Len: int(b - a), Frame: r.Frame, Time: r.Time})
		}
	}
	return out
}

func lastRef(refs []event.FrameRef) event.FrameRef {
	if len(refs) == 0 {
		return event.FrameRef{}
	}
	return refs[len(refs)-1]
}

// Data implements flow.StreamHandler.
func (h *Handler) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	s := &h.d[dir]
	s.total += int64(len(data))
	if off < hsEnd {
		n := min(int64(len(data)), hsEnd-off)
		if off == int64(len(s.hs)) {
			if len(s.hs) == 0 && len(refs) > 0 {
				s.hsRef[0] = refs[0]
			}
			s.hs = append(s.hs, data[:n]...)
			s.hsRef[1] = lastRef(cut(refs, off, off+n))
		}
		if h.inner != nil {
			h.inner.Data(dir, off, data[:n], cut(refs, off, off+n))
		}
		h.progress()
		data, off = data[n:], off+n
		if len(data) == 0 {
			return
		}
	}
	h.encrypted(dir, off, data, refs)
}

// progress parses C1 and S1 once they are complete, and makes the RC4
// ciphers when there are keys.
func (h *Handler) progress() {
	c, s := &h.d[event.C2S], &h.d[event.S2C]
	if !c.parsed && len(c.hs) >= 1+sigSize {
		c.parsed = true
		c.half = ParseHalf(c.hs[1:1+sigSize], false, -1)
	}
	if !s.parsed && len(s.hs) >= 1+sigSize && c.parsed {
		s.parsed = true
		s.half = ParseHalf(s.hs[1:1+sigSize], true, c.half.Scheme)
	}
	if c.parsed && s.parsed && len(c.hs) >= hsEnd && len(s.hs) >= hsEnd && !h.emitted {
		h.emitHandshake()
	}
	if h.key != nil && !h.keysMade && c.parsed && s.parsed {
		h.keysMade = true
		k := h.key
		c2s, s2c := k.RC4C2S, k.RC4S2C
		if c2s == nil || s2c == nil {
			c2s, s2c = rc4Key(k.DHSecret, s.half.DHPublic), rc4Key(k.DHSecret, c.half.DHPublic)
		}
		var err1, err2 error
		c.rc, err1 = rc4.NewCipher(c2s)
		s.rc, err2 = rc4.NewCipher(s2c)
		if err1 != nil || err2 != nil {
			h.bad = true
			h.diag(event.C2S, event.Error, "rtmpe.bad_keys", -1, s.hsRef[1], "the RC4 keys in the key file are not usable")
			return
		}
		// Both keystreams are first advanced by 1536 bytes.
		skip := make([]byte, sigSize)
		c.rc.XORKeyStream(skip, skip)
		s.rc.XORKeyStream(skip, skip)
	}
}

// encrypted handles bytes after the handshake.
func (h *Handler) encrypted(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	s := &h.d[dir]
	at := lastRef(refs)
	switch {
	case s.broken || h.bad || h.key == nil || s.rc == nil:
		s.enc += int64(len(data))
		if h.key == nil {
			h.once("enc", dir, event.Info, "rtmpe.encrypted", off, at,
				"RTMPE: the RTMP after the handshake is RC4-encrypted; to see it give --rtmpe-keys FILE (a line \"RTMPE client=IP:PORT server=IP:PORT\" with dh_secret=HEX or rc4_c2s=HEX rc4_s2c=HEX; rtmpdump -V prints them and scripts/rtmpe-keys.sh writes the file); until then byte counts only")
		} else if s.rc == nil && !h.bad && !s.broken {
			h.once("nohs", dir, event.Warn, "rtmpe.no_handshake", off, at,
				"RTMPE: keys were given but the handshake was not captured whole, so the keystream position and public keys are unknown; byte counts only")
		}
		return
	case !h.verified:
		h.hold = append(h.hold, held{dir: dir, off: off, data: append([]byte(nil), data...), refs: append([]event.FrameRef(nil), refs...)})
		h.verify(false)
		return
	}
	h.deliver(dir, off, data, refs)
}

func (h *Handler) deliver(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	s := &h.d[dir]
	plain := make([]byte, len(data))
	s.rc.XORKeyStream(plain, data)
	if h.inner != nil {
		h.inner.Data(dir, off, plain, refs)
	}
}

// verify decides from the client's first encrypted bytes whether the keys
// fit: they must decrypt to an RTMP chunk that starts a message (fmt 0 on
// a chunk stream from 2, a known message type). final decides with what
// there is.
func (h *Handler) verify(final bool) {
	var first []byte
	var at event.FrameRef
	var off int64
	for _, c := range h.hold {
		if c.dir == event.C2S {
			if first == nil {
				off, at = c.off, lastRef(c.refs)
			}
			first = append(first, c.data...)
		}
	}
	if len(first) < 12 && !final {
		return
	}
	if len(first) == 0 {
		h.bad = true // nothing to decide on: count the held bytes
	} else {
		probe := *h.d[event.C2S].rc // a copy of the keystream state
		p := make([]byte, min(len(first), 12))
		probe.XORKeyStream(p, first[:len(p)])
		ok := len(p) >= 8 && p[0]>>6 == 0 && p[0]&0x3f >= 2 && p[7] >= 1 && p[7] <= 22
		if !ok {
			h.bad = true
			h.diag(event.C2S, event.Error, "rtmpe.bad_keys", off, at,
				"RTMPE: the keys given for this connection do not decrypt its first message to an RTMP chunk (keys of another connection?); the encrypted bytes are counted, not dissected")
		}
	}
	hold := h.hold
	h.hold = nil
	if h.bad {
		for _, c := range hold {
			h.d[c.dir].enc += int64(len(c.data))
		}
		return
	}
	h.verified = true
	for _, c := range hold {
		h.deliver(c.dir, c.off, c.data, c.refs)
	}
}

func (h *Handler) emitHandshake() {
	h.emitted = true
	c, s := &h.d[event.C2S], &h.d[event.S2C]
	half := func(d *dirState) string {
		dig := "no valid digest"
		if d.half.Scheme >= 0 {
			dig = fmt.Sprintf("digest scheme %d valid at %d", d.half.Scheme, d.half.DigestOffset)
		}
		return fmt.Sprintf("%s, DH public key at %d", dig, d.half.DHOffset)
	}
	text := fmt.Sprintf("RTMPE handshake: C0=%d, C1 %s; S0=%d, S1 %s", c.hs[0], half(c), s.hs[0], half(s))
	if s.hs[0] == 8 || c.hs[0] == 8 {
		text += "; type 8: the C2/S2 signature is XTEA-encrypted (not verified)"
	} else if s.hs[0] == 9 || c.hs[0] == 9 {
		text += "; type 9: the C2/S2 signature is Blowfish-encrypted (not verified)"
	}
	h.diag(event.S2C, event.Info, "rtmpe.handshake", 0, s.hsRef[1], text)
	if s.hs[0] != c.hs[0] {
		h.diag(event.S2C, event.Info, "rtmpe.type_mismatch", 0, s.hsRef[0],
			fmt.Sprintf("the client asked for RTMPE type %d, the server answered S0=%d", c.hs[0], s.hs[0]))
	}
	if h.inner != nil || h.ctx == nil {
		return // the RTMP handler reports the handshake from the clear bytes
	}
	hh := func(d *dirState) event.HandshakeHalf {
		out := event.HandshakeHalf{Present: true, Time: d.half.Time, Version: d.half.Version, Scheme: d.half.Scheme,
			Frame: d.hsRef[1].Frame, Time0: d.hsRef[0].Time, Time1: d.hsRef[1].Time}
		if d.half.Scheme >= 0 {
			out.DigestOffset = d.half.DigestOffset
			out.Digest = append([]byte(nil), d.hs[1+d.half.DigestOffset:1+d.half.DigestOffset+32]...)
		}
		return out
	}
	hs := &event.Handshake{C0: int(c.hs[0]), S0: int(s.hs[0]), Encrypted: true, C1: hh(c), S1: hh(s),
		Digest: true, Complete: true}
	hs.C2 = event.EchoCheck{Present: true, Kind: "digest-unverified"}
	hs.S2 = event.EchoCheck{Present: true, Kind: "digest-unverified"}
	if d := s.hsRef[0].Time.Sub(c.hsRef[1].Time); d >= 0 {
		hs.ServerDelay, hs.RTT = d, d
	}
	h.ctx.Emit(event.Event{Kind: event.KindHandshake, Time: s.hsRef[1].Time, Handshake: hs})
}

// Gap implements flow.StreamHandler. RC4 is a stream cipher: after a gap
// of known size the keystream is advanced by it and decryption goes on.
func (h *Handler) Gap(dir event.Dir, g flow.Gap) {
	s := &h.d[dir]
	at := event.FrameRef{Frame: g.Frame, Time: g.Time}
	if g.Offset <= hsEnd || g.Bytes < 0 || s.rc == nil {
		if !s.broken {
			s.broken = true
			h.diag(dir, event.Warn, "rtmpe.gap", g.Offset, at,
				fmt.Sprintf("%s: bytes missing from the RTMPE stream where the keystream position cannot be recovered; the rest of this direction is counted, not decrypted", dir))
		}
		if h.inner != nil {
			h.inner.Gap(dir, g)
		}
		return
	}
	if !h.verified {
		h.verify(true)
	}
	if !h.bad {
		skip := make([]byte, min(g.Bytes, 1<<16))
		for left := g.Bytes; left > 0; left -= int64(len(skip)) {
			n := min(left, int64(len(skip)))
			s.rc.XORKeyStream(skip[:n], skip[:n])
		}
	}
	if h.inner != nil {
		h.inner.Gap(dir, g)
	}
}

// Close implements flow.StreamHandler.
func (h *Handler) Close(ev *event.ConnEvent) {
	c, s := &h.d[event.C2S], &h.d[event.S2C]
	if h.key != nil && !h.verified && !h.bad && len(h.hold) > 0 {
		h.verify(true)
	}
	if !h.emitted && c.parsed && s.parsed {
		h.emitHandshake()
	}
	if s.total == 0 && c.total > 0 {
		h.diag(event.C2S, event.Warn, "rtmpe.refused", 0, c.hsRef[1],
			fmt.Sprintf("the server closed the connection without a byte after the client's RTMPE C0=%d: it does not accept RTMPE (nginx-rtmp does this); the client must use plain rtmp:// or rtmps://", c.hs[0]))
	} else if len(c.hs) < hsEnd || len(s.hs) < hsEnd {
		h.diag(event.C2S, event.Warn, "rtmpe.short_handshake", 0, c.hsRef[1],
			fmt.Sprintf("the connection ended during the RTMPE handshake (client sent %d of %d bytes, server %d)", len(c.hs), hsEnd, len(s.hs)))
	}
	if h.inner != nil {
		h.inner.Close(ev)
	}
	for i := range h.d {
		d := &h.d[i]
		if h.inner == nil {
			ev.Bytes[i] = d.total
			ev.Account[i].Handshake += int64(len(d.hs))
		}
		ev.Account[i].Encrypted += d.enc
	}
}

// Decrypted reports whether the connection's RC4 streams were decrypted.
func (h *Handler) Decrypted() bool { return h.verified }
