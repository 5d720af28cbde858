package relay

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/recfuzz"
)

// FuzzRelay feeds arbitrary messages of two connections (the same bytes:
// every frame one sends the other has) to the Analyzer: no panic, and its
// counts add up.
func FuzzRelay(f *testing.F) {
	recfuzz.Seed(f, "relay.pcap")
	f.Fuzz(func(t *testing.T, data []byte) {
		a := New(Options{MaxFrames: 16, MaxBuckets: 4})
		for _, conn := range []uint64{1, 2} {
			for _, r := range recfuzz.Records(data, 0) {
				r.ConnID = connID(conn)
				if r.Message != nil && conn == 2 {
					m := *r.Message
					m.Dir ^= 1
					r.Message, r.Dir = &m, m.Dir
				}
				a.Add(&r)
			}
		}
		for _, p := range a.Report().Players {
			if p.Matched+p.Unmatched != p.Frames || p.Dropped < 0 || p.Latency.Samples != p.Matched || len(p.Series) > 4 {
				t.Fatalf("%+v", p)
			}
		}
	})
}

func connID(n uint64) event.ConnID { return event.ConnID(n) }
