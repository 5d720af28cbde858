package dissect

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Chunk streams built by hand from the byte layouts of the RTMP
// specification (section 5.3), for the cases the captured programs do not
// produce or that need exact control.

func basicHeader(f byte, csid uint32) []byte {
	switch {
	case csid < 64:
		return []byte{f<<6 | byte(csid)}
	case csid < 320:
		return []byte{f << 6, byte(csid - 64)}
	default:
		v := csid - 64
		return []byte{f<<6 | 1, byte(v), byte(v >> 8)}
	}
}

func be24(v uint32) []byte { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }

// chunkHdr builds a chunk header; ts is the absolute (fmt 0) or delta
// value, written as an extended timestamp when >= 0xFFFFFF.
func chunkHdr(f byte, csid, ts, length uint32, typ event.MsgType, msid uint32) []byte {
	b := basicHeader(f, csid)
	field := ts
	if ts >= extMarker {
		field = extMarker
	}
	if f <= 2 {
		b = append(b, be24(field)...)
	}
	if f <= 1 {
		b = append(b, be24(length)...)
		b = append(b, byte(typ))
	}
	if f == 0 {
		b = binary.LittleEndian.AppendUint32(b, msid)
	}
	if f <= 2 && ts >= extMarker {
		b = binary.BigEndian.AppendUint32(b, ts)
	}
	return b
}

// chunked splits body into chunks after a first header; continuation
// chunks get a fmt 3 basic header, and the extended timestamp again when
// repeatExt is set and the first header had one.
func chunked(first []byte, csid uint32, body []byte, size int, repeatExt bool, ext uint32) []byte {
	out := append([]byte(nil), first...)
	for i := 0; i < len(body); i += size {
		if i > 0 {
			out = append(out, basicHeader(3, csid)...)
			if repeatExt {
				out = binary.BigEndian.AppendUint32(out, ext)
			}
		}
		out = append(out, body[i:min(i+size, len(body))]...)
	}
	return out
}

func body(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

// handshakeStreams returns a simple (non-digest) handshake for both
// directions: C0+C1+C2 and S0+S1+S2, with C2 echoing S1 and S2 echoing C1.
func handshakeStreams() (c2s, s2c []byte) {
	rng := rand.New(rand.NewSource(1))
	c1 := make([]byte, hsPartLen)
	s1 := make([]byte, hsPartLen)
	rng.Read(c1[8:])
	rng.Read(s1[8:])
	binary.BigEndian.PutUint32(s1, 1234)
	c2 := append([]byte(nil), s1...)
	binary.BigEndian.PutUint32(c2[4:], 5)
	s2 := append([]byte(nil), c1...)
	c2s = append(append([]byte{3}, c1...), c2...)
	s2c = append(append([]byte{3}, s1...), s2...)
	return
}

var testInfo = event.ConnInfo{ID: 1, Client: netip.MustParseAddrPort("10.0.0.1:50000"), Server: netip.MustParseAddrPort("10.0.0.2:1935"), SawSYN: true, Orientation: event.OrientSYN, Frame: 1, Transport: event.TransportTCP, Variant: event.VariantRTMP}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// session feeds a Conn with a handshake and then the given chunk bytes
// per direction; frames are numbered from 10 per Data call.
type session struct {
	t     testing.TB
	col   *collector
	conn  *testConn
	pos   [2]int64
	frame uint64
}

func newSession(t testing.TB, opts Options) *session {
	s := &session{t: t, col: &collector{}, frame: 1}
	s.conn = newTestConn(testInfo, s.col, opts)
	c2s, s2c := handshakeStreams()
	s.send(0, c2s[:1537])
	s.send(1, s2c)
	s.send(0, c2s[1537:])
	return s
}

func (s *session) send(dir event.Dir, b []byte) {
	s.frame++
	ref := []event.FrameRef{{Offset: s.pos[dir], Len: len(b), Frame: s.frame, Time: t0.Add(time.Duration(s.frame) * time.Millisecond)}}
	s.conn.Data(dir, s.pos[dir], b, ref)
	s.pos[dir] += int64(len(b))
}

func (s *session) close() *collector {
	s.conn.Close(&event.ConnEvent{Closed: true})
	return s.col
}

func TestBasicHeaderForms(t *testing.T) {
	for _, csid := range []uint32{2, 3, 63, 64, 65, 319, 320, 321, 1000, 65599} {
		s := newSession(t, Options{})
		b := body(10, byte(csid))
		b[0] = 0x02
		s.send(0, chunked(chunkHdr(0, csid, 5, 10, event.TypeCommandAMF0, 1), csid, b, 128, false, 0))
		col := s.close()
		ms := col.messages()
		if len(ms) != 1 {
			t.Fatalf("csid %d: %d messages", csid, len(ms))
		}
		m := ms[0]
		wantHL := 12
		if csid >= 64 {
			wantHL++
		}
		if csid >= 320 {
			wantHL++
		}
		if m.CSID != csid || m.MSID != 1 || m.Timestamp != 5 || m.Length != 10 || !bytes.Equal(m.Body, b) || m.Chunks[0].HeaderLen != wantHL {
			t.Errorf("csid %d: got %+v", csid, m)
		}
	}
}

func TestFormatsAndDeltas(t *testing.T) {
	s := newSession(t, Options{})
	var w []byte
	w = append(w, chunked(chunkHdr(0, 4, 1000, 3, event.TypeAudio, 1), 4, body(3, 1), 128, false, 0)...)
	w = append(w, chunked(chunkHdr(1, 4, 20, 4, event.TypeAudio, 0), 4, body(4, 2), 128, false, 0)...)
	w = append(w, chunked(chunkHdr(2, 4, 30, 0, 0, 0), 4, body(4, 3), 128, false, 0)...)
	// fmt 3 starting a new message re-applies the last delta (30).
	w = append(w, chunked(chunkHdr(3, 4, 0, 0, 0, 0), 4, body(4, 4), 128, false, 0)...)
	// a message of 300 bytes in 3 chunks, fmt 1 first.
	w = append(w, chunked(chunkHdr(1, 4, 10, 300, event.TypeAudio, 0), 4, body(300, 5), 128, false, 0)...)
	s.send(0, w)
	ms := s.close().messages()
	want := []struct {
		ts     uint32
		length uint32
		fmt    uint8
		chunks int
	}{{1000, 3, 0, 1}, {1020, 4, 1, 1}, {1050, 4, 2, 1}, {1080, 4, 3, 1}, {1090, 300, 1, 3}}
	if len(ms) != len(want) {
		t.Fatalf("%d messages, want %d", len(ms), len(want))
	}
	for i, w := range want {
		m := ms[i]
		if m.Timestamp != w.ts || m.Length != w.length || m.TS.Fmt != w.fmt || m.ChunkCount != w.chunks || m.TypeID != event.TypeAudio || m.MSID != 1 {
			t.Errorf("message %d: ts %d len %d fmt %d chunks %d type %d msid %d; want %+v", i, m.Timestamp, m.Length, m.TS.Fmt, m.ChunkCount, m.TypeID, m.MSID, w)
		}
	}
	if ms[4].Chunks[1].PayloadLen != 128 || ms[4].Chunks[2].PayloadLen != 44 || ms[4].Chunks[1].HeaderLen != 1 {
		t.Errorf("chunk list %+v", ms[4].Chunks)
	}
}

// A fmt 3 header that starts a message right after a fmt 0 re-applies
// the fmt 0 timestamp field as the delta, as ffmpeg writes it (it chooses
// fmt 3 when the field it would send equals the previous one) and as
// ffmpeg, nginx-rtmp and Wireshark read it.
func TestFmt3AfterFmt0(t *testing.T) {
	s := newSession(t, Options{})
	w := chunked(chunkHdr(0, 5, 40, 2, event.TypeAudio, 1), 5, body(2, 1), 128, false, 0)
	w = append(w, chunked(chunkHdr(3, 5, 0, 0, 0, 0), 5, body(2, 2), 128, false, 0)...)
	s.send(0, w)
	ms := s.close().messages()
	if len(ms) != 2 || ms[1].Timestamp != 80 || ms[1].TS.Delta != 40 {
		t.Fatalf("got %d messages; second ts %d", len(ms), ms[len(ms)-1].Timestamp)
	}
}

func setChunkSize(v uint32) []byte {
	return append(chunkHdr(0, 2, 0, 4, event.TypeSetChunkSize, 0), binary.BigEndian.AppendUint32(nil, v)...)
}

func TestSetChunkSizeBoundary(t *testing.T) {
	s := newSession(t, Options{})
	var w []byte
	// csid 6 message of 300 bytes: first chunk at 128.
	first := chunked(chunkHdr(0, 6, 0, 300, event.TypeVideo, 1), 6, body(300, 9), 128, false, 0)
	w = append(w, first[:12+128]...)
	// Set Chunk Size 256 interleaved: it applies from the next chunk, so
	// the rest of the video message comes in one chunk of 172.
	w = append(w, setChunkSize(256)...)
	w = append(w, 0xC6)
	w = append(w, body(300, 9)[128:]...)
	// A following 600-byte message is chunked by 256.
	w = append(w, chunked(chunkHdr(1, 6, 40, 600, event.TypeVideo, 0), 6, body(600, 3), 256, false, 0)...)
	s.send(0, w)
	col := s.close()
	ms := col.messages()
	if len(ms) != 3 {
		t.Fatalf("%d messages", len(ms))
	}
	if ms[0].Summary() != "Set Chunk Size 256" {
		t.Errorf("first %q", ms[0].Summary())
	}
	if !bytes.Equal(ms[1].Body, body(300, 9)) || ms[1].ChunkCount != 2 || ms[1].Chunks[1].PayloadLen != 172 {
		t.Errorf("video 1: chunks %+v", ms[1].Chunks)
	}
	if ms[2].ChunkCount != 3 || !bytes.Equal(ms[2].Body, body(600, 3)) {
		t.Errorf("video 2: chunks %+v", ms[2].Chunks)
	}
	assertAccountedSynthetic(t, col)
}

func TestSetChunkSizeDiagnostics(t *testing.T) {
	s := newSession(t, Options{})
	s.send(0, setChunkSize(0x80001000))
	s.send(0, setChunkSize(0))
	s.send(0, chunked(chunkHdr(0, 6, 0, 5000, event.TypeVideo, 1), 6, body(5000, 1), 4096, false, 0))
	col := s.close()
	if len(col.diags("chunk.size.highbit")) != 1 || len(col.diags("chunk.size.zero")) != 1 {
		t.Errorf("diags: %v", diagCodes(col))
	}
	ms := col.messages()
	if len(ms) != 3 || ms[2].ChunkCount != 2 {
		t.Fatalf("the high bit is ignored and 0 keeps 4096: %d messages", len(ms))
	}
}

func diagCodes(col *collector) []string {
	var s []string
	for _, d := range col.diags("") {
		s = append(s, d.Code)
	}
	return s
}

// Abort (type 2) discards the partial message on its chunk stream. No
// program we capture sends Abort; these bytes follow section 5.4.2.
func TestAbortDiscards(t *testing.T) {
	s := newSession(t, Options{})
	var w []byte
	first := chunked(chunkHdr(0, 6, 0, 300, event.TypeVideo, 1), 6, body(300, 1), 128, false, 0)
	w = append(w, first[:12+128]...)
	w = append(w, append(chunkHdr(0, 2, 0, 4, event.TypeAbort, 0), 0, 0, 0, 6)...)
	// The stream starts a new 50-byte message on csid 6 with fmt 1; were
	// the partial kept, these bytes would be read as its continuation.
	w = append(w, chunked(chunkHdr(1, 6, 40, 50, event.TypeVideo, 0), 6, body(50, 2), 128, false, 0)...)
	s.send(0, w)
	col := s.close()
	ms := col.messages()
	if len(ms) != 2 || ms[0].TypeID != event.TypeAbort || ms[1].Length != 50 || !bytes.Equal(ms[1].Body, body(50, 2)) || ms[1].Timestamp != 40 {
		t.Fatalf("messages: %d", len(ms))
	}
	if ms[0].Summary() != "Abort Message csid 6" {
		t.Errorf("summary %q", ms[0].Summary())
	}
	if len(col.diags("chunk.abort")) != 1 {
		t.Errorf("diags %v", diagCodes(col))
	}
}

func TestInterleaved(t *testing.T) {
	s := newSession(t, Options{})
	a := chunked(chunkHdr(0, 4, 0, 300, event.TypeAudio, 1), 4, body(300, 1), 128, false, 0)
	v := chunked(chunkHdr(0, 6, 0, 300, event.TypeVideo, 1), 6, body(300, 2), 128, false, 0)
	// a: 12+128 | 1+128 | 1+44 ; v likewise.
	w := append([]byte{}, a[:140]...)
	w = append(w, v[:140]...)
	w = append(w, a[140:269]...)
	w = append(w, v[140:269]...)
	w = append(w, v[269:]...)
	w = append(w, a[269:]...)
	s.send(0, w)
	col := s.close()
	ms := col.messages()
	if len(ms) != 2 || ms[0].CSID != 6 || ms[1].CSID != 4 || !bytes.Equal(ms[0].Body, body(300, 2)) || !bytes.Equal(ms[1].Body, body(300, 1)) {
		t.Fatalf("interleaved: %d messages", len(ms))
	}
	assertAccountedSynthetic(t, col)
}

// Extended timestamps on fmt-3 continuation chunks: both conventions are
// recognised from the bytes and reported once.
func TestExtendedTimestampConventions(t *testing.T) {
	for _, repeat := range []bool{true, false} {
		s := newSession(t, Options{})
		const ts = 0x01020304
		w := chunked(chunkHdr(0, 6, ts, 300, event.TypeVideo, 1), 6, body(300, 7), 128, repeat, ts)
		// a fmt 3 new message re-applies the extended field as delta.
		w = append(w, chunked(chunkHdr(3, 6, 0, 0, 0, 0), 6, body(300, 8), 128, repeat, ts)...)
		if repeat {
			// the new message's first fmt 3 header carries it too.
			w2 := chunked(chunkHdr(0, 6, ts, 300, event.TypeVideo, 1), 6, body(300, 7), 128, repeat, ts)
			w = append(w2, append(append(basicHeader(3, 6), binary.BigEndian.AppendUint32(nil, ts)...), chunked(nil, 6, body(300, 8), 128, true, ts)...)...)
		}
		s.send(0, w)
		col := s.close()
		ms := col.messages()
		if len(ms) != 2 || !bytes.Equal(ms[0].Body, body(300, 7)) || !bytes.Equal(ms[1].Body, body(300, 8)) {
			t.Fatalf("repeat=%v: %d messages", repeat, len(ms))
		}
		if ms[0].Timestamp != ts || !ms[0].TS.Extended || ms[1].Timestamp != 2*ts {
			t.Errorf("repeat=%v: timestamps %d %d", repeat, ms[0].Timestamp, ms[1].Timestamp)
		}
		d := col.diags("exts.convention")
		if len(d) != 1 || strings.Contains(d[0].Text, "does not") == repeat {
			t.Errorf("repeat=%v: convention diags %+v", repeat, d)
		}
		assertAccountedSynthetic(t, col)
	}
}

func TestTimestampWrapAndBackwards(t *testing.T) {
	s := newSession(t, Options{})
	w := chunked(chunkHdr(0, 4, 0xFFFFFFF0, 1, event.TypeAudio, 1), 4, []byte{0xAF}, 128, false, 0)
	w = append(w, chunked(chunkHdr(2, 4, 0x20, 0, 0, 0), 4, []byte{0xAF}, 128, false, 0)...)
	w = append(w, chunked(chunkHdr(0, 4, 5, 1, event.TypeAudio, 1), 4, []byte{0xAF}, 128, false, 0)...)
	s.send(0, w)
	col := s.close()
	ms := col.messages()
	if len(ms) != 3 || ms[1].Timestamp != 0x10 {
		t.Fatalf("wrap: %+v", ms[1])
	}
	if len(col.diags("ts.backwards")) != 1 {
		t.Errorf("diags %v", diagCodes(col))
	}
}

func TestControlMessages(t *testing.T) {
	s := newSession(t, Options{})
	var w []byte
	w = append(w, append(chunkHdr(0, 2, 0, 4, event.TypeWindowAckSize, 0), 0, 0x4c, 0x4b, 0x40)...)
	w = append(w, append(chunkHdr(0, 2, 0, 5, event.TypeSetPeerBandwidth, 0), 0, 0x4c, 0x4b, 0x40, 2)...)
	uc := func(ev uint16, data ...byte) []byte {
		b := binary.BigEndian.AppendUint16(nil, ev)
		b = append(b, data...)
		return append(chunkHdr(0, 2, 0, uint32(len(b)), event.TypeUserControl, 0), b...)
	}
	w = append(w, uc(event.UCStreamBegin, 0, 0, 0, 1)...)
	w = append(w, uc(event.UCSetBufferLength, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8)...)
	w = append(w, uc(event.UCPingRequest, 0, 0, 0x30, 0x39)...)
	w = append(w, uc(event.UCBufferEmpty, 0, 0, 0, 1)...)
	w = append(w, uc(99, 1, 2)...)
	w = append(w, append(chunkHdr(0, 3, 0, 3, 7, 0), 1, 2, 3)...)
	s.send(1, w)
	col := s.close()
	var got []string
	for _, m := range col.messages() {
		got = append(got, m.Summary())
	}
	want := []string{"Window Ack Size 5000000", "Set Peer Bandwidth 5000000 dynamic", "User Control Stream Begin 1",
		"User Control Set Buffer Length 1 3000ms", "User Control Ping Request 12345", "User Control Buffer Empty 1",
		"User Control Unknown event 99", "Unknown (0x7)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if len(col.diags("msg.unknown_type")) != 1 || len(col.diags("ctrl.unknown_event")) != 1 {
		t.Errorf("diags %v", diagCodes(col))
	}
}

// Aggregate messages (type 22) are passed on whole. No captured program
// sends them; the body is FLV-tag shaped (section 7.1.6).
func TestAggregateEnvelope(t *testing.T) {
	s := newSession(t, Options{})
	tag := []byte{9, 0, 0, 2, 0, 0, 10, 0, 0, 0, 0, 0x17, 1, 0, 0, 0, 0, 13}
	s.send(0, chunked(chunkHdr(0, 6, 10, uint32(len(tag)), event.TypeAggregate, 1), 6, tag, 128, false, 0))
	ms := s.close().messages()
	if len(ms) != 1 || ms[0].TypeID.Name() != "Aggregate" || !bytes.Equal(ms[0].Body, tag) {
		t.Fatalf("aggregate: %+v", ms)
	}
}

func TestLengthChangedMidMessage(t *testing.T) {
	s := newSession(t, Options{})
	first := chunked(chunkHdr(0, 6, 0, 300, event.TypeVideo, 1), 6, body(300, 1), 128, false, 0)
	w := append([]byte{}, first[:140]...)
	w = append(w, chunked(chunkHdr(1, 6, 0, 20, event.TypeVideo, 0), 6, body(20, 2), 128, false, 0)...)
	s.send(0, w)
	col := s.close()
	if ms := col.messages(); len(ms) != 1 || ms[0].Length != 20 {
		t.Fatalf("messages %d", len(ms))
	}
	if len(col.diags("chunk.len_changed")) != 1 {
		t.Errorf("diags %v", diagCodes(col))
	}
}

func TestNoFmt0(t *testing.T) {
	s := newSession(t, Options{})
	w := chunked(chunkHdr(2, 9, 10, 0, 0, 0), 9, body(20, 1), 128, false, 0)
	for i := range 6 {
		b := body(30, byte(i))
		b[0] = 0x02
		w = append(w, chunked(chunkHdr(0, 3, 0, 30, event.TypeCommandAMF0, 0), 3, b, 128, false, 0)...)
	}
	s.send(0, w)
	col := s.close()
	if len(col.diags("chunk.no_fmt0")) != 1 || len(col.diags("resync.skipped")) != 1 {
		t.Errorf("diags %v", diagCodes(col))
	}
	if ms := col.messages(); len(ms) != 6 {
		t.Errorf("%d messages after resync, want 6", len(ms))
	}
}

func TestSimpleHandshake(t *testing.T) {
	col := newSession(t, Options{}).close()
	var h *event.Handshake
	for _, e := range col.events {
		if e.Kind == event.KindHandshake {
			h = e.Handshake
		}
	}
	if h == nil || !h.Complete || h.Digest || h.C2.Kind != "echo" || h.S2.Kind != "echo" || h.C0 != 3 || h.S0 != 3 || h.S1.Time != 1234 || h.C2.Time2 != 5 {
		t.Fatalf("handshake %+v", h)
	}
	if h.RTT <= 0 {
		t.Errorf("rtt %v", h.RTT)
	}
}

func TestRTMPE(t *testing.T) {
	col := &collector{}
	c := newTestConn(testInfo, col, Options{})
	c0c1 := make([]byte, 1537)
	c0c1[0] = 6
	c.Data(0, 0, c0c1, nil)
	s0 := make([]byte, 3073)
	s0[0] = 6
	c.Data(1, 0, s0, nil)
	c.Data(0, 1537, make([]byte, 5000), nil)
	c.Data(1, 3073, make([]byte, 5000), nil)
	c.Close(&event.ConnEvent{Closed: true})
	var h *event.Handshake
	var closeEv *event.ConnEvent
	for _, e := range col.events {
		if e.Kind == event.KindHandshake {
			h = e.Handshake
		}
		if e.Kind == event.KindConn && e.Conn.Closed {
			closeEv = e.Conn
		}
	}
	if h == nil || !h.Encrypted || !closeEv.RTMP || len(col.messages()) != 0 || len(col.diags("handshake.rtmpe")) != 1 {
		t.Fatalf("rtmpe: %+v %+v", h, closeEv)
	}
}

// Hostile lengths: 16 MB claims on many chunk streams must cost memory
// only as bytes arrive.
func TestHostileLengths(t *testing.T) {
	var w []byte
	for csid := uint32(2); csid < 65599; csid += 7 {
		w = append(w, chunkHdr(0, csid, 0, maxMsgLen, event.TypeVideo, 1)...)
		w = append(w, body(128, 0x17)...)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newSession(t, Options{})
	s.send(0, w)
	col := s.close()
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("allocated %d MB for %d input bytes", grew>>20, len(w))
	}
	if len(col.diags("chunk.csid_limit")) == 0 {
		t.Errorf("diags %v", diagCodes(col))
	}
	if s.conn.liveBody > s.conn.opts.MaxBodyBytes {
		t.Errorf("live body %d", s.conn.liveBody)
	}
}

// assertAccountedSynthetic checks the byte accounting of a session.
func assertAccountedSynthetic(t *testing.T, col *collector) {
	t.Helper()
	for _, e := range col.events {
		if e.Kind == event.KindConn && e.Conn.Closed {
			for dir, a := range e.Conn.Account {
				if a.Handshake+a.Header+a.Payload != e.Conn.Bytes[dir] || a.Skipped != 0 {
					t.Errorf("dir %d: %d bytes, %+v", dir, e.Conn.Bytes[dir], a)
				}
			}
		}
	}
}

// Acknowledgement accounting from spec bytes: none of the captures
// crosses nginx's 5000000-byte window, so these are built by hand.
func TestAckAccounting(t *testing.T) {
	s := newSession(t, Options{})
	s.send(1, append(chunkHdr(0, 2, 0, 4, event.TypeWindowAckSize, 0), 0, 0, 0x03, 0xe8)) // 1000
	for i := range 30 {
		s.send(1, chunked(chunkHdr(0, 4, uint32(i), 100, event.TypeAudio, 1), 4, body(100, 1), 128, false, 0))
	}
	// The client acknowledges more than was sent (its count is off).
	sent := uint32(s.pos[1])
	s.send(0, append(chunkHdr(0, 2, 0, 4, event.TypeAck, 0), binary.BigEndian.AppendUint32(nil, sent+100)...))
	col := s.close()
	if len(col.diags("ack.missing")) != 1 || len(col.diags("ack.beyond_sent")) != 1 {
		t.Fatalf("diags %v", diagCodes(col))
	}
	for _, e := range col.events {
		if e.Kind == event.KindConn && e.Conn.Closed {
			a := e.Conn.Acks[1]
			if a.Window != 1000 || a.Acks != 1 || a.LastAck != sent+100 || a.MaxUnacked < 3000 {
				t.Errorf("ack stats %+v", a)
			}
		}
	}
	// A receiver that acknowledges each window is not reported.
	s = newSession(t, Options{})
	s.send(1, append(chunkHdr(0, 2, 0, 4, event.TypeWindowAckSize, 0), 0, 0, 0x03, 0xe8))
	for i := range 30 {
		s.send(1, chunked(chunkHdr(0, 4, uint32(i), 100, event.TypeAudio, 1), 4, body(100, 1), 128, false, 0))
		s.send(0, append(chunkHdr(0, 2, 0, 4, event.TypeAck, 0), binary.BigEndian.AppendUint32(nil, uint32(s.pos[1]))...))
	}
	if col := s.close(); len(col.diags("ack.")) != 0 || len(col.diags("ack.missing")) != 0 || len(col.diags("ack.beyond_sent")) != 0 {
		t.Errorf("diags %v", diagCodes(col))
	}
}
