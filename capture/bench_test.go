package capture_test

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
)

// BenchmarkDecode decodes every frame of a capture: the plain Ethernet/IP
// path must stay as fast with the tunnels as it was before them.
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"publish.pcap", "wild/vxlan-inner.pcap", "wild/vxlan.pcap", "wild/tunnels/gtpu.pcap", "wild/tunnels/qinq.pcap"} {
		src, err := capture.OpenFile(filepath.Join(capturetest.Pcaps(), name))
		if err != nil {
			b.Fatal(err)
		}
		var frames []capture.Packet
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			p.Data = append([]byte(nil), p.Data...)
			frames = append(frames, p)
		}
		src.Close()
		b.Run(name, func(b *testing.B) {
			var d capture.Decoder
			var seg capture.Segment
			for b.Loop() {
				for _, p := range frames {
					d.Decode(p, &seg)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/frame")
		})
	}
}
