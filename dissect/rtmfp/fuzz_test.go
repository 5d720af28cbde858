package rtmfp

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// The fuzz targets' seeds come from the real captures; their corpora are
// committed under testdata/fuzz and run as ordinary tests. To rewrite the
// corpora from the captures: RTMFP_WRITE_CORPUS=1 go test -run TestWriteCorpus.

// fuzzKeys are the keys of rtmfp-publish.keys, so fuzzed packets reach
// the session layers too.
func fuzzKeys(t testing.TB) *KeyLog { return loadKeys(t, "rtmfp-publish.keys") }

// FuzzPacket: the packet framing under the default key and under the
// session keys, in every integrity mode, then the chunk walk.
func FuzzPacket(f *testing.F) {
	keys := fuzzKeys(f)
	kl := keys.all()[0]
	def := NewDefaultCipher()
	sess, _ := NewCipher(kl.Encrypt, kl.SendHMAC)
	f.Fuzz(func(t *testing.T, d []byte) {
		for _, c := range []*Cipher{def, sess} {
			for _, m := range trialModes {
				p, err := c.Open(d, m)
				if err != nil {
					continue
				}
				cs := NewChunks(p.Chunks)
				for _, ok := cs.Next(); ok; _, ok = cs.Next() {
				}
			}
		}
		SessionID(d)
	})
}

// FuzzChunks: every chunk decoder on a chunk area.
func FuzzChunks(f *testing.F) {
	f.Fuzz(func(t *testing.T, area []byte) {
		cs := NewChunks(area)
		for ch, ok := cs.Next(); ok; ch, ok = cs.Next() {
			decodeAny(ch)
		}
	})
}

// decodeAny runs the decoder of a chunk's type, and every decoder on
// values that are not of their type.
func decodeAny(ch Chunk) {
	v := ch.Value
	ParseIHello(v)
	ParseFIHello(v)
	if rh, err := ParseRHello(v); err == nil {
		ParseCert(rh.Cert)
	}
	if ik, err := ParseIIKeying(v); err == nil {
		ParseCert(ik.Cert)
		ParseKeying(ik.Component)
	}
	if rk, err := ParseRIKeying(v); err == nil {
		ParseKeying(rk.Component)
	}
	ParseCookieChange(v)
	ParseRedirect(v)
	ParseEPD(v)
	if u, err := ParseUserData(v, ch.Type == ChunkNextUserData); err == nil {
		ParseTCMetadata(u.Metadata)
		ParseTCMessage(u.Data)
	}
	ParseAck(v, true)
	ParseAck(v, false)
	ParseFlowException(v)
	ParseBufferProbe(v)
	ChunkName(ch.Type)
}

// FuzzReassembler: a flow's fragments as the fuzzer orders them. Each
// fragment is [seq delta int8][fsn offset][flags][len][data...].
func FuzzReassembler(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		held := 0
		r := NewReassembler(1, func(m FlowMessage) {
			if len(m.Data) > 1<<16 {
				t.Fatalf("message of %d bytes from %d input bytes", len(m.Data), len(b))
			}
		}, nil)
		r.MaxPending = 4096
		seq := uint64(1)
		for len(b) >= 4 {
			seq += uint64(int64(int8(b[0])))
			n := min(int(b[3]), len(b)-4)
			u := &UserData{FlowID: 1, Seq: seq, FSNOffset: uint64(b[1]), Flags: b[2], Data: b[4 : 4+n]}
			r.Add(u, 1, time.Time{})
			held += n
			b = b[4+n:]
			if r.pendSize > r.MaxPending+64+255 {
				t.Fatalf("holding %d bytes past a hole, limit %d", r.pendSize, r.MaxPending)
			}
		}
		r.Close(2, time.Time{})
		if len(r.pending) != 0 {
			t.Fatalf("%d fragments still pending after Close", len(r.pending))
		}
	})
}

// FuzzHandler: whole datagram sequences through the handler, with keys.
// Each datagram is [dir][len16][data].
func FuzzHandler(f *testing.F) {
	keys := fuzzKeys(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h := newHandler(&collector{}, Options{Keys: keys, MaxMessage: 1 << 20})
		frame := uint64(0)
		for len(b) >= 3 {
			n := min(int(binary.BigEndian.Uint16(b[1:])), len(b)-3)
			frame++
			h.Datagram(event.Dir(b[0]&1), b[3:3+n], event.FrameRef{Frame: frame, Time: time.Unix(int64(frame), 0)})
			b = b[3+n:]
		}
		h.Close(&event.ConnEvent{})
	})
}

// TestWriteCorpus rewrites the committed corpora from the captures.
func TestWriteCorpus(t *testing.T) {
	if os.Getenv("RTMFP_WRITE_CORPUS") == "" {
		t.Skip("set RTMFP_WRITE_CORPUS=1 to rewrite testdata/fuzz from the captures")
	}
	keys := fuzzKeys(t)
	fl := udpFlows(readUDP(t, "rtmfp-publish.pcap"))[0]
	ck := udpFlows(readUDP(t, "rtmfp-checksum.pcap"))[0]
	write := func(target string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		os.MkdirAll(dir, 0o755)
		sum := sha256.Sum256(data)
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%x", sum[:8])), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Packets: the handshake and a spread of session packets of both
	// integrity modes.
	rd := udpFlows(readUDP(t, "rtmfp-redirect.pcap"))[0]
	mona := udpFlows(readUDP(t, "rtmfp-mona.pcap"))[0]
	for _, fl := range []*udpFlow{fl, ck, rd, mona} {
		for i, p := range fl.Packets {
			if i < 6 || i%40 == 0 {
				write("FuzzPacket", p.Payload)
			}
		}
	}
	// Chunk areas: decrypted with the logged keys.
	h := newHandler(&collector{}, Options{Keys: keys})
	var frags []byte
	for i, p := range fl.Packets {
		d := event.C2S
		if p.Src != fl.Client {
			d = event.S2C
		}
		h.Datagram(d, p.Payload, event.FrameRef{Frame: uint64(i + 1)})
		var pk Packet
		var err error
		if s := h.all[0]; s.ciph[d] != nil {
			pk, err = s.ciph[d].Open(p.Payload, s.integ[d])
		} else {
			pk, err = h.def.Open(p.Payload, Integrity{})
		}
		if err != nil {
			continue
		}
		if i < 6 || i%25 == 0 {
			write("FuzzChunks", pk.Chunks)
		}
		cs := NewChunks(pk.Chunks)
		for ch, ok := cs.Next(); ok; ch, ok = cs.Next() {
			if ch.Type == ChunkUserData && len(frags) < 2048 {
				u, _ := ParseUserData(ch.Value, false)
				n := min(len(u.Data), 64)
				frags = append(frags, 1, byte(min(u.FSNOffset, 255)), u.Flags&^UDOptions, byte(n))
				frags = append(frags, u.Data[:n]...)
			}
		}
	}
	write("FuzzReassembler", frags)
	// Handler: the first 40 datagrams of the capture, framed.
	var seq []byte
	for _, p := range fl.Packets[:40] {
		d := byte(0)
		if p.Src != fl.Client {
			d = 1
		}
		seq = append(seq, d, byte(len(p.Payload)>>8), byte(len(p.Payload)))
		seq = append(seq, p.Payload...)
	}
	write("FuzzHandler", seq)
}
