package dissect

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// BenchmarkChunkLayer measures the dissector alone (handshake, chunk
// layer, message assembly with the body copy) on the real publish capture,
// as reassembly delivered it.
func BenchmarkChunkLayer(b *testing.B) {
	conns := recordCapture(b, "publish-ng.pcapng")
	benchReplay(b, conns)
}

// BenchmarkMidstreamResync includes inferring the chunk size.
func BenchmarkMidstreamResync(b *testing.B) {
	benchReplay(b, recordCapture(b, "midstream.pcap"))
}

func benchReplay(b *testing.B, conns []*recConn) {
	total := 0
	for _, rc := range conns {
		for _, k := range rc.calls {
			total += len(k.data)
		}
	}
	sink := event.ReceiverFunc(func(event.Event) {})
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, rc := range conns {
			c := newTestConn(rc.info, sink, Options{})
			for _, k := range rc.calls {
				if k.gap != nil {
					c.Gap(k.dir, *k.gap)
				} else {
					c.Data(k.dir, k.off, k.data, k.refs)
				}
			}
			c.Close(&event.ConnEvent{Closed: true})
		}
	}
}
