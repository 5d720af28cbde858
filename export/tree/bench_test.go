package tree

import (
	"bufio"
	"io"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
)

// BenchmarkVerbose is the -V sink's work on every record of a real
// capture: the tree built and written uncut. allocs/record is what the
// sink costs the garbage collector per event.
func BenchmarkVerbose(b *testing.B) {
	b.Run("heap", func(b *testing.B) { benchVerbose(b, Build) })
	var a Arena
	a.NoSummary = true // as the -V sink: the root line is the TextLine
	b.Run("arena", func(b *testing.B) { benchVerbose(b, a.Build) })
}

func benchVerbose(b *testing.B, build func(*session.Record) *Node) {
	recs := records(b, "multi.pcap")
	w := bufio.NewWriterSize(io.Discard, 1<<16)
	opts := WriteOptions{Width: -1, MaxChildren: -1}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for i := range recs {
			opts.Header = export.TextLine(recs[i], recs[0].Time, 0)
			if err := Write(w, build(&recs[i]), opts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for i := range recs {
			opts.Header = export.TextLine(recs[i], recs[0].Time, 0)
			_ = Write(w, build(&recs[i]), opts)
		}
	}))/float64(len(recs)), "allocs/record")
}
