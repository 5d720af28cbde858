package session

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// FuzzTracker feeds arbitrary command bodies, in both directions and on a
// few message streams, through a Tracker with a small request table: it
// must never panic, never keep more than the table's limit, and forget the
// connection on close. Seeds are the command bodies of the real captures,
// so the fuzzer starts from real conversations. Each input is a sequence
// of records: one control byte (bit 0 direction, bits 1-2 msid, bit 3
// AMF3 type), one length byte, then that many body bytes.
func FuzzTracker(f *testing.F) {
	for _, name := range []string{"publish.pcap", "reject.pcap", "play.pcap"} {
		var seed []byte
		tr := New(Options{ShowSecrets: true}, func(r Record) {
			if r.Kind == event.KindMessage && r.Body.Command != nil && len(r.Message.Body) < 256 {
				ctl := byte(r.Message.Dir&1) | byte(r.Message.MSID&3)<<1
				seed = append(seed, ctl, byte(len(r.Message.Body)))
				seed = append(seed, r.Message.Body...)
			}
		})
		if _, err := runPipeline(filepath.Join(pcapDir, name), tr); err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 4
		tr := New(Options{MaxOutstanding: max, MaxDiagPerCode: 3}, func(Record) {})
		tr.Emit(event.Event{Kind: event.KindConn, ConnID: 1, Conn: &event.ConnEvent{}})
		frame := uint64(0)
		for len(in) >= 2 {
			ctl, n := in[0], int(in[1])
			in = in[2:]
			if n > len(in) {
				n = len(in)
			}
			body := in[:n]
			in = in[n:]
			frame++
			dir := event.Dir(ctl & 1)
			typ := uint8(20)
			if ctl&8 != 0 {
				typ = 17
			}
			at := time.Unix(int64(frame), 0)
			tr.Emit(event.Event{Kind: event.KindMessage, ConnID: 1, Dir: dir, HasDir: true, Time: at, Message: &event.Message{
				Dir: dir, Time: at, Frame: frame, MSID: uint32(ctl>>1) & 3, TypeID: event.MsgType(typ), Length: uint32(n), Body: body,
			}})
			for d := range tr.conns[1].pending {
				if l := len(tr.conns[1].pending[d].list); l > max {
					t.Fatalf("%d outstanding requests, max %d", l, max)
				}
			}
			_ = tr.State(1)
		}
		tr.Emit(event.Event{Kind: event.KindConn, ConnID: 1, Conn: &event.ConnEvent{Closed: true}})
		if len(tr.conns) != 0 {
			t.Fatal("connection kept after close")
		}
	})
}
