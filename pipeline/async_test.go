package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// ndjsonOf runs a capture into an NDJSON buffer, with the sinks on the
// pipeline's goroutine or on their own.
func ndjsonOf(t *testing.T, path string, async bool) []byte {
	t.Helper()
	var out bytes.Buffer
	jw := export.NewJSONWriter(&out, false)
	sink := pipeline.NewSink(func(r *session.Record) error {
		line, err := export.AppendEvent(nil, r, export.EventOptions{})
		if err != nil {
			return err
		}
		return jw.Write(line)
	}, jw.Close)
	if _, err := pipeline.RunFile(context.Background(), path, pipeline.Config{AsyncSinks: async}, sink); err != nil && !errors.Is(err, capture.ErrTruncated) {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestAsyncSinksSameOutput: running the sinks on their own goroutine
// changes nothing in what they write, on every committed capture (and
// -race checks that no record is shared with the reader).
func TestAsyncSinksSameOutput(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	for _, path := range pcaps {
		sync, async := ndjsonOf(t, path, false), ndjsonOf(t, path, true)
		if !bytes.Equal(sync, async) {
			t.Errorf("%s: async output differs (%d vs %d bytes)", filepath.Base(path), len(async), len(sync))
		}
	}
}

// TestAsyncSinkErrorStops: a failing sink stops the run and its error is
// returned, as with synchronous sinks.
func TestAsyncSinkErrorStops(t *testing.T) {
	boom := errors.New("disk full")
	n := 0
	sink := pipeline.NewSink(func(*session.Record) error {
		n++
		if n == 10 {
			return boom
		}
		return nil
	}, nil)
	path := filepath.Join(capturetest.Pcaps(), "multi.pcap")
	_, err := pipeline.RunFile(context.Background(), path, pipeline.Config{AsyncSinks: true}, sink)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if n != 10 {
		t.Fatalf("sink called %d times after its error", n)
	}
}

// TestRecycledBodiesSameOutput: with message bodies recycled once the
// sinks are done (and every recycled buffer overwritten, so that a use
// after recycling would show), the NDJSON with payloads and the text view
// and the -V trees (with each message's chunk list, recycled too) of every
// committed capture are unchanged, sinks on the pipeline's goroutine or on
// their own.
func TestRecycledBodiesSameOutput(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	for _, path := range pcaps {
		want := outputsOf(t, path, pipeline.Config{}, "hex")
		for _, async := range []bool{false, true} {
			cfg := poisoned(async)
			if got := outputsOf(t, path, cfg, "hex"); !bytes.Equal(got, want) {
				t.Errorf("%s (async %v): output differs with recycled bodies", filepath.Base(path), async)
			}
		}
	}
}

// TestSparseVideoSameOutput: with sparse video bodies (only the bytes
// decoding reads copied, the rest of each buffer poisoned), the views that
// show no body bytes print exactly what they print with whole bodies, on
// every committed capture; and the walk does take the frames of the
// common codecs.
func TestSparseVideoSameOutput(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	sparse := 0
	for _, path := range pcaps {
		want := outputsOf(t, path, pipeline.Config{}, "")
		for _, async := range []bool{false, true} {
			cfg := poisoned(async)
			cfg.Dissect.SparseVideo = true
			count := pipeline.NewSink(func(r *session.Record) error {
				if r.Message != nil && r.Message.Sparse {
					sparse++
				}
				return nil
			}, nil)
			if got := outputsOf(t, path, cfg, "", count); !bytes.Equal(got, want) {
				t.Errorf("%s (async %v): output differs with sparse video bodies", filepath.Base(path), async)
			}
		}
	}
	if sparse < 1000 {
		t.Errorf("only %d sparse video frames over the captures: the walk is not taken", sparse)
	}
	t.Logf("%d sparse video frames", sparse)
}

// poisoned is a pipeline that reuses bodies (Config.RecycleBodies) from a
// pool that overwrites every body given back and pools the small ones
// too, so that any use of a body after its record shows in the output.
func poisoned(async bool) pipeline.Config {
	pool := dissect.NewBodyPool()
	pool.Poison, pool.All = true, true
	cfg := pipeline.Config{AsyncSinks: async, RecycleBodies: true}
	cfg.Dissect.Bodies = pool
	return cfg
}

// outputsOf is the NDJSON (with payloads as payload says: hex, or none),
// the text lines and the -V trees of a run.
func outputsOf(t *testing.T, path string, cfg pipeline.Config, payload string, more ...pipeline.Sink) []byte {
	t.Helper()
	var out bytes.Buffer
	var base time.Time
	sink := pipeline.NewSink(func(r *session.Record) error {
		line, err := export.AppendEvent(nil, r, export.EventOptions{Payload: payload})
		if err != nil {
			return err
		}
		out.Write(line)
		out.WriteByte('\n')
		if base.IsZero() {
			base = r.Time
		}
		out.WriteString(export.TextLine(*r, base, 0))
		out.WriteByte('\n')
		// The -V tree shows each message's chunks (recycled lists).
		if export.Shown(r) {
			if err := tree.Write(&out, tree.Build(r), tree.WriteOptions{Width: -1, MaxChildren: -1}); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if _, err := pipeline.RunFile(context.Background(), path, cfg, append([]pipeline.Sink{sink}, more...)...); err != nil && !errors.Is(err, capture.ErrTruncated) {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestRecycledBodiesStats: the stats command gives back every body but the
// ones the collector keeps (export.StatsHoldsBody); its reports must not
// change when the bodies given back are poisoned, neither what is printed
// nor what the reports hold (a configuration's parameter sets point into
// the body of its sequence header).
func TestRecycledBodiesStats(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	for _, path := range pcaps {
		want, wantReports := statsOf(t, path, pipeline.Config{})
		cfg := poisoned(false)
		got, gotReports := statsOf(t, path, cfg)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: stream statistics differ with recycled bodies\n got %s\nwant %s", filepath.Base(path), got, want)
		} else if !reflect.DeepEqual(gotReports, wantReports) {
			t.Errorf("%s: what the stream reports hold differs with recycled bodies", filepath.Base(path))
		}
	}
}

// statsOf is the stream reports of a run, as the stats command collects
// them: in JSON, and as they are.
func statsOf(t *testing.T, path string, cfg pipeline.Config) ([]byte, []export.StreamStats) {
	t.Helper()
	var out bytes.Buffer
	var reports []export.StreamStats
	col := &export.StatsCollector{OnStream: func(s export.StreamStats) {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
		out.WriteByte('\n')
		reports = append(reports, s)
	}}
	sink := pipeline.NewSink(func(r *session.Record) error {
		col.Add(*r)
		if export.StatsHoldsBody(r) {
			r.Message.Body = nil
		}
		return nil
	}, func() error { col.Flush(); return nil })
	if _, err := pipeline.RunFile(context.Background(), path, cfg, sink); err != nil && !errors.Is(err, capture.ErrTruncated) {
		t.Fatal(err)
	}
	return out.Bytes(), reports
}
