package rtmfp

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Without keys: the handshake, the counts and the RTTs are shown, one
// diagnostic says how to give keys, and nothing else is invented.
func TestNoKeys(t *testing.T) {
	for _, name := range []string{"rtmfp-publish", "rtmfp-checksum", "rtmfp-play", "rtmfp-mixed"} {
		for _, f := range udpFlows(readUDP(t, name+".pcap")) {
			c, ev := runFlow(f, Options{})
			if n := len(c.kind(event.KindMessage)); n != 0 {
				t.Errorf("%s: %d messages without keys", name, n)
			}
			codes := c.codes()
			if len(codes) != 1 || codes[CodeEncrypted] != 1 {
				t.Errorf("%s: diagnostics %v, want one %s", name, codes, CodeEncrypted)
			}
			s := sessionSummary(t, c)
			st := s.Stats
			if !s.Complete || s.Keyed || s.HelloRTT <= 0 || s.KeyingRTT <= 0 || s.InitiatorCert == nil || s.ResponderCert == nil {
				t.Errorf("%s: session %+v", name, s)
			}
			// The four handshake packets decrypt (default key); the rest
			// are counted, not read.
			if st.Decrypted != [2]uint64{2, 2} || st.Packets[0]+st.Packets[1] != uint64(len(f.Packets)) ||
				st.Undecryptable[0]+st.Undecryptable[1] != uint64(len(f.Packets)-4) {
				t.Errorf("%s: stats %+v", name, st)
			}
			if st.UserData != [2]uint64{} || st.Flows != [2]int{} || st.RTTSamples != 0 || st.Closed {
				t.Errorf("%s: content invented without keys: %+v", name, st)
			}
			if ev.Messages != [2]int{} || ev.Account[0].Payload+ev.Account[1].Payload != 0 || ev.Account[0].Encrypted == 0 {
				t.Errorf("%s: conn %+v", name, ev)
			}
			if !ev.RTMP {
				t.Errorf("%s: not marked RTMP-family", name)
			}
		}
	}
}

// Keys of another capture match nothing: said once, nothing decoded.
func TestWrongKeys(t *testing.T) {
	f := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	c, _ := runFlow(f, Options{Keys: loadKeys(t, "rtmfp-checksum.keys")})
	if codes := c.codes(); len(codes) != 1 || codes[CodeKeysUnmatched] != 1 {
		t.Errorf("diagnostics %v", codes)
	}
	if n := len(c.kind(event.KindMessage)); n != 0 {
		t.Errorf("%d messages with the wrong keys", n)
	}
}

// The publisher asks for a server fingerprint nobody has: IHello goes
// unanswered, and is retransmitted.
func TestNoAnswer(t *testing.T) {
	fs := udpFlows(readUDP(t, "rtmfp-noanswer.pcap"))
	if len(fs) != 1 {
		t.Fatalf("%d flows", len(fs))
	}
	c, _ := runFlow(fs[0], Options{})
	s := sessionSummary(t, c)
	if s.Complete || s.IHello.Count != len(fs[0].Packets) || s.RHello.Count != 0 || s.Failure == "" {
		t.Errorf("session %+v", s)
	}
	if s.EPD.Fingerprint != "0000000000000000000000000000000000000000000000000000000000000000" || s.EPD.Ancillary != "rtmfp://127.0.0.1:1935/live" {
		t.Errorf("EPD %+v, want tcpublish's -f fingerprint and URL", s.EPD)
	}
	codes := c.codes()
	if codes[CodeHandshakeIncomplete] != 1 || codes[CodeHandshakeRetransmit] != 1 {
		t.Errorf("diagnostics %v", codes)
	}
}

// The router's sniffer: the first datagram of every capture proves RTMFP
// (the client is the initiator, so no swap); a capture that begins at the
// responder's answer is turned round; other UDP is not RTMFP.
func TestSniff(t *testing.T) {
	sniff := Protocol(Options{}).Sniff
	for _, name := range []string{"rtmfp-publish", "rtmfp-checksum", "rtmfp-play", "rtmfp-noanswer", "rtmfp-mixed", "rtmfp-mona"} {
		for _, f := range udpFlows(readUDP(t, name+".pcap")) {
			h := &flow.Head{Transport: event.TransportUDP}
			h.Datagrams[0] = [][]byte{f.Packets[0].Payload}
			v := sniff(h)
			if v.Decision != flow.Yes || v.Variant != event.VariantRTMFP || v.Swap || v.Rule != "default-key" {
				t.Errorf("%s: %+v", name, v)
			}
			// Seen from the responder's side first (RHello).
			h = &flow.Head{Transport: event.TransportUDP, Final: true}
			if len(f.Packets) > 1 && f.Packets[1].Src == f.Server {
				h.Datagrams[0] = [][]byte{f.Packets[1].Payload}
				if v := sniff(h); v.Decision != flow.Yes || !v.Swap {
					t.Errorf("%s from RHello: %+v", name, v)
				}
			}
		}
	}
	// Session packets (handshake not captured) without keys: not provable.
	f := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	h := &flow.Head{Transport: event.TransportUDP, Final: true}
	h.Datagrams[0] = [][]byte{f.Packets[10].Payload}
	if v := sniff(h); v.Decision != flow.No {
		t.Errorf("session packet without keys: %+v", v)
	}
	// With keys they are.
	v := Protocol(Options{Keys: loadKeys(t, "rtmfp-publish.keys")}).Sniff(h)
	if v.Decision != flow.Yes || v.Rule != "session-key" {
		t.Errorf("session packet with keys: %+v", v)
	}
	// Random datagrams, also tried against every key line.
	sniff = Protocol(Options{Keys: loadKeys(t, "rtmfp-play.keys")}).Sniff
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		d := make([]byte, 20+16*(i%40))
		for j := range d {
			d[j] = byte(r.Uint32())
		}
		h := &flow.Head{Transport: event.TransportUDP, Final: true}
		h.Datagrams[0] = [][]byte{d}
		if v := sniff(h); v.Decision == flow.Yes {
			t.Fatalf("random datagram %d sniffed as RTMFP", i)
		}
	}
}

// A capture that starts after the handshake: the session is found by
// trying the key lines, its flows by their sequence numbers.
func TestMidSession(t *testing.T) {
	f := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	cut := *f
	cut.Packets = f.Packets[30:]
	c, ev := runFlow(&cut, Options{Keys: loadKeys(t, "rtmfp-publish.keys")})
	s := sessionSummary(t, c)
	if !s.Keyed || s.Complete || s.Stats.Undecryptable != [2]uint64{} {
		t.Errorf("session %+v stats %+v", s, s.Stats)
	}
	msgs := c.kind(event.KindMessage)
	var media int
	for _, e := range msgs {
		if e.Message.TypeID == event.TypeAudio || e.Message.TypeID == event.TypeVideo {
			media++
		}
	}
	if media < 150 || !ev.MidStream {
		t.Errorf("%d media messages after the cut, midstream %v", media, ev.MidStream)
	}
	if c.codes()[CodeFlowMidStream] == 0 {
		t.Errorf("no %s: %v", CodeFlowMidStream, c.codes())
	}
}

// Derived hostile captures: datagrams duplicated, reordered, dropped,
// truncated and bit-flipped. Nothing panics; duplicates and reordering
// change nothing; drops are reported as gaps.
func TestHostile(t *testing.T) {
	f := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	keys := loadKeys(t, "rtmfp-publish.keys")
	base, _ := runFlow(f, Options{Keys: keys})
	want := len(base.kind(event.KindMessage))

	dup := *f
	dup.Packets = nil
	for _, p := range f.Packets {
		dup.Packets = append(dup.Packets, p, p)
	}
	c, _ := runFlow(&dup, Options{Keys: keys})
	if got := len(c.kind(event.KindMessage)); got != want {
		t.Errorf("duplicated: %d messages, want %d", got, want)
	}

	// Swap neighbours after the handshake (sequence numbers restore order).
	ro := *f
	ro.Packets = append([]udpPacket(nil), f.Packets...)
	for i := 6; i+1 < len(ro.Packets); i += 3 {
		ro.Packets[i], ro.Packets[i+1] = ro.Packets[i+1], ro.Packets[i]
	}
	c, _ = runFlow(&ro, Options{Keys: keys})
	if got := len(c.kind(event.KindMessage)); got != want {
		t.Errorf("reordered: %d messages, want %d", got, want)
	}

	// RHello captured after the IIKeying it caused (capture points see
	// such orders when timestamps come from two interfaces): still one
	// session, complete.
	late := *f
	late.Packets = append([]udpPacket(nil), f.Packets...)
	late.Packets[1], late.Packets[2] = late.Packets[2], late.Packets[1]
	c, _ = runFlow(&late, Options{Keys: keys})
	if hs := c.kind(event.KindHandshake); len(hs) != 2 || !hs[1].Handshake.RTMFP.Complete || c.codes()[CodeHandshakeIncomplete] != 0 {
		t.Errorf("late RHello: %d handshake events, diagnostics %v", len(hs), c.codes())
	}

	drop := *f
	drop.Packets = nil
	for i, p := range f.Packets {
		if i < 10 || i%17 != 0 {
			drop.Packets = append(drop.Packets, p)
		}
	}
	c, _ = runFlow(&drop, Options{Keys: keys})
	if got := len(c.kind(event.KindMessage)); got >= want || got < want/2 {
		t.Errorf("dropped: %d messages of %d", got, want)
	}
	if c.codes()[CodeFlowGap] == 0 {
		t.Errorf("dropped: no %s (%v)", CodeFlowGap, c.codes())
	}

	r := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		bad := *f
		bad.Packets = nil
		for _, p := range f.Packets {
			q := p
			q.Payload = append([]byte(nil), p.Payload...)
			switch r.IntN(4) {
			case 0:
				q.Payload[r.IntN(len(q.Payload))] ^= byte(1 << r.IntN(8))
			case 1:
				q.Payload = q.Payload[:r.IntN(len(q.Payload))]
			}
			bad.Packets = append(bad.Packets, q)
		}
		c, _ := runFlow(&bad, Options{Keys: keys})
		_ = c
		_ = round
	}
}

// RTT from the header timestamps' echoes (RFC 7016 §3.5.2.2): loopback
// has none to measure (and this machine has no netem), so the responder's
// session datagrams are delayed by 20 ms in a derived capture, re-sorted
// by time: a capture point beside the initiator on a 20 ms path. Echoes
// the other way then look negative and are discarded.
func TestEchoRTT(t *testing.T) {
	f := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	keys := loadKeys(t, "rtmfp-publish.keys")
	c, _ := runFlow(f, Options{Keys: keys})
	if st := sessionSummary(t, c).Stats; st.RTTSamples == 0 || st.RTTMin > 4*time.Millisecond {
		t.Errorf("loopback: %d samples, min %v", st.RTTSamples, st.RTTMin)
	}
	const delay = 20 * time.Millisecond
	d := *f
	d.Packets = append([]udpPacket(nil), f.Packets...)
	for i := range d.Packets {
		// The handshake stays as captured (moving RHello after the
		// IIKeying it caused would not be a capture of anything).
		if i >= 4 && d.Packets[i].Src != f.Client {
			d.Packets[i].Time = d.Packets[i].Time.Add(delay)
		}
	}
	slices.SortStableFunc(d.Packets, func(a, b udpPacket) int { return a.Time.Compare(b.Time) })
	c, _ = runFlow(&d, Options{Keys: keys})
	s := sessionSummary(t, c)
	st := s.Stats
	// Two 4 ms quantisations: the marks and the echo are in ticks.
	if st.RTTSamples == 0 || st.RTTMin < delay-8*time.Millisecond || st.RTTMin > delay+8*time.Millisecond {
		t.Errorf("20 ms path: %d samples, min %v, last %v", st.RTTSamples, st.RTTMin, st.RTTLast)
	}
	if st.Undecryptable != [2]uint64{} {
		t.Errorf("undecryptable %v", st.Undecryptable)
	}
	t.Logf("20 ms path: echo RTT min %v last %v (%d samples), hello %v, keying %v", st.RTTMin, st.RTTLast, st.RTTSamples, s.HelloRTT, s.KeyingRTT)
}

// A flow sprayed with datagrams of ever new session ids (noise, or an
// attack) holds a bounded number of sessions and diagnostics.
func TestSessionSpray(t *testing.T) {
	c := &collector{}
	h := newHandler(c, Options{Keys: loadKeys(t, "rtmfp-publish.keys")})
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 20000 {
		d := make([]byte, 36)
		for j := range d {
			d[j] = byte(r.Uint32())
		}
		h.Datagram(event.Dir(i&1), d, event.FrameRef{Frame: uint64(i + 1)})
	}
	h.Close(&event.ConnEvent{})
	if len(h.all) > maxSessions {
		t.Errorf("%d sessions", len(h.all))
	}
	if n := len(c.kind(event.KindDiagnostic)); n > 2*maxSessions+len(Codes)*2*maxDiagPerCode {
		t.Errorf("%d diagnostics", n)
	}
}
