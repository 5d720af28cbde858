package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/export/story"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// TestTextSinkParallelSameBytes: the text sink writes the same bytes
// whether it runs on the pipeline's goroutine (Record) or encodes on two
// goroutines (pipeline.ParallelSink with AsyncSinks), for the summary
// lines, -V trees, -x bytes and stories, on every committed capture; under
// -race this also checks that Encode shares nothing.
func TestTextSinkParallelSameBytes(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	if len(pcaps) == 0 {
		t.Fatal("no captures")
	}
	for _, path := range pcaps {
		for _, mode := range []struct{ verbose, hex bool }{{false, false}, {true, false}, {false, true}} {
			run := func(async bool) []byte {
				var out bytes.Buffer
				ts := newtextSink(&out)
				ts.Verbose, ts.Hex, ts.Uncut = mode.verbose, mode.hex, true
				ts.Stories = story.New(story.Options{})
				_, err := pipeline.RunFile(context.Background(), path, pipeline.Config{AsyncSinks: async, RecycleBodies: async}, ts)
				if err != nil && !errors.Is(err, capture.ErrTruncated) {
					t.Fatal(err)
				}
				return out.Bytes()
			}
			if sync, par := run(false), run(true); !bytes.Equal(sync, par) {
				t.Errorf("%s (-V %v, -x %v): %d bytes in parallel, %d on one goroutine", filepath.Base(path), mode.verbose, mode.hex, len(par), len(sync))
			}
		}
	}
}
