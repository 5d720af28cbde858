package tlsrec

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Options say where the keys come from.
type Options struct {
	// KeyLog holds NSS key log secrets (--tls-keylog, and the pcapng's
	// Decryption Secrets Blocks merged in, see capture.ReadSecrets).
	KeyLog *KeyLog
	// RSAKey is the server's private key (--tls-key) for sessions with the
	// TLS 1.2 RSA key exchange.
	RSAKey *rsa.PrivateKey
}

// Protocol returns the "tls" protocol: RTMPS, and the TLS layer of RTMPTS.
func Protocol(opts Options) flow.Protocol {
	return flow.Protocol{
		Name:      "tls",
		Transport: event.TransportTCP,
		Sniff:     Sniff,
		Stream:    func(ctx *flow.Context) flow.StreamHandler { return NewHandler(ctx, opts) },
		Facts:     true, // conns shows the TLS session
	}
}

// Sniff says Yes when the client's first bytes are a TLS handshake record
// holding a ClientHello.
func Sniff(h *flow.Head) flow.Verdict {
	d := h.Data[event.C2S]
	if !h.FromStart[event.C2S] {
		return flow.Verdict{Decision: flow.No}
	}
	if len(d) < 6 {
		if h.Final || (len(d) > 0 && d[0] != 0x16) {
			return flow.Verdict{Decision: flow.No}
		}
		return flow.Verdict{Decision: flow.NeedMore}
	}
	n := int(d[3])<<8 | int(d[4])
	if d[0] != 0x16 || d[1] != 3 || d[2] > 4 || d[5] != 1 || n < 4 || n > 1<<14+2048 {
		return flow.Verdict{Decision: flow.No}
	}
	return flow.Verdict{Decision: flow.Yes, Variant: event.VariantRTMPS, Rule: "client-hello",
		Evidence: fmt.Sprintf("client sent a TLS ClientHello (record version %d.%d)", d[1], d[2])}
}

const maxRecord = 1<<14 + 2048

// dirState is one direction's record layer.
type dirState struct {
	buf      []byte
	off      int64 // stream offset of buf[0]
	refs     []event.FrameRef
	total    int64
	broken   bool // record framing lost (gap, garbage): the rest is counted
	epoch    bool // records are encrypted from here on
	cipher   *recordCipher
	pending  *recordCipher // TLS 1.2: keys that start at ChangeCipherSpec
	app13    []byte        // TLS 1.3: application traffic secret, used after Finished
	failed   bool
	hs       []byte // handshake message reassembly
	enc      int64  // bytes counted as encrypted
	prot     int64  // bytes of protected records (TLSInfo.Encrypted)
	innerOff int64
	plain    int64
	records  int
}

// Handler is the TLS stream handler of one connection.
type Handler struct {
	ctx   *flow.Context
	opts  Options
	d     [2]dirState
	hello Hello
	sh    bool // ServerHello seen
	tls13 bool
	suite *suite
	// transcript holds the handshake messages up to ClientKeyExchange for
	// the extended master secret of an RSA key exchange.
	transcript []byte
	inner      flow.StreamHandler
	innerTried bool
	told       map[string]bool
	cert       *event.TLSCert
	closedBy   string // "client" or "server": the first close_notify or fatal alert
	closeHow   string // "close_notify", "alert NAME"
	why        string // why records were not decrypted (event.TLSNoKeys, ...)
}

// NewHandler returns the TLS handler of ctx's connection.
func NewHandler(ctx *flow.Context, opts Options) *Handler {
	h := &Handler{ctx: ctx, opts: opts, told: map[string]bool{}}
	if ctx != nil {
		// The open event waits until the plaintext shows what TLS carries
		// (RTMP: rtmps, RTMPT: rtmpts), or says that it cannot be seen.
		ctx.HoldOpen()
		ctx.OnOpen = func(ev *event.ConnEvent) { ev.TLS = h.Info() }
	}
	return h
}

// Info returns the TLS session record as it stands: the handshake's
// facts, how it ended, the protected and decrypted byte counts and, when
// nothing was decrypted, why.
func (h *Handler) Info() *event.TLSInfo {
	in := &event.TLSInfo{SNI: h.hello.SNI, ALPN: h.hello.ALPN, ALPNChosen: h.hello.ALPNChosen,
		Cert: h.cert, ClosedBy: h.closedBy, Close: h.closeHow}
	if h.sh {
		in.Version, in.CipherSuite = VersionName(h.hello.Version), SuiteName(h.hello.Suite)
	}
	for i := range h.d {
		in.Encrypted[i], in.Plaintext[i] = h.d[i].prot, h.d[i].plain
		in.Decrypted = in.Decrypted || h.d[i].plain > 0
	}
	if !in.Decrypted && (in.Encrypted[0] > 0 || in.Encrypted[1] > 0) {
		in.NotDecrypted = h.why
		if in.NotDecrypted == "" {
			in.NotDecrypted = h.reason()
		}
	}
	return in
}

// reason says why protected records are not decrypted (event.TLSNoKeys,
// ...), from what the handshake showed and the keys given.
func (h *Handler) reason() string {
	switch {
	case !h.sh:
		return event.TLSNoHandshake
	case h.suite == nil:
		return event.TLSUnsupported
	case h.opts.KeyLog.Len() > 0 && !h.opts.KeyLog.HasRandom(h.hello.ClientRandom):
		return event.TLSKeylogMiss
	case h.opts.KeyLog.Len() > 0 || h.opts.RSAKey != nil:
		return event.TLSWrongKeys
	}
	return event.TLSNoKeys
}

func (h *Handler) diag(dir event.Dir, sev event.Severity, code string, off int64, frames [2]uint64, at event.FrameRef, text string) {
	if h.ctx == nil {
		return
	}
	h.ctx.Diag(dir, true, at, &event.Diagnostic{Severity: sev, Code: code, Text: text, Offset: off, Frames: frames})
}

// once emits a diagnostic only the first time its key is seen.
func (h *Handler) once(key string, dir event.Dir, sev event.Severity, code string, off int64, fr [2]uint64, at event.FrameRef, text string) {
	if h.told[key] {
		return
	}
	h.told[key] = true
	h.diag(dir, sev, code, off, fr, at, text)
}

// Data implements flow.StreamHandler.
func (h *Handler) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	s := &h.d[dir]
	s.total += int64(len(data))
	if s.broken {
		s.enc += int64(len(data))
		return
	}
	if len(s.buf) == 0 {
		s.off = off
	}
	s.buf = append(s.buf, data...)
	s.refs = append(s.refs, refs...)
	for !s.broken && len(s.buf) >= 5 {
		hdr := s.buf[:5]
		n := int(hdr[3])<<8 | int(hdr[4])
		if hdr[0] < 20 || hdr[0] > 24 || hdr[1] != 3 || n > maxRecord {
			fr, at := h.frames(s, 0, 5)
			h.diag(dir, event.Error, "tls.bad_record", s.off, fr, at,
				fmt.Sprintf("%s: bytes at offset %d are not a TLS record header (type %d, version %d.%d, length %d); the rest of this direction is not analysed",
					dir, s.off, hdr[0], hdr[1], hdr[2], n))
			s.broken = true
			s.enc += int64(len(s.buf))
			s.buf, s.refs = nil, nil
			return
		}
		if len(s.buf) < 5+n {
			break
		}
		fr, at := h.frames(s, 0, 5+n)
		h.record(dir, s, hdr, s.buf[5:5+n], fr, at)
		s.buf = s.buf[5+n:]
		s.off += int64(5 + n)
		s.records++
		h.dropRefs(s)
	}
	if len(s.buf) == 0 {
		s.buf = s.buf[:0]
	}
}

// frames returns the first and last frame of buf[a:b] and the ref of the
// last one (its time), from the direction's refs.
func (h *Handler) frames(s *dirState, a, b int) ([2]uint64, event.FrameRef) {
	start, end := s.off+int64(a), s.off+int64(b)
	var fr [2]uint64
	var last event.FrameRef
	for _, r := range s.refs {
		if r.Offset+int64(r.Len) <= start || r.Offset >= end {
			continue
		}
		if fr[0] == 0 {
			fr[0] = r.Frame
		}
		fr[1] = r.Frame
		last = r
	}
	return fr, last
}

func (h *Handler) dropRefs(s *dirState) {
	i := 0
	for i < len(s.refs) && s.refs[i].Offset+int64(s.refs[i].Len) <= s.off {
		i++
	}
	s.refs = s.refs[i:]
}

// record handles one complete record.
func (h *Handler) record(dir event.Dir, s *dirState, hdr, body []byte, fr [2]uint64, at event.FrameRef) {
	typ := hdr[0]
	// Protected: every record after the keys changed (TLS 1.3: only the
	// application_data ones; ChangeCipherSpec never), and application
	// data however early.
	if s.epoch && (typ == 23 || !h.tls13) && typ != 20 || typ == 23 {
		s.prot += int64(len(hdr) + len(body))
	}
	if s.epoch && (typ == 23 || !h.tls13) && typ != 20 {
		if s.cipher == nil {
			if typ == 21 && h.closedBy == "" {
				// TLS 1.2 shows the type of a protected record: an
				// alert now is the session's end (close_notify, most
				// likely), even when it cannot be read.
				h.closedBy, h.closeHow = dirName(dir), "encrypted alert"
			}
			h.undecrypted(dir, s, len(hdr)+len(body), fr, at)
			return
		}
		t, plain, err := s.cipher.open(hdr, body, h.tls13)
		if err != nil {
			s.failed = true
			s.cipher = nil
			if h.why == "" {
				h.why = event.TLSWrongKeys
			}
			// One diagnostic per connection: the other direction fails
			// for the same reason.
			h.once("decrypt_failed", dir, event.Error, "tls.decrypt_failed", s.off, fr, at,
				fmt.Sprintf("%s: record %d (%d bytes) does not decrypt: %v — the key log's secrets do not fit this session (or the record is corrupt); the rest is counted as encrypted, not dissected",
					dir, s.records+1, len(body), err))
			s.enc += int64(len(hdr) + len(body))
			return
		}
		h.content(dir, s, t, plain, fr, at)
		return
	}
	if typ == 23 {
		// Application data before this handler saw the keys change: the
		// handshake was not seen whole.
		h.undecrypted(dir, s, len(hdr)+len(body), fr, at)
		return
	}
	h.content(dir, s, typ, body, fr, at)
}

func (h *Handler) undecrypted(dir event.Dir, s *dirState, n int, fr [2]uint64, at event.FrameRef) {
	s.enc += int64(n)
	if s.failed || h.why != "" {
		return // a diagnostic has said why already
	}
	cr := h.hello.ClientRandom
	switch {
	case !h.sh:
		h.once("encrypted", dir, event.Warn, "tls.encrypted", s.off, fr, at,
			"TLS content is encrypted and the session's handshake was not captured, so it cannot be decrypted; byte counts only")
	case h.suite == nil:
		h.once("encrypted", dir, event.Warn, "tls.encrypted", s.off, fr, at,
			fmt.Sprintf("TLS content is encrypted with %s, which rtmpscope cannot decrypt; byte counts only", SuiteName(h.hello.Suite)))
	case h.opts.KeyLog.Len() > 0 && !h.opts.KeyLog.HasRandom(cr):
		h.once("encrypted", dir, event.Warn, "tls.keylog_miss", s.off, fr, at,
			"TLS content is encrypted and the key log has no secrets for this session's client random (a key log of another session?); byte counts only")
	default:
		how := "give the client's SSLKEYLOGFILE with --tls-keylog FILE, or read a pcapng that carries it (editcap --inject-secrets tls,FILE)"
		if h.suite.rsaKex {
			how += ", or the server's RSA private key with --tls-key FILE"
		}
		h.once("encrypted", dir, event.Info, "tls.encrypted", s.off, fr, at,
			"TLS content is encrypted (RTMPS): to see the RTMP inside, "+how+"; until then byte counts only")
	}
}

// content handles the plaintext of a record.
func (h *Handler) content(dir event.Dir, s *dirState, typ byte, b []byte, fr [2]uint64, at event.FrameRef) {
	switch typ {
	case 20: // ChangeCipherSpec
		if !h.tls13 && h.sh {
			s.epoch = true
			s.cipher = s.pending
		}
	case 21:
		if len(b) < 2 {
			return
		}
		level, desc := b[0], int(b[1])
		who := dirName(dir)
		if desc == 0 {
			if h.closedBy == "" {
				h.closedBy, h.closeHow = who, "close_notify"
			}
			return
		}
		sev := event.Warn
		if level == 2 {
			sev = event.Error
			if h.closedBy == "" {
				h.closedBy, h.closeHow = who, "alert "+alertName(desc)
			}
		}
		h.diag(dir, sev, "tls.alert", s.off, fr, at, fmt.Sprintf("%s: TLS alert %s (level %d)", dir, alertName(desc), level))
	case 22:
		s.hs = append(s.hs, b...)
		for len(s.hs) >= 4 {
			n := int(s.hs[1])<<16 | int(s.hs[2])<<8 | int(s.hs[3])
			if n > 1<<20 {
				h.diag(dir, event.Error, "tls.bad_handshake", s.off, fr, at, fmt.Sprintf("%s: handshake message of %d bytes", dir, n))
				s.hs = nil
				return
			}
			if len(s.hs) < 4+n {
				break
			}
			msg := s.hs[:4+n]
			h.handshake(dir, s, msg[0], msg[4:], msg, fr, at)
			s.hs = s.hs[4+n:]
		}
		if len(s.hs) == 0 {
			s.hs = nil
		}
	case 23:
		h.appData(dir, s, b, at)
	}
}

func (h *Handler) handshake(dir event.Dir, s *dirState, typ byte, body, msg []byte, fr [2]uint64, at event.FrameRef) {
	if !h.tls13 && h.transcript != nil || (typ == 1 && h.transcript == nil) {
		if len(h.transcript) < 1<<20 {
			h.transcript = append(h.transcript, msg...)
		}
	}
	switch typ {
	case 1:
		if dir != event.C2S {
			return
		}
		if err := parseClientHello(body, &h.hello); err != nil {
			h.diag(dir, event.Warn, "tls.bad_handshake", s.off, fr, at, err.Error())
		}
	case 2:
		if dir != event.S2C {
			return
		}
		if err := parseServerHello(body, &h.hello); err != nil {
			h.diag(dir, event.Warn, "tls.bad_handshake", s.off, fr, at, err.Error())
			return
		}
		if h.hello.HRR {
			return
		}
		h.sh = true
		h.tls13 = h.hello.Version == 0x0304
		h.suite = suites[h.hello.Suite]
		if h.tls13 {
			h.d[0].epoch, h.d[1].epoch = true, true
		}
		h.setupKeys(dir, s, fr, at)
	case 11:
		cert, err := parseCertificate(body, h.tls13)
		if err != nil {
			h.diag(dir, event.Warn, "tls.bad_certificate", s.off, fr, at, fmt.Sprintf("%s: certificate not parsed: %v", dir, err))
			return
		}
		if h.cert == nil && dir == event.S2C {
			h.cert = &event.TLSCert{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
				NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
		}
	case 16:
		if dir == event.C2S && !h.tls13 && h.suite != nil && h.suite.rsaKex && h.opts.RSAKey != nil && h.d[0].pending == nil {
			h.rsaKeys(body, s, fr, at)
		}
	case 20:
		if h.tls13 && s.app13 != nil {
			c, err := keys13(h.suite, s.app13)
			if err == nil {
				s.cipher = c
			}
			s.app13 = nil
		}
	}
}

func (h *Handler) setupKeys(dir event.Dir, s *dirState, fr [2]uint64, at event.FrameRef) {
	if h.suite == nil {
		return
	}
	kl, cr := h.opts.KeyLog, h.hello.ClientRandom
	if h.tls13 {
		chs, shs := kl.Secret(cr, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"), kl.Secret(cr, "SERVER_HANDSHAKE_TRAFFIC_SECRET")
		cap0, sap0 := kl.Secret(cr, "CLIENT_TRAFFIC_SECRET_0"), kl.Secret(cr, "SERVER_TRAFFIC_SECRET_0")
		if chs == nil || shs == nil || cap0 == nil || sap0 == nil {
			return
		}
		c, err1 := keys13(h.suite, chs)
		sc, err2 := keys13(h.suite, shs)
		if err1 != nil || err2 != nil {
			h.why = event.TLSWrongKeys
			h.diag(dir, event.Error, "tls.bad_keys", s.off, fr, at, "the key log's TLS 1.3 secrets do not fit this session's cipher suite")
			return
		}
		h.d[event.C2S].cipher, h.d[event.S2C].cipher = c, sc
		h.d[event.C2S].app13, h.d[event.S2C].app13 = cap0, sap0
		return
	}
	if master := kl.Secret(cr, "CLIENT_RANDOM"); master != nil {
		h.keys12(master, s, fr, at)
	}
}

func (h *Handler) keys12(master []byte, s *dirState, fr [2]uint64, at event.FrameRef) {
	if len(master) != 48 {
		h.why = event.TLSWrongKeys
		h.diag(event.S2C, event.Error, "tls.bad_keys", s.off, fr, at, "the key log's master secret is not 48 bytes")
		return
	}
	c, sc, err := keys12(h.suite, master, h.hello.ClientRandom, h.hello.ServerRandom, h.hello.EtM)
	if err != nil {
		h.why = event.TLSWrongKeys
		h.diag(event.S2C, event.Error, "tls.bad_keys", s.off, fr, at, fmt.Sprintf("key expansion failed: %v", err))
		return
	}
	h.d[event.C2S].pending, h.d[event.S2C].pending = c, sc
}

// rsaKeys decrypts the pre-master secret of an RSA key exchange with the
// server's key and derives the session keys from it.
func (h *Handler) rsaKeys(body []byte, s *dirState, fr [2]uint64, at event.FrameRef) {
	if len(body) < 2 {
		return
	}
	enc := body[2:]
	pms := make([]byte, 48)
	if _, err := rand.Read(pms); err != nil {
		return
	}
	// Session-key decryption with a random fallback (as a server does)
	// and a check of the version bytes tell a wrong key apart.
	//lint:ignore SA1019 passive decryption of TLS 1.2's RSA key exchange needs PKCS #1 v1.5: it is what the peers used
	if err := rsa.DecryptPKCS1v15SessionKey(nil, h.opts.RSAKey, enc, pms); err != nil ||
		int(pms[0])<<8|int(pms[1]) != int(h.hello.ClientVersion) {
		h.why = event.TLSWrongKeys
		h.diag(event.C2S, event.Error, "tls.bad_keys", s.off, fr, at,
			"the RSA key given with --tls-key does not decrypt this session's pre-master secret (another server's key?)")
		return
	}
	var master []byte
	if h.hello.EMS {
		hh := h.suite.prf.New()
		hh.Write(h.transcript)
		master = prf12(h.suite.prf, pms, "extended master secret", hh.Sum(nil), 48)
	} else {
		master = prf12(h.suite.prf, pms, "master secret", append(append([]byte(nil), h.hello.ClientRandom...), h.hello.ServerRandom...), 48)
	}
	h.keys12(master, s, fr, at)
}

// httpStart reports whether b starts like an HTTP request line.
func httpStart(b []byte) bool {
	for _, m := range []string{"POST ", "GET ", "HEAD ", "PUT ", "OPTIONS "} {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

func (h *Handler) appData(dir event.Dir, s *dirState, b []byte, at event.FrameRef) {
	if len(b) == 0 {
		return
	}
	s.plain += int64(len(b))
	if !h.innerTried && h.ctx != nil {
		h.innerTried = true
		name := "rtmp"
		if dir == event.C2S && httpStart(b) {
			name = "rtmpt"
			h.ctx.Info.Variant = event.VariantRTMPTS
		}
		h.inner = h.ctx.Inner(name)
	}
	if h.inner != nil {
		ref := []event.FrameRef{{Offset: s.innerOff, Len: len(b), Frame: at.Frame, Time: at.Time}}
		h.inner.Data(dir, s.innerOff, b, ref)
	}
	s.innerOff += int64(len(b))
}

// Gap implements flow.StreamHandler: record framing is lost, so the rest
// of the direction is only counted.
func (h *Handler) Gap(dir event.Dir, g flow.Gap) {
	s := &h.d[dir]
	if s.broken {
		return
	}
	s.broken = true
	s.enc += int64(len(s.buf))
	s.buf, s.refs = nil, nil
	if h.why == "" && s.plain == 0 && h.reason() != event.TLSNoKeys {
		h.why = event.TLSMissingBytes
	}
	h.diag(dir, event.Warn, "tls.gap", g.Offset, [2]uint64{g.Frame, g.Frame}, event.FrameRef{Frame: g.Frame, Time: g.Time},
		fmt.Sprintf("%s: bytes missing from the TLS stream; record boundaries and sequence numbers are lost, so the rest of this direction is counted, not decrypted", dir))
	if h.inner != nil {
		h.inner.Gap(dir, flow.Gap{Offset: s.innerOff, Bytes: -1, Reason: g.Reason, Frame: g.Frame, Time: g.Time})
	}
}

// Close implements flow.StreamHandler.
func (h *Handler) Close(ev *event.ConnEvent) {
	if h.inner != nil {
		h.inner.Close(ev)
	}
	for i := range h.d {
		s := &h.d[i]
		if h.inner == nil {
			ev.Bytes[i] = s.total
		}
		ev.Account[i].Encrypted += s.enc + int64(len(s.buf))
	}
	ev.TLS = h.Info()
	if ev.TLS.Close == "" && ev.Stats != nil {
		// Neither side's close_notify was seen: the side whose FIN or RST
		// came first ended the session.
		first := -1
		for d, ds := range ev.Stats.Dir {
			if ds.CloseFrame != 0 && (first < 0 || ds.CloseFrame < ev.Stats.Dir[first].CloseFrame) {
				first = d
			}
		}
		if first >= 0 {
			ev.TLS.ClosedBy, ev.TLS.Close = dirName(event.Dir(first)), "tcp fin"
			if ev.Stats.Dir[first].Reset {
				ev.TLS.Close = "tcp rst"
			}
		}
	}
}

// dirName names the side that sends dir.
func dirName(dir event.Dir) string {
	if dir == event.S2C {
		return "server"
	}
	return "client"
}

// Session returns what the handshake said (for tests and callers that
// hold the handler).
func (h *Handler) Session() Hello { return h.hello }

// Plaintext returns the application bytes decrypted per direction.
func (h *Handler) Plaintext() [2]int64 { return [2]int64{h.d[0].plain, h.d[1].plain} }
