package story

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// BenchmarkAdd feeds every record of a capture of several publishers and
// players (mostly audio and video messages) through a new Builder, as the
// text and NDJSON sinks do on their one goroutine.
func BenchmarkAdd(b *testing.B) {
	recs := capturetest.Records(b, filepath.Join(capturetest.Pcaps(), "multi.pcap"), pipeline.Config{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bl := New(Options{})
		for j := range recs {
			bl.Add(&recs[j])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
