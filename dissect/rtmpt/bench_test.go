package rtmpt

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// nopInner takes the de-tunnelled bytes and does nothing with them, so the
// benchmark measures the tunnel layer alone.
type nopInner struct{}

func (nopInner) Data(event.Dir, int64, []byte, []event.FrameRef) {}
func (nopInner) Gap(event.Dir, flow.Gap)                         {}
func (nopInner) Close(*event.ConnEvent)                          {}

// BenchmarkDetunnel replays the HTTP bytes of the GStreamer capture
// (pipelined /send requests, 260 KB) through the router and the RTMPT
// handler; MB/s counts the HTTP bytes.
func BenchmarkDetunnel(b *testing.B) {
	for _, name := range []string{"rtmpt-gst", "rtmpt-play"} {
		b.Run(name, func(b *testing.B) {
			calls, n := rawHTTP(b, filepath.Join(pcaps, name+".pcap"))
			var total int64
			for _, c := range calls {
				total += int64(len(c.data))
			}
			opts := Options{NewInner: func(*flow.Context) flow.StreamHandler { return nopInner{} }}
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				benchReplay(calls, n, opts)
			}
		})
	}
}

func benchReplay(calls []rawCall, conns int, opts Options) {
	r := flow.New(event.ReceiverFunc(func(event.Event) {}), []flow.Protocol{Protocol(opts)}, flow.Options{})
	replayInto(r, calls, conns, 0)
	r.Finish()
}
