package dissect

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Fuzz targets. Their seed corpus (testdata/fuzz/...) is cut from the
// real captures by TestWriteFuzzSeeds; `go test` runs it as a normal test.

// fuzzOpts keeps memory small so that a hostile input shows up as a
// broken limit rather than as a slow test.
var fuzzOpts = Options{MaxBodyBytes: 1 << 20, MaxPartials: 16, MaxChunkStreams: 64, HuntWindow: 4096}

// feedSplit gives data to conn in direction dir from offset off, cut at
// pseudo-random points.
func feedSplit(conn *testConn, dir event.Dir, off int64, data []byte, rng *rand.Rand) {
	frame := uint64(1)
	for len(data) > 0 {
		n := 1 + rng.Intn(min(len(data), 1500))
		conn.Data(dir, off, data[:n], []event.FrameRef{{Offset: off, Len: n, Frame: frame}})
		frame++
		data, off = data[n:], off+int64(n)
	}
}

// checkInvariants asserts what must hold whatever the input.
func checkInvariants(t *testing.T, conn *testConn, col *collector, sent [2]int) {
	t.Helper()
	if conn.liveBody != 0 {
		t.Fatalf("live body bytes %d after close", conn.liveBody)
	}
	for _, e := range col.events {
		if e.Kind == event.KindMessage {
			m := e.Message
			if len(m.Body) > int(m.Length) || !m.BodyTruncated && len(m.Body) != int(m.Length) {
				t.Fatalf("body %d bytes for length %d", len(m.Body), m.Length)
			}
			if len(m.Chunks) > conn.opts.MaxChunkList {
				t.Fatalf("%d chunks listed", len(m.Chunks))
			}
		}
		if e.Kind == event.KindConn && e.Conn.Closed {
			for d, a := range e.Conn.Account {
				got := a.Handshake + a.Header + a.Payload + a.Skipped + a.Pending + a.Encrypted
				if got != int64(sent[d]) {
					t.Fatalf("dir %d: %d bytes sent, accounting %+v = %d", d, sent[d], a, got)
				}
			}
		}
	}
}

func FuzzChunkStream(f *testing.F) {
	f.Add([]byte{0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0}, int64(1))
	c2s, s2c := handshakeStreams()
	f.Fuzz(func(t *testing.T, data []byte, seed int64) {
		if len(data) > maxChunkFuzz {
			data = data[:maxChunkFuzz]
		}
		// As the chunk stream after a real handshake...
		col := &collector{}
		conn := newTestConn(testInfo, col, fuzzOpts)
		conn.Data(0, 0, c2s[:1537], nil)
		conn.Data(1, 0, s2c, nil)
		conn.Data(0, 1537, c2s[1537:], nil)
		feedSplit(conn, 0, int64(len(c2s)), data, rand.New(rand.NewSource(seed)))
		conn.Close(&event.ConnEvent{Closed: true})
		checkInvariants(t, conn, col, [2]int{len(c2s) + len(data), len(s2c)})
		// ...and as a capture that joined mid-stream.
		col = &collector{}
		conn = newTestConn(testInfo, col, fuzzOpts)
		conn.Gap(1, flow.Gap{Offset: 0, Bytes: -1, Reason: event.GapMidStream})
		feedSplit(conn, 1, 0, data, rand.New(rand.NewSource(seed+1)))
		conn.Close(&event.ConnEvent{Closed: true})
		checkInvariants(t, conn, col, [2]int{0, len(data)})
	})
}

// FuzzHandshake mutates real handshakes instead of taking them whole: a
// fuzz input is a few edits (three bytes each: a 16-bit offset and a value
// XORed in) and a cut per direction, applied to the first 3,300 bytes of
// each direction of play.pcap (ffmpeg playing from nginx: a digest
// handshake, then connect). Taking the 6.6 KB streams as the input itself
// made every new input cost a minute of minimisation (go test's default
// -fuzzminimizetime), so the target ran 15 times in two minutes; with
// inputs of a few bytes it runs at full speed and still reaches every
// byte of C0/C1/C2 and S0/S1/S2.
func FuzzHandshake(f *testing.F) {
	var base [2][]byte
	if conns := recordCapture(f, "play.pcap"); len(conns) > 0 {
		for d := range 2 {
			s := conns[0].stream(event.Dir(d))
			base[d] = s[:min(len(s), 3300)]
		}
	} else {
		base[0], base[1] = handshakeStreams()
	}
	f.Add([]byte{}, []byte{}, uint16(0xFFFF), uint16(0xFFFF), int64(0))
	f.Fuzz(func(t *testing.T, editsA, editsB []byte, cutA, cutB uint16, seed int64) {
		a, b := mutate(base[0], editsA, cutA), mutate(base[1], editsB, cutB)
		col := &collector{}
		conn := newTestConn(testInfo, col, fuzzOpts)
		rng := rand.New(rand.NewSource(seed))
		// Interleave the two directions as a capture would.
		var off [2]int64
		data := [2][]byte{a, b}
		for len(data[0])+len(data[1]) > 0 {
			d := rng.Intn(2)
			if len(data[d]) == 0 {
				d ^= 1
			}
			n := 1 + rng.Intn(min(len(data[d]), 2000))
			conn.Data(event.Dir(d), off[d], data[d][:n], nil)
			off[d] += int64(n)
			data[d] = data[d][n:]
		}
		conn.Close(&event.ConnEvent{Closed: true})
		checkInvariants(t, conn, col, [2]int{len(a), len(b)})
	})
}

// mutate returns a copy of base with each 3-byte edit (offset high, offset
// low, value) XORed in and cut at cut bytes.
func mutate(base, edits []byte, cut uint16) []byte {
	out := append([]byte(nil), base...)
	if len(out) == 0 {
		return out
	}
	for i := 0; i+2 < len(edits); i += 3 {
		off := (int(edits[i])<<8 | int(edits[i+1])) % len(out)
		out[off] ^= edits[i+2]
	}
	if int(cut) < len(out) {
		out = out[:cut]
	}
	return out
}

// maxChunkFuzz bounds a FuzzChunkStream input: the dissector's cost is
// linear in it, and long inputs only slow minimisation down.
const maxChunkFuzz = 1024

// TestWriteFuzzSeeds cuts seeds from real captures into testdata/fuzz
// when DISSECT_WRITE_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("DISSECT_WRITE_SEEDS") == "" {
		t.Skip("set DISSECT_WRITE_SEEDS=1 to rewrite the fuzz seeds from the captures")
	}
	write := func(target, name string, vals ...any) {
		dir := filepath.Join("testdata", "fuzz", target)
		os.MkdirAll(dir, 0o755)
		s := "go test fuzz v1\n"
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				s += fmt.Sprintf("[]byte(%q)\n", v)
			case int64:
				s += fmt.Sprintf("int64(%d)\n", v)
			case uint16:
				s += fmt.Sprintf("uint16(%d)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"publish-ng.pcapng", "play.pcap", "extts.pcap", "midstream.pcap", "chunksize.pcap", "rtmpdump-play.pcap"} {
		path := filepath.Join(pcapDir, name)
		if _, err := os.Stat(path); err != nil {
			t.Logf("no %s", name)
			continue
		}
		conns := recordCapture(t, name)
		rc := conns[0]
		for dir := range 2 {
			s := rc.stream(event.Dir(dir))
			if len(s) == 0 {
				continue
			}
			hs := 0
			if len(s) > hsTotalLen && (s[0] == 3) {
				hs = hsTotalLen
			}
			body := s[hs:]
			write("FuzzChunkStream", fmt.Sprintf("%s-%d-start", name, dir), body[:min(len(body), 700)], int64(dir))
			if len(body) > 20000 {
				mid := len(body) / 2
				write("FuzzChunkStream", fmt.Sprintf("%s-%d-middle", name, dir), body[mid:mid+700], int64(dir+7))
			}
		}
		// FuzzHandshake's inputs are edits of play.pcap's handshake:
		// one flipping C0 to RTMPE, one corrupting C1's digest, one
		// cutting S2 short.
		if name == "play.pcap" {
			write("FuzzHandshake", "c0-rtmpe", []byte{0, 0, 5}, []byte{}, uint16(0xFFFF), uint16(0xFFFF), int64(1))
			write("FuzzHandshake", "c1-digest", []byte{0, 20, 0xff, 0, 21, 0x55}, []byte{}, uint16(0xFFFF), uint16(0xFFFF), int64(2))
			write("FuzzHandshake", "s2-cut", []byte{}, []byte{}, uint16(0xFFFF), uint16(2500), int64(3))
		}
	}
}
