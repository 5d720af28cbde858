package rtmfp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Options configure the RTMFP handler.
type Options struct {
	// Keys are the session keys of --rtmfp-keys; nil: sessions are shown
	// without their content.
	Keys *KeyLog
	// MaxMessage and MaxPending bound each flow's reassembly (0: the
	// defaults, DefaultMaxMessage and DefaultMaxPending).
	MaxMessage int
	MaxPending int
}

// Protocol is RTMFP's registration with the flow router.
func Protocol(opts Options) flow.Protocol {
	return flow.Protocol{
		Name:      "rtmfp",
		Transport: event.TransportUDP,
		Sniff:     sniffer(opts),
		Datagram:  func(ctx *flow.Context) flow.DatagramHandler { return newHandler(ctx, opts) },
	}
}

// emitter is where a handler's events go: the flow Context, or a test's
// collector.
type emitter interface {
	Emit(event.Event)
}

// handler dissects one UDP flow. The flow's client is the initiator
// (C2S = initiator to responder); a flow may hold several sessions (a
// retried handshake, a new session on the same ports).
type handler struct {
	out     emitter
	opts    Options
	def     *Cipher
	pending *session // after IHello/RHello, before IIKeying
	all     []*session
	// bySID finds a session by the session id its packets carry in a
	// direction: packets to the responder carry the responder's id.
	bySID [2]map[uint32]*session

	diagN map[diagKey]int

	account  [2]event.Accounting
	messages [2]int
	bad      [2]uint64
	last     event.FrameRef
}

func newHandler(out emitter, opts Options) *handler {
	return &handler{out: out, opts: opts, def: NewDefaultCipher(),
		bySID: [2]map[uint32]*session{{}, {}}}
}

type diagKey struct {
	code   string
	dir    event.Dir
	hasDir bool
}

// tsMark is the last header timestamp a direction sent, with when it was
// captured: an echo in the other direction is measured against it.
type tsMark struct {
	ok bool
	ts uint16
	at time.Time
}

type flowState struct {
	r        *Reassembler
	dir      event.Dir
	info     event.RTMFPFlow
	metaSeen bool
	isTC     bool
	meta     TCMetadata
	notTC    bool // rtmfp.flow_not_tc was reported
}

type session struct {
	info   event.RTMFPSession
	ic, rc []byte // the key components, for the key file
	ciph   [2]*Cipher
	integ  [2]Integrity
	trial  [2]int // packets tried against every key line (no handshake)
	mid    bool   // the handshake was not captured
	hsSent bool

	flows  [2]map[uint64]*flowState
	lastUD [2]*UserData
	ts     [2]tsMark
	stats  event.RTMFPStats

	failFrame [2]uint64
	unknown   map[byte]bool
	malformed int
}

// maxSessions bounds the sessions one UDP flow may hold: datagrams with
// ever new session ids are noise or an attack, not sessions.
const maxSessions = 256

// maxTrialPackets bounds the packets of a session without a handshake
// that are tried against every key line.
const maxTrialPackets = 8

// maxMalformedDiags bounds the malformed-chunk diagnostics of a session;
// the rest are counted.
const maxMalformedDiags = 8

// maxDiagPerCode is as the RTMP dissector's default: at most 50
// diagnostics of a code per direction, the rest counted in one
// diag.suppressed at close.
const maxDiagPerCode = 50

func (h *handler) diag(dir event.Dir, hasDir bool, ref event.FrameRef, code, format string, args ...any) {
	if h.diagN == nil {
		h.diagN = map[diagKey]int{}
	}
	k := diagKey{code, dir, hasDir}
	h.diagN[k]++
	if h.diagN[k] > maxDiagPerCode {
		return
	}
	h.out.Emit(event.Event{Kind: event.KindDiagnostic, Dir: dir, HasDir: hasDir, Time: ref.Time, Diag: &event.Diagnostic{
		Severity: Codes[code], Code: code, Text: fmt.Sprintf(format, args...), Offset: -1,
		Frames: [2]uint64{ref.Frame, ref.Frame}}})
}

func (h *handler) newSession() *session {
	if len(h.all) >= maxSessions {
		// Reuse the last one: counts stay right enough, memory bounded.
		return h.all[len(h.all)-1]
	}
	s := &session{flows: [2]map[uint64]*flowState{{}, {}}}
	h.all = append(h.all, s)
	return s
}

// Datagram takes one datagram of the flow.
func (h *handler) Datagram(dir event.Dir, d []byte, ref event.FrameRef) {
	h.last = ref
	sid := SessionID(d)
	s := h.bySID[dir][sid]
	if len(d) < minDatagram {
		h.badPacket(dir, ref, len(d), "shorter than a session id and one cipher block")
		return
	}
	if s != nil && s.ciph[dir] != nil {
		if p, err := s.ciph[dir].Open(d, s.integ[dir]); err == nil && p.Mode() != ModeStartup {
			s.count(dir, len(d))
			h.sessionPacket(s, dir, &p, len(d), ref)
			return
		}
	}
	// Startup packets: session id 0, or an RIKeying sent to the
	// initiator's session id.
	if p, err := h.def.Open(d, Integrity{}); err == nil && p.Mode() == ModeStartup {
		h.account[dir].Handshake += int64(len(d))
		h.startup(dir, &p, len(d), ref)
		return
	}
	if s == nil && sid != 0 && len(h.all) < maxSessions {
		// A session whose handshake was not captured.
		s = h.newSession()
		s.mid = true
		s.info.Failure = "handshake not captured"
		if dir == event.C2S {
			s.info.ResponderSessionID = sid
		} else {
			s.info.InitiatorSessionID = sid
		}
		h.bySID[dir][sid] = s
	}
	if s == nil {
		h.badPacket(dir, ref, len(d), "does not verify under the default key")
		return
	}
	s.count(dir, len(d))
	if s.ciph[dir] == nil && s.mid && h.opts.Keys.Len() > 0 && s.trial[dir] < maxTrialPackets {
		s.trial[dir]++
		if kl, mode, ok := trialKeys(h.opts.Keys, d); ok {
			h.keySessionFromLine(s, dir, kl, d, mode)
			if s.ciph[dir] != nil {
				if p, err := s.ciph[dir].Open(d, s.integ[dir]); err == nil {
					h.sessionPacket(s, dir, &p, len(d), ref)
					return
				}
			}
		}
	}
	h.undecryptable(s, dir, len(d), ref)
}

func (s *session) count(dir event.Dir, n int) {
	s.stats.Packets[dir]++
	s.stats.Bytes[dir] += int64(n)
}

func (h *handler) badPacket(dir event.Dir, ref event.FrameRef, n int, why string) {
	h.account[dir].Skipped += int64(n)
	h.bad[dir]++
	if h.bad[dir] <= 3 {
		h.diag(dir, true, ref, CodeBadPacket, "%d-byte datagram is not an RTMFP packet of a known session: %s", n, why)
	}
}

func (h *handler) undecryptable(s *session, dir event.Dir, n int, ref event.FrameRef) {
	h.account[dir].Encrypted += int64(n)
	s.stats.Undecryptable[dir]++
	if s.info.Keyed && s.failFrame[dir] == 0 {
		s.failFrame[dir] = ref.Frame
		h.diag(dir, true, ref, CodeDecryptFailed, "a packet of session %08x does not verify under its keys (%s): corrupt, or the key line is wrong", s.rxSID(dir), s.integ[dir])
	}
}

// rxSID is the session id the packets of dir carry.
func (s *session) rxSID(dir event.Dir) uint32 {
	if dir == event.C2S {
		return s.info.ResponderSessionID
	}
	return s.info.InitiatorSessionID
}

// keySessionFromLine sets a handshake-less session's keys from the line
// that verified one of its packets in dir.
func (h *handler) keySessionFromLine(s *session, dir event.Dir, kl *KeyLine, d []byte, mode Integrity) {
	// Which of the line's keys verified says which endpoint wrote it.
	enc, _ := NewCipher(kl.Encrypt, kl.SendHMAC)
	sendDir := dir // direction the writer's encrypt key protects
	if _, err := enc.Open(d, mode); err != nil {
		sendDir = dir.Reverse()
	}
	s.ciph[sendDir], _ = NewCipher(kl.Encrypt, kl.SendHMAC)
	s.ciph[sendDir.Reverse()], _ = NewCipher(kl.Decrypt, kl.RecvHMAC)
	s.integ[dir], s.integ[dir.Reverse()] = mode, mode
	s.info.Keyed = true
	s.info.Integrity = [2]string{mode.String(), mode.String()}
}

// startup decodes a default-key packet's handshake chunks.
func (h *handler) startup(dir event.Dir, p *Packet, n int, ref event.FrameRef) {
	cs := NewChunks(p.Chunks)
	var counted *session
	for {
		ch, ok := cs.Next()
		if !ok {
			break
		}
		s := h.handshakeChunk(dir, p, ch, ref)
		if s != nil && counted == nil {
			counted = s
			s.count(dir, n)
			s.stats.Decrypted[dir]++
		}
	}
	if cs.Err != nil {
		h.diag(dir, true, ref, CodeHandshakeMalformed, "startup packet: %v", cs.Err)
	}
}

func part(pt *event.RTMFPPart, ref event.FrameRef) bool {
	pt.Count++
	if pt.Count == 1 {
		pt.Frame, pt.Time = ref.Frame, ref.Time
		return true
	}
	return false
}

// byTag finds the session whose IHello carried tag: a retransmitted
// IHello, or an RHello (a late or repeated one too), belongs to it.
func (h *handler) byTag(tag string) *session {
	if h.pending != nil && h.pending.info.Tag == tag {
		return h.pending
	}
	for i := len(h.all) - 1; i >= 0; i-- {
		if h.all[i].info.Tag == tag && tag != "" {
			return h.all[i]
		}
	}
	return nil
}

// handshakeChunk decodes one startup chunk and returns the session it
// belongs to.
func (h *handler) handshakeChunk(dir event.Dir, p *Packet, ch Chunk, ref event.FrameRef) *session {
	malformed := func(err error) *session {
		h.diag(dir, true, ref, CodeHandshakeMalformed, "%s: %v", ChunkName(ch.Type), err)
		return nil
	}
	switch ch.Type {
	case ChunkIHello, ChunkFIHello:
		ih, err := ParseIHello(ch.Value)
		if err == nil && ch.Type == ChunkFIHello {
			ih, err = ParseFIHello(ch.Value)
		}
		if err != nil {
			return malformed(err)
		}
		if s := h.byTag(hex.EncodeToString(ih.Tag)); s != nil {
			part(&s.info.IHello, ref)
			if s.info.IHello.Count == 2 {
				h.diag(dir, true, ref, CodeHandshakeRetransmit, "IHello sent again (first in frame %d): no RHello yet", s.info.IHello.Frame)
			}
			return s
		}
		s := h.newSession()
		h.pending = s
		s.info.Tag = hex.EncodeToString(ih.Tag)
		s.info.EPD, err = ParseEPD(ih.EPD)
		if err != nil {
			h.diag(dir, true, ref, CodeHandshakeMalformed, "IHello endpoint discriminator: %v", err)
		}
		part(&s.info.IHello, ref)
		return s
	case ChunkRHello:
		rh, err := ParseRHello(ch.Value)
		if err != nil {
			return malformed(err)
		}
		s := h.byTag(hex.EncodeToString(rh.Tag))
		if s == nil {
			// An RHello for an IHello not captured.
			s = h.newSession()
			h.pending = s
			s.info.Tag = hex.EncodeToString(rh.Tag)
		}
		if part(&s.info.RHello, ref) {
			s.info.Cookie = hex.EncodeToString(rh.Cookie)
			s.info.ResponderCert, err = ParseCert(rh.Cert)
			if err != nil {
				h.diag(dir, true, ref, CodeHandshakeMalformed, "RHello certificate: %v", err)
			}
			if s.info.IHello.Count > 0 {
				s.info.HelloRTT = ref.Time.Sub(s.info.IHello.Time)
			}
		}
		return s
	case ChunkRedirect:
		rd, err := ParseRedirect(ch.Value)
		if err != nil {
			return malformed(err)
		}
		s := h.pending
		if s == nil {
			s = h.newSession()
			h.pending = s
		}
		if part(&s.info.Redirect, ref) {
			for _, a := range rd.Addrs {
				s.info.RedirectTo = append(s.info.RedirectTo, a.String())
			}
			h.diag(dir, true, ref, CodeRedirect, "responder redirects the initiator to %v", s.info.RedirectTo)
		}
		return s
	case ChunkCookieChange:
		cc, err := ParseCookieChange(ch.Value)
		if err != nil {
			return malformed(err)
		}
		s := h.bySID[event.S2C][p.SessionID]
		if s == nil {
			s = h.pending
		}
		if s != nil && part(&s.info.CookieChange, ref) {
			s.info.Cookie = hex.EncodeToString(cc.New)
			h.diag(dir, true, ref, CodeCookieChange, "responder replaced the cookie (%d bytes) with a new one (%d bytes): the initiator must send IIKeying again", len(cc.Old), len(cc.New))
		}
		return s
	case ChunkIIKeying:
		ik, err := ParseIIKeying(ch.Value)
		if err != nil {
			return malformed(err)
		}
		if s := h.bySID[event.S2C][ik.SessionID]; s != nil && s.info.IIKeying.Count > 0 {
			part(&s.info.IIKeying, ref)
			if s.info.IIKeying.Count == 2 && !s.info.Complete {
				// (also after an RIKeying the initiator did not accept)
				h.diag(dir, true, ref, CodeHandshakeRetransmit, "IIKeying for session %08x sent again (first in frame %d): no RIKeying the initiator accepted yet", ik.SessionID, s.info.IIKeying.Frame)
			}
			return s
		}
		s := h.pending
		if s == nil || s.info.IIKeying.Count > 0 {
			s = h.newSession()
		}
		h.pending = nil
		part(&s.info.IIKeying, ref)
		s.info.InitiatorSessionID = ik.SessionID
		if s.info.Cookie != "" && s.info.Cookie != hex.EncodeToString(ik.Cookie) {
			h.diag(dir, true, ref, CodeHandshakeMalformed, "IIKeying echoes a cookie that differs from RHello's")
		}
		s.info.Cookie = hex.EncodeToString(ik.Cookie)
		s.info.InitiatorCert, err = ParseCert(ik.Cert)
		if err != nil {
			h.diag(dir, true, ref, CodeHandshakeMalformed, "IIKeying certificate: %v", err)
		}
		s.ic = bytes.Clone(ik.Component)
		s.info.InitiatorKeying, err = ParseKeying(ik.Component)
		if err != nil {
			h.diag(dir, true, ref, CodeHandshakeMalformed, "IIKeying key component: %v", err)
		}
		h.bySID[event.S2C][ik.SessionID] = s
		return s
	case ChunkRIKeying:
		rk, err := ParseRIKeying(ch.Value)
		if err != nil {
			return malformed(err)
		}
		s := h.bySID[event.S2C][p.SessionID]
		if s == nil {
			s = h.newSession()
			s.info.InitiatorSessionID = p.SessionID
			s.info.Failure = "IIKeying not captured"
			h.bySID[event.S2C][p.SessionID] = s
		}
		if !part(&s.info.RIKeying, ref) {
			return s
		}
		s.info.ResponderSessionID = rk.SessionID
		s.rc = bytes.Clone(rk.Component)
		s.info.ResponderKeying, err = ParseKeying(rk.Component)
		if err != nil {
			h.diag(dir, true, ref, CodeHandshakeMalformed, "RIKeying key component: %v", err)
		}
		h.bySID[event.C2S][rk.SessionID] = s
		if s.info.IIKeying.Count > 0 {
			s.info.KeyingRTT = ref.Time.Sub(s.info.IIKeying.Time)
			s.info.Complete, s.info.Failure = true, ""
			if why := keyingProblem(s.info.InitiatorKeying, s.info.ResponderKeying); why != "" {
				// On the wire the handshake is done, but the initiator
				// cannot derive keys from this answer.
				s.info.Complete, s.info.Failure = false, "RIKeying not acceptable: "+why
			}
		}
		h.established(s, ref)
		return s
	}
	// Session chunks in a startup packet (a ping before the session is
	// up) are not the handshake's business.
	return nil
}

// established is RIKeying: the integrity modes follow from the two
// components, and the keys from the key file.
func (h *handler) established(s *session, ref event.FrameRef) {
	s.integ[event.C2S] = negotiate(s.info.InitiatorKeying, s.info.ResponderKeying)
	s.integ[event.S2C] = negotiate(s.info.ResponderKeying, s.info.InitiatorKeying)
	s.info.Integrity = [2]string{s.integ[0].String(), s.integ[1].String()}
	if i2r, r2i, _, ok := h.opts.Keys.lookup(s.ic, s.rc); ok {
		var err1, err2 error
		s.ciph[event.C2S], err1 = NewCipher(i2r.key, i2r.hmacKey)
		s.ciph[event.S2C], err2 = NewCipher(r2i.key, r2i.hmacKey)
		s.info.Keyed = err1 == nil && err2 == nil
	}
	if !s.hsSent {
		s.hsSent = true
		info := s.info
		h.out.Emit(event.Event{Kind: event.KindHandshake, Time: ref.Time, Handshake: &event.Handshake{C0: -1, S0: -1, Complete: info.Complete, RTT: info.KeyingRTT, RTMFP: &info}})
	}
	switch {
	case s.info.Keyed, !s.info.Complete && s.info.Failure != "":
		// keyed, or no session came of it (handshake_incomplete says why)
	case h.opts.Keys.Len() > 0:
		h.diag(0, false, ref, CodeKeysUnmatched, "no line of the RTMFP key file (%d lines) has this session's key components; its content stays encrypted", h.opts.Keys.Len())
	default:
		h.diag(0, false, ref, CodeEncrypted, "session %08x/%08x is encrypted with keys from a Diffie-Hellman exchange: its content needs the session keys (--rtmfp-keys FILE, RTMFP_KEYS lines); handshake, counts and RTT are shown", s.info.InitiatorSessionID, s.info.ResponderSessionID)
	}
}

// sessionPacket decodes a packet that verified under a session's keys.
func (h *handler) sessionPacket(s *session, dir event.Dir, p *Packet, n int, ref event.FrameRef) {
	s.stats.Decrypted[dir]++
	h.account[dir].Payload += int64(n)
	h.timestamps(s, dir, p, ref)
	cs := NewChunks(p.Chunks)
	for {
		ch, ok := cs.Next()
		if !ok {
			break
		}
		s.stats.Chunks[dir]++
		h.sessionChunk(s, dir, ch, ref)
	}
	if cs.Err != nil {
		h.malformed(s, dir, ref, "%v", cs.Err)
	}
}

// timestamps measures the round trip from a timestamp echo (RFC 7016
// §3.5.2.2) at the capture point: the echo is the other direction's
// timestamp, advanced by how long the echoing side held it, so the
// difference to the other direction's clock now is the path's RTT.
func (h *handler) timestamps(s *session, dir event.Dir, p *Packet, ref event.FrameRef) {
	if p.HasEcho() {
		if m := s.ts[dir.Reverse()]; m.ok {
			ticks := int64(ref.Time.Sub(m.at) / (4 * time.Millisecond))
			now := uint16(int64(m.ts) + ticks)
			rtt := time.Duration(now-p.TimestampEcho) * 4 * time.Millisecond
			if rtt < 30*time.Second {
				if s.stats.RTTSamples == 0 || rtt < s.stats.RTTMin {
					s.stats.RTTMin = rtt
				}
				s.stats.RTTLast = rtt
				s.stats.RTTSamples++
			}
		}
	}
	if p.HasTimestamp() {
		s.ts[dir] = tsMark{ok: true, ts: p.Timestamp, at: ref.Time}
	}
}

func (h *handler) malformed(s *session, dir event.Dir, ref event.FrameRef, format string, args ...any) {
	s.malformed++
	if s.malformed <= maxMalformedDiags {
		h.diag(dir, true, ref, CodeChunkMalformed, format, args...)
	}
}

func (h *handler) sessionChunk(s *session, dir event.Dir, ch Chunk, ref event.FrameRef) {
	switch ch.Type {
	case ChunkUserData, ChunkNextUserData:
		next := ch.Type == ChunkNextUserData
		u, err := ParseUserData(ch.Value, next)
		if err != nil {
			h.malformed(s, dir, ref, "%s: %v", ChunkName(ch.Type), err)
			return
		}
		if next {
			prev := s.lastUD[dir]
			if prev == nil {
				h.malformed(s, dir, ref, "Next User Data without a User Data before it in the packet")
				return
			}
			u.FlowID, u.Seq, u.FSNOffset = prev.FlowID, prev.Seq+1, prev.FSNOffset+1
		}
		s.lastUD[dir] = &UserData{FlowID: u.FlowID, Seq: u.Seq, FSNOffset: u.FSNOffset}
		s.stats.UserData[dir]++
		h.userData(s, dir, &u, ref)
		return
	}
	s.lastUD[dir] = nil // Next User Data follows User Data directly
	switch ch.Type {
	case ChunkAckBitmap, ChunkAckRanges:
		if _, err := ParseAck(ch.Value, ch.Type == ChunkAckRanges); err != nil {
			h.malformed(s, dir, ref, "%s: %v", ChunkName(ch.Type), err)
			return
		}
		s.stats.Acks[dir]++
	case ChunkPing:
		s.stats.Pings[dir]++
	case ChunkPingReply:
		s.stats.PingReplies[dir]++
	case ChunkBufferProbe:
		if _, err := ParseBufferProbe(ch.Value); err != nil {
			h.malformed(s, dir, ref, "%s: %v", ChunkName(ch.Type), err)
		}
	case ChunkException:
		fe, err := ParseFlowException(ch.Value)
		if err != nil {
			h.malformed(s, dir, ref, "%s: %v", ChunkName(ch.Type), err)
			return
		}
		h.diag(dir, true, ref, CodeFlowException, "the receiver rejects flow %d (exception code %d)", fe.FlowID, fe.Code)
	case ChunkClose:
		if !s.stats.Closed {
			s.stats.Closed, s.stats.CloseBy = true, dir
		}
	case ChunkCloseAck:
		switch {
		case !s.stats.Closed:
			// An acknowledgement without a request is an abrupt close
			// (RFC 7016 §3.5.5.2); rtmfp-cpp closes this way.
			s.stats.Closed, s.stats.CloseBy, s.stats.CloseAcked = true, dir, true
			h.diag(dir, true, ref, CodeSessionClose, "session %08x/%08x closed abruptly by the %s (Session Close Acknowledgement without a request)", s.info.InitiatorSessionID, s.info.ResponderSessionID, sideName(dir))
		case !s.stats.CloseAcked && dir != s.stats.CloseBy:
			s.stats.CloseAcked = true
			h.diag(dir, true, ref, CodeSessionClose, "session %08x/%08x closed by the %s, acknowledged", s.info.InitiatorSessionID, s.info.ResponderSessionID, sideName(s.stats.CloseBy))
		}
	default:
		if !KnownChunk(ch.Type) || ch.Type == ChunkECNReport {
			s.stats.UnknownChunks[dir]++
			if s.unknown == nil {
				s.unknown = map[byte]bool{}
			}
			if !s.unknown[ch.Type] {
				s.unknown[ch.Type] = true
				h.diag(dir, true, ref, CodeChunkUnknown, "chunk type 0x%02x (%s), %d bytes: not in RFC 7016; skipped", ch.Type, ChunkName(ch.Type), len(ch.Value))
			}
		}
	}
}

func sideName(d event.Dir) string {
	if d == event.C2S {
		return "initiator"
	}
	return "responder"
}

func (h *handler) userData(s *session, dir event.Dir, u *UserData, ref event.FrameRef) {
	f := s.flows[dir][u.FlowID]
	if f == nil {
		f = &flowState{dir: dir}
		f.r = NewReassembler(u.FlowID,
			func(m FlowMessage) { h.flowMessage(s, f, m) },
			func(n FlowNote) {
				h.diag(dir, true, event.FrameRef{Frame: n.Frame, Time: n.Time}, n.Code, "%s", n.Text)
			})
		if h.opts.MaxMessage > 0 {
			f.r.MaxMessage = h.opts.MaxMessage
		}
		if h.opts.MaxPending > 0 {
			f.r.MaxPending = h.opts.MaxPending
		}
		s.flows[dir][u.FlowID] = f
		s.stats.Flows[dir]++
	}
	if u.HasMetadata && !f.metaSeen {
		f.metaSeen = true
		f.meta, f.isTC = ParseTCMetadata(u.Metadata)
	}
	if u.HasReturnFlow {
		f.info.ReturnFlow, f.info.HasReturnFlow = u.ReturnFlow, true
	}
	f.info.Fragments++
	f.r.Add(u, ref.Frame, ref.Time)
}

// flowMessage turns a flow message into the RTMP message it carries. A
// flow has no chunk streams: CSID holds the flow id, Offset the sequence
// number of the message's first fragment, ChunkCount its fragments.
func (h *handler) flowMessage(s *session, f *flowState, m FlowMessage) {
	ref := event.FrameRef{Frame: m.Frames[1], Time: m.Time}
	if f.metaSeen && !f.isTC {
		if !f.notTC {
			f.notTC = true
			h.diag(f.dir, true, ref, CodeFlowNotTC, "flow %d's metadata is not an RFC 7425 TC flow's; its messages are counted, not decoded", m.FlowID)
		}
		s.stats.Messages[f.dir]++
		return
	}
	typ, ts, body, err := ParseTCMessage(m.Data)
	if err != nil {
		h.diag(f.dir, true, ref, CodeMessageMalformed, "flow %d message at sequence number %d: %d bytes, shorter than its type and timestamp", m.FlowID, m.Seq[0], len(m.Data))
		return
	}
	s.stats.Messages[f.dir]++
	f.info.Messages++
	h.messages[f.dir]++
	csid := uint32(m.FlowID)
	if m.FlowID > 0xffffffff {
		csid = 0xffffffff
	}
	msg := &event.Message{
		Dir: f.dir, Time: m.Time, Frame: m.Frames[1], Frames: m.Frames, Offset: int64(m.Seq[0] & (1<<63 - 1)),
		CSID: csid, MSID: f.meta.StreamID, Timestamp: ts, TS: event.TSHow{Field: ts},
		TypeID: event.MsgType(typ), Length: uint32(len(body)), ChunkCount: m.Fragments,
		Body: bytes.Clone(body), Confidence: 1,
	}
	if !f.metaSeen {
		// The flow began before the capture: its stream id is unknown.
		msg.MSIDGuess, msg.Inferred, msg.Confidence = true, true, 0.5
		msg.InferNote = "flow metadata (the message stream id) was not captured"
	}
	h.out.Emit(event.Event{Kind: event.KindMessage, Dir: f.dir, HasDir: true, Time: m.Time, Message: msg})
}

// Close ends the flow: every flow's reassembly is finished, every session
// summarised.
func (h *handler) Close(ev *event.ConnEvent) {
	ref := h.last
	for _, s := range h.all {
		for d := range s.flows {
			ids := make([]uint64, 0, len(s.flows[d]))
			for id := range s.flows[d] {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				f := s.flows[d][id]
				f.r.Close(ref.Frame, ref.Time)
				fi := f.info
				fi.Dir, fi.ID, fi.TC, fi.MSID, fi.NetworkOrder = event.Dir(d), id, f.isTC, f.meta.StreamID, f.meta.NetworkOrder
				fi.Duplicates, fi.Missing, fi.Fin = f.r.Duplicates, f.r.Missing, f.r.Fin
				s.stats.FlowList = append(s.stats.FlowList, fi)
			}
		}
		h.summarise(s, ref)
	}
	keys := make([]diagKey, 0, len(h.diagN))
	for k, n := range h.diagN {
		if n > maxDiagPerCode {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b diagKey) int {
		if a.code != b.code {
			return strings.Compare(a.code, b.code)
		}
		return int(a.dir) - int(b.dir)
	})
	for _, k := range keys {
		h.out.Emit(event.Event{Kind: event.KindDiagnostic, Dir: k.dir, HasDir: k.hasDir, Time: ref.Time, Diag: &event.Diagnostic{
			Severity: event.Info, Code: "diag.suppressed", Offset: -1, Frames: [2]uint64{ref.Frame, ref.Frame},
			Text: fmt.Sprintf("%d more %s diagnostics were suppressed", h.diagN[k]-maxDiagPerCode, k.code)}})
	}
	ev.RTMP = len(h.all) > 0
	ev.Messages = h.messages
	ev.Account = h.account
	for _, s := range h.all {
		if s.mid {
			ev.MidStream = true
		}
	}
}

func (h *handler) summarise(s *session, ref event.FrameRef) {
	if !s.info.Complete && !s.mid && s.info.Failure != "" {
		h.diag(0, false, ref, CodeHandshakeIncomplete, "RTMFP handshake did not complete: %s", s.info.Failure)
	}
	if !s.info.Complete && !s.mid && s.info.Failure == "" {
		switch {
		case s.info.IIKeying.Count > 0:
			s.info.Failure = fmt.Sprintf("IIKeying sent %d time(s), no RIKeying", s.info.IIKeying.Count)
		case s.info.RHello.Count > 0:
			s.info.Failure = "RHello answered, no IIKeying"
		case s.info.Redirect.Count > 0:
			s.info.Failure = fmt.Sprintf("redirected to %v", s.info.RedirectTo)
		default:
			s.info.Failure = fmt.Sprintf("IHello sent %d time(s), no answer", s.info.IHello.Count)
		}
		// A redirect is an answer: the handshake goes on elsewhere
		// (rtmfp.redirect said where), nothing failed here.
		if s.info.Redirect.Count == 0 {
			h.diag(0, false, ref, CodeHandshakeIncomplete, "RTMFP handshake did not complete: %s", s.info.Failure)
		}
	}
	if s.mid && !s.info.Keyed {
		if h.opts.Keys.Len() > 0 {
			h.diag(0, false, ref, CodeKeysUnmatched, "session %08x/%08x: handshake not captured and no key line verifies its packets; its content stays encrypted", s.info.InitiatorSessionID, s.info.ResponderSessionID)
		} else {
			h.diag(0, false, ref, CodeEncrypted, "session %08x/%08x (handshake not captured) is encrypted: its content needs the session keys (--rtmfp-keys FILE, RTMFP_KEYS lines)", s.info.InitiatorSessionID, s.info.ResponderSessionID)
		}
	}
	if s.stats.Closed && !s.stats.CloseAcked {
		h.diag(s.stats.CloseBy, true, ref, CodeSessionClose, "session %08x/%08x: the %s asked to close; no acknowledgement captured", s.info.InitiatorSessionID, s.info.ResponderSessionID, sideName(s.stats.CloseBy))
	}
	info := s.info
	st := s.stats
	info.Stats = &st
	h.out.Emit(event.Event{Kind: event.KindHandshake, Time: ref.Time, Handshake: &event.Handshake{C0: -1, S0: -1, Complete: info.Complete, RTT: info.KeyingRTT, RTMFP: &info}})
}
