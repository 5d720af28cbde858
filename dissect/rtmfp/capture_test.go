package rtmfp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// The captures below are real: zenomt/rtmfp-cpp's tcserver, tcpublish and
// tcconn on loopback, made by testdata/pcaps/make-rtmfp.sh, with the
// session keys the peers themselves logged (a patched build) and what
// they printed (testdata/pcaps/rtmfp/*.log). Nothing here is hand-made.

// flvTag is one tag of the FLV file tcpublish sent.
type flvTag struct {
	Type uint8
	TS   uint32
	Body []byte
}

func readFLV(t *testing.T, name string) []flvTag {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcapDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 13 || string(b[:3]) != "FLV" {
		t.Fatalf("%s: not FLV", name)
	}
	off := int(binary.BigEndian.Uint32(b[5:9])) + 4
	var tags []flvTag
	for off+11 <= len(b) {
		typ := b[off]
		n := int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
		ts := uint32(b[off+4])<<16 | uint32(b[off+5])<<8 | uint32(b[off+6]) | uint32(b[off+7])<<24
		if off+11+n > len(b) {
			t.Fatalf("%s: truncated tag at %d", name, off)
		}
		tags = append(tags, flvTag{typ, ts, b[off+11 : off+11+n]})
		off += 11 + n + 4
	}
	return tags
}

// logValue finds `"key": "value"` or `key: value` in a peer's log.
func logValues(t *testing.T, name, pattern string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcapDir, "rtmfp", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// amfCommandName reads the leading AMF0 string of a command or data body.
func amfString(b []byte) string {
	if len(b) < 3 || b[0] != 0x02 {
		return ""
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	if 3+n > len(b) {
		return ""
	}
	return string(b[3 : 3+n])
}

func sessionSummary(t *testing.T, c *collector) *event.RTMFPSession {
	t.Helper()
	hs := c.kind(event.KindHandshake)
	if len(hs) == 0 {
		t.Fatal("no handshake event")
	}
	last := hs[len(hs)-1].Handshake.RTMFP
	if last == nil || last.Stats == nil {
		t.Fatal("last handshake event is not a session summary")
	}
	return last
}

// publishCase checks one tcpublish capture against what tcpublish sent
// and what both peers logged.
func checkPublish(t *testing.T, name string, wantIntegrity string) {
	fs := udpFlows(readUDP(t, name+".pcap"))
	if len(fs) != 1 {
		t.Fatalf("%d UDP flows, want 1", len(fs))
	}
	c, ev := runFlow(fs[0], Options{Keys: loadKeys(t, name+".keys")})
	s := sessionSummary(t, c)
	st := s.Stats

	// Every datagram of the keyed session decrypts and verifies.
	for d := range 2 {
		if st.Undecryptable[d] != 0 || st.Decrypted[d] != st.Packets[d] {
			t.Errorf("%v: %d of %d packets verified, %d did not", event.Dir(d), st.Decrypted[d], st.Packets[d], st.Undecryptable[d])
		}
	}
	if got := st.Packets[0] + st.Packets[1]; got != uint64(len(fs[0].Packets)) {
		t.Errorf("session has %d packets, the flow %d", got, len(fs[0].Packets))
	}
	if ev.Account[0].Encrypted+ev.Account[1].Encrypted+ev.Account[0].Skipped+ev.Account[1].Skipped != 0 {
		t.Errorf("bytes not decrypted: %+v", ev.Account)
	}
	if !s.Complete || !s.Keyed || s.Failure != "" {
		t.Errorf("complete %v keyed %v failure %q", s.Complete, s.Keyed, s.Failure)
	}
	if s.Integrity != [2]string{wantIntegrity, wantIntegrity} {
		t.Errorf("integrity %v, want %s both ways", s.Integrity, wantIntegrity)
	}

	// Handshake fields equal what the peers logged.
	if got, want := s.EPD.Ancillary, "rtmfp://127.0.0.1:1935/live"; got != want {
		t.Errorf("EPD ancillary %q, want %q (the URL tcpublish was given)", got, want)
	}
	my := logValues(t, name+".client.log", `my fingerprint: ([0-9a-f]{64})`)
	far := logValues(t, name+".client.log", `\n  fingerprint: ([0-9a-f]{64})`)
	srv := logValues(t, name+".server.log", `"@type":"rtmfp","fingerprint":"([0-9a-f]{64})"`)
	peer := logValues(t, name+".server.log", `"@type":"accept","address":"[^"]*","peerID":"([0-9a-f]{64})"`)
	if len(my) != 1 || len(far) != 1 || len(srv) != 1 || len(peer) != 1 {
		t.Fatalf("logs: my %v far %v server %v peer %v", my, far, srv, peer)
	}
	if s.InitiatorCert == nil || s.InitiatorCert.Fingerprint != my[0] || s.InitiatorCert.Fingerprint != peer[0] {
		t.Errorf("initiator fingerprint %+v, tcpublish says %s, tcserver %s", s.InitiatorCert, my[0], peer[0])
	}
	if s.ResponderCert == nil || s.ResponderCert.Fingerprint != far[0] || s.ResponderCert.Fingerprint != srv[0] {
		t.Errorf("responder fingerprint %+v, tcpublish says %s, tcserver %s", s.ResponderCert, far[0], srv[0])
	}
	// tcserver uses ephemeral Diffie-Hellman, rtmfp-cpp clients static keys.
	if !s.ResponderCert.AcceptsAncillary || s.ResponderCert.StaticDH || !s.InitiatorCert.StaticDH {
		t.Errorf("certs: responder %+v initiator %+v", s.ResponderCert, s.InitiatorCert)
	}
	if s.IHello.Count != 1 || s.RHello.Count != 1 || s.IIKeying.Count != 1 || s.RIKeying.Count != 1 {
		t.Errorf("handshake parts %+v %+v %+v %+v", s.IHello, s.RHello, s.IIKeying, s.RIKeying)
	}
	if s.HelloRTT <= 0 || s.KeyingRTT <= 0 {
		t.Errorf("RTTs %v %v", s.HelloRTT, s.KeyingRTT)
	}

	// The RTMP inside: the commands, then exactly the FLV's tags.
	var cmds []string
	var media []*event.Message
	for _, e := range c.kind(event.KindMessage) {
		m := e.Message
		switch m.TypeID {
		case event.TypeCommandAMF0:
			cmds = append(cmds, m.Dir.String()+":"+amfString(m.Body))
			if amfString(m.Body) == "onStatus" && !bytes.Contains(m.Body, []byte("NetStream.Publish.Start")) {
				t.Errorf("onStatus is not NetStream.Publish.Start: %q", m.Body)
			}
		case event.TypeAudio, event.TypeVideo, event.TypeDataAMF0:
			if m.Dir != event.C2S {
				t.Errorf("media from the server: %+v", m)
			}
			media = append(media, m)
		}
	}
	wantCmds := "c2s:connect s2c:_result c2s:createStream s2c:_result c2s:publish s2c:onStatus"
	if strings.Join(cmds, " ") != wantCmds {
		t.Errorf("commands %v, want %s", cmds, wantCmds)
	}
	tags := readFLV(t, "rtmfp-media.flv")
	// tcpublish sends @setDataFrame for the file's onMetaData, then the tags.
	if len(media) == 0 || media[0].TypeID != event.TypeDataAMF0 || amfString(media[0].Body) != "@setDataFrame" {
		t.Fatalf("first data message is not @setDataFrame")
	}
	media = media[1:]
	// Audio and video travel on flows of their own, so only each type's
	// order is kept.
	for _, typ := range []uint8{8, 9} {
		var want []flvTag
		for _, tag := range tags {
			if tag.Type == typ {
				want = append(want, tag)
			}
		}
		var got []*event.Message
		for _, m := range media {
			if uint8(m.TypeID) == typ {
				got = append(got, m)
				if m.MSID != 1 {
					t.Errorf("media on message stream %d, want 1 (the stream createStream returned)", m.MSID)
				}
			}
		}
		// tcpublish may close the session before its last tags are on
		// the wire: they may be missing only if no user data fragment of
		// the capture carries them.
		for len(got) < len(want) && !onWire(t, fs[0], name+".keys", want[len(want)-1]) {
			t.Logf("type %d: the FLV's last tag (ts %d, %d bytes) was never sent", typ, want[len(want)-1].TS, len(want[len(want)-1].Body))
			want = want[:len(want)-1]
		}
		if len(got) != len(want) {
			t.Errorf("type %d: %d messages, the FLV has %d tags", typ, len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if got[i].Timestamp != want[i].TS || !bytes.Equal(got[i].Body, want[i].Body) {
				t.Errorf("type %d #%d: ts %d, %d bytes; the FLV's: ts %d, %d bytes", typ, i, got[i].Timestamp, len(got[i].Body), want[i].TS, len(want[i].Body))
				break
			}
		}
		t.Logf("%s: %d messages of type %d equal the FLV's tags (timestamp and body)", name, len(got), typ)
	}
	codes := c.codes()
	for code := range codes {
		if code != CodeChunkUnknown && code != CodeSessionClose {
			t.Errorf("unexpected diagnostic %s", code)
		}
	}
	if codes[CodeChunkUnknown] != 1 { // 0xec, reported once per session
		t.Errorf("chunk_unknown %d times, want 1", codes[CodeChunkUnknown])
	}
	if !st.Closed || !st.CloseAcked {
		t.Errorf("session close not seen: %+v", st)
	}
}

func TestPublishHMAC(t *testing.T)     { checkPublish(t, "rtmfp-publish", "hmac+sseq") }
func TestPublishChecksum(t *testing.T) { checkPublish(t, "rtmfp-checksum", "checksum") }

// TestPlay: tcpublish (looping) and tcconn playing, two sessions on two
// flows; the player's log lists every audio and video message it got.
func TestPlay(t *testing.T) {
	fs := udpFlows(readUDP(t, "rtmfp-play.pcap"))
	if len(fs) != 2 {
		t.Fatalf("%d flows, want 2", len(fs))
	}
	keys := loadKeys(t, "rtmfp-play.keys")
	if keys.Len() != 4 {
		t.Fatalf("%d key lines, want 4 (two sessions, both ends)", keys.Len())
	}
	player := fs[1]
	for _, f := range fs {
		c, _ := runFlow(f, Options{Keys: keys})
		st := sessionSummary(t, c).Stats
		if st.Undecryptable != [2]uint64{} || st.Decrypted[0] != st.Packets[0] || st.Decrypted[1] != st.Packets[1] {
			t.Errorf("flow %v: decrypted %v of %v", f.Client, st.Decrypted, st.Packets)
		}
	}
	c, _ := runFlow(player, Options{Keys: keys})
	s := sessionSummary(t, c)
	my := logValues(t, "rtmfp-play.player.log", `my fingerprint: ([0-9a-f]{64})`)
	if s.InitiatorCert == nil || len(my) != 1 || s.InitiatorCert.Fingerprint != my[0] {
		t.Errorf("player fingerprint %+v, its log says %v", s.InitiatorCert, my)
	}
	var cmds, statuses []string
	got := map[string][]string{}
	for _, e := range c.kind(event.KindMessage) {
		m := e.Message
		switch m.TypeID {
		case event.TypeCommandAMF0:
			name := amfString(m.Body)
			cmds = append(cmds, m.Dir.String()+":"+name)
			if name == "onStatus" {
				if i := bytes.Index(m.Body, []byte("NetStream.")); i >= 0 {
					j := bytes.IndexByte(m.Body[i:], 0)
					if j < 0 {
						j = len(m.Body) - i
					}
					statuses = append(statuses, string(m.Body[i:i+j]))
				}
			}
		case event.TypeAudio, event.TypeVideo:
			if m.Dir != event.S2C {
				t.Errorf("media from the player")
			}
			k := map[event.MsgType]string{event.TypeAudio: "onAudio", event.TypeVideo: "onVideo"}[m.TypeID]
			got[k] = append(got[k], fmt.Sprintf("ts: %d len: %d", m.Timestamp, len(m.Body)))
		}
	}
	if want := "c2s:connect s2c:_result c2s:setPeerInfo c2s:createStream s2c:_result c2s:play s2c:onStatus s2c:onStatus s2c:onStatus"; strings.Join(cmds, " ") != want {
		t.Errorf("commands %v, want %s", cmds, want)
	}
	// tcconn prints each onStatus twice (stream and connection layers).
	if want := slices.Compact(logValues(t, "rtmfp-play.player.log", `"code": "(NetStream\.[A-Za-z.]+)"`)); strings.Join(statuses, " ") != strings.Join(want, " ") {
		t.Errorf("onStatus codes %v, tcconn logged %v", statuses, want)
	}
	for _, k := range []string{"onAudio", "onVideo"} {
		want := logValues(t, "rtmfp-play.player.log", `stream `+k+` (ts: \d+ len: \d+)`)
		if len(want) == 0 || strings.Join(got[k], "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %d messages in the capture, %d in tcconn's log", k, len(got[k]), len(want))
		} else {
			t.Logf("%s: %d messages equal tcconn's log (timestamp and length)", k, len(want))
		}
	}
}

// TestMixed: tcserver takes RTMP over TCP and RTMFP over UDP on the same
// 127.0.0.1:1935 while tcpublish (RTMFP) and ffmpeg (RTMP) publish side by
// side; the UDP flow is the RTMFP publish, unaffected by the TCP one.
func TestMixed(t *testing.T) { checkPublish(t, "rtmfp-mixed", "hmac+sseq") }

// onWire reports whether any user data fragment of the flow, decrypted
// with the logged keys, carries the tag (its TC message header and body).
func onWire(t *testing.T, f *udpFlow, keys string, tag flvTag) bool {
	h := newHandler(&collector{}, Options{Keys: loadKeys(t, keys)})
	var hdr [5]byte
	hdr[0] = tag.Type
	binary.BigEndian.PutUint32(hdr[1:], tag.TS)
	needle := append(hdr[:], tag.Body[:min(len(tag.Body), 32)]...)
	for _, p := range f.Packets {
		d := event.C2S
		if p.Src != f.Client {
			d = event.S2C
		}
		h.Datagram(d, p.Payload, event.FrameRef{Frame: p.Frame, Time: p.Time})
		s := h.all[0]
		if s.ciph[d] == nil {
			continue
		}
		pk, err := s.ciph[d].Open(p.Payload, s.integ[d])
		if err != nil {
			continue
		}
		cs := NewChunks(pk.Chunks)
		for ch, ok := cs.Next(); ok; ch, ok = cs.Next() {
			if ch.Type == ChunkUserData || ch.Type == ChunkNextUserData {
				if u, err := ParseUserData(ch.Value, ch.Type == ChunkNextUserData); err == nil && bytes.Contains(u.Data, needle) {
					return true
				}
			}
		}
	}
	return false
}

// The flows of a publish: RFC 7425 says the control flow (stream 0) and
// one flow per stream the client opens, answered on return flows.
func TestFlowList(t *testing.T) {
	f := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	c, _ := runFlow(f, Options{Keys: loadKeys(t, "rtmfp-publish.keys")})
	st := sessionSummary(t, c).Stats
	msgs := 0
	for _, fl := range st.FlowList {
		t.Logf("%+v", fl)
		if !fl.TC || fl.Missing != 0 {
			t.Errorf("flow %+v", fl)
		}
		if fl.Dir == event.S2C && !fl.HasReturnFlow {
			t.Errorf("server flow %d answers no client flow", fl.ID)
		}
		msgs += fl.Messages
	}
	if len(st.FlowList) != st.Flows[0]+st.Flows[1] || msgs != st.Messages[0]+st.Messages[1] {
		t.Errorf("%d flows listed, %v counted; %d messages listed, %v counted", len(st.FlowList), st.Flows, msgs, st.Messages)
	}
}

// TestRedirect: rtmfp-cpp's static-redirector on :1935 answers IHello
// with a Responder Redirect to the server on :1936 (as it was told on its
// command line), where the session is made.
func TestRedirect(t *testing.T) {
	fs := udpFlows(readUDP(t, "rtmfp-redirect.pcap"))
	if len(fs) != 2 || fs[0].Server.Port() != 1935 || fs[1].Server.Port() != 1936 {
		t.Fatalf("flows %v", fs)
	}
	keys := loadKeys(t, "rtmfp-redirect.keys")
	c, _ := runFlow(fs[0], Options{Keys: keys})
	s := sessionSummary(t, c)
	if s.Redirect.Count != 1 || len(s.RedirectTo) != 1 || s.RedirectTo[0] != "127.0.0.1:1936" || s.Complete {
		t.Errorf("redirector flow: %+v", s)
	}
	if codes := c.codes(); len(codes) != 1 || codes[CodeRedirect] != 1 {
		t.Errorf("redirector flow diagnostics %v", codes)
	}
	if s.Tag == "" || s.EPD.Ancillary != "rtmfp://127.0.0.1:1935/live" {
		t.Errorf("IHello %+v", s)
	}
	c2, _ := runFlow(fs[1], Options{Keys: keys})
	s2 := sessionSummary(t, c2)
	if !s2.Complete || !s2.Keyed || s2.Stats.Undecryptable != [2]uint64{} || len(c2.kind(event.KindMessage)) < 200 {
		t.Errorf("server flow: complete %v keyed %v stats %+v, %d messages", s2.Complete, s2.Keyed, s2.Stats, len(c2.kind(event.KindMessage)))
	}
	// The initiator sends the same IHello (tag) to where it was sent.
	if s2.Tag != s.Tag {
		t.Errorf("tags %s and %s", s.Tag, s2.Tag)
	}
}
