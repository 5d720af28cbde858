package pipeline_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// The stage benchmarks run the same capture through ever more of the
// pipeline, so that the difference between two of them is one stage's cost:
//
//	Read       the file reader alone (pcap records into Packets)
//	Decode     + link and IP decoding (capture.Decoder)
//	Reassemble + TCP reassembly and the router with no protocol registered
//	Dissect    + every protocol handler and the session layer
//	NDJSON     + the NDJSON encoder, written to io.Discard
//	Text       + the text view instead
//
// RTMPSCOPE_BENCH_PCAP names a bigger capture to run instead of multi.pcap.
// The file is opened as the command opens it (memory-mapped when it is a
// plain pcap file); RTMPSCOPE_BENCH_READER=1 reads it from memory through
// the buffered reader instead (what gzip, pcapng and stdin go through).
// MB/s counts capture file bytes; allocs are per op (one pass).
func benchCapture(b *testing.B) benchFile {
	b.Helper()
	path := os.Getenv("RTMPSCOPE_BENCH_PCAP")
	if path == "" {
		path = filepath.Join(capturetest.Pcaps(), "multi.pcap")
	}
	f := benchFile{path: path}
	if os.Getenv("RTMPSCOPE_BENCH_READER") == "1" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		f.data, f.size = data, int64(len(data))
		return f
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	f.size = st.Size()
	return f
}

// benchFile is the capture a benchmark reads: a file, or its bytes.
type benchFile struct {
	path string
	data []byte // nil: open path
	size int64
}

func benchSource(b *testing.B, f benchFile) capture.Source {
	var (
		src capture.Source
		err error
	)
	if f.data != nil {
		src, err = capture.NewReaderSource("bench", bytes.NewReader(f.data))
	} else {
		src, err = capture.OpenFile(f.path)
	}
	if err != nil {
		b.Fatal(err)
	}
	return src
}

func BenchmarkStageRead(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(data.size)
	b.ReportAllocs()
	var pkts int
	for b.Loop() {
		src := benchSource(b, data)
		for {
			if _, err := src.Next(); err != nil {
				break
			}
			pkts++
		}
		src.Close()
	}
	b.ReportMetric(float64(pkts)/float64(b.N), "pkts/op")
}

func BenchmarkStageDecode(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(data.size)
	b.ReportAllocs()
	for b.Loop() {
		src := benchSource(b, data)
		var dec capture.Decoder
		var seg capture.Segment
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			dec.Decode(p, &seg)
		}
		src.Close()
	}
}

func BenchmarkStageReassemble(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(data.size)
	b.ReportAllocs()
	for b.Loop() {
		src := benchSource(b, data)
		if _, err := flow.Run(context.Background(), src, event.ReceiverFunc(func(event.Event) {}), nil, flow.RunOptions{}); err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
}

// benchPipeline runs the pipeline into sink as the command runs these
// views: bodies recycled once the sinks are done (the views keep no
// record), video frames assembled sparse (no view shows their bytes;
// RTMPSCOPE_BENCH_WHOLE=1 assembles them whole, to compare), chunk lists
// only for -V (chunks).
func benchPipeline(b *testing.B, chunks bool, sink func() pipeline.Sink) {
	data := benchCapture(b)
	b.SetBytes(data.size)
	b.ReportAllocs()
	cfg := pipeline.Config{RecycleBodies: true}
	cfg.Dissect.SkipChunkList = !chunks
	cfg.Dissect.SparseVideo = os.Getenv("RTMPSCOPE_BENCH_WHOLE") != "1"
	for b.Loop() {
		if _, err := pipeline.New(cfg).Run(context.Background(), benchSource(b, data), sink()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStageDissect(b *testing.B) {
	benchPipeline(b, false, func() pipeline.Sink { return pipeline.NewSink(nil, nil) })
}

func BenchmarkStageNDJSON(b *testing.B) {
	benchPipeline(b, false, func() pipeline.Sink {
		jw := export.NewJSONWriter(io.Discard, false)
		var line []byte
		return pipeline.NewSink(func(r *session.Record) error {
			var err error
			line, err = export.AppendEvent(line[:0], r, export.EventOptions{})
			if err != nil {
				return err
			}
			return jw.Write(line)
		}, jw.Close)
	})
}

func BenchmarkStageText(b *testing.B) {
	benchPipeline(b, false, func() pipeline.Sink {
		var base = new(session.Record)
		return pipeline.NewSink(func(r *session.Record) error {
			if base.Time.IsZero() {
				base.Time = r.Time
			}
			if export.Shown(r) {
				_, err := io.WriteString(io.Discard, export.TextLine(*r, base.Time, 0))
				return err
			}
			return nil
		}, nil)
	})
}

func BenchmarkStageVerbose(b *testing.B) {
	benchPipeline(b, true, func() pipeline.Sink {
		w := bufio.NewWriterSize(io.Discard, 1<<16)
		var base time.Time
		// As the -V sink builds its trees: in a reused arena, without the
		// root's summary (the header line replaces it).
		arena := tree.Arena{NoSummary: true}
		return pipeline.NewSink(func(r *session.Record) error {
			if base.IsZero() {
				base = r.Time
			}
			if !export.Shown(r) {
				return nil
			}
			if err := tree.Write(w, arena.Build(r), tree.WriteOptions{Header: export.TextLine(*r, base, 0), Width: -1, MaxChildren: -1}); err != nil {
				return err
			}
			return w.WriteByte('\n')
		}, w.Flush)
	})
}
