package store

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// FuzzSpill: the spill record decoder on any bytes (a spill file is our
// own, but a torn write or a bug must give an error, not a panic or a
// huge allocation), and the round trip of the records it is given: a
// record that decodes, encoded again, decodes to the same message. Seeds
// are the spill records of real messages (publish.pcap and play.pcap,
// chunk headers kept as the UI keeps them); STORE_WRITE_CORPUS=1 go test
// -run Corpus rewrites them.
func FuzzSpill(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		row := &Row{CSID: 3, MSID: 1, Timestamp: 40, Length: 9, TypeID: 9}
		m, summary, err := decodeMessage(row, b)
		if err != nil {
			return
		}
		if len(m.Body) > len(b) || len(m.Chunks) > len(b) {
			t.Fatalf("decoded %d body bytes and %d chunks from %d bytes", len(m.Body), len(m.Chunks), len(b))
		}
		again := encodeMessage(nil, m, summary)
		m2, s2, err := decodeMessage(row, again)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if s2 != summary || !reflect.DeepEqual(normal(m2), normal(m)) {
			t.Fatalf("round trip differs:\n%+v\n%+v", m, m2)
		}
	})
}

// normal clears what an empty slice and a nil one can differ in, and a
// NaN confidence (the record holds its bits; NaN is never equal to itself).
func normal(m *event.Message) event.Message {
	c := *m
	if math.IsNaN(c.Confidence) {
		c.Confidence = -1
	}
	if len(c.Body) == 0 {
		c.Body = nil
	}
	if len(c.Chunks) == 0 {
		c.Chunks = nil
	}
	for i := range c.Chunks {
		if len(c.Chunks[i].Header) == 0 {
			c.Chunks[i].Header = nil
		}
	}
	if c.UserControl != nil && len(c.UserControl.Data) == 0 {
		u := *c.UserControl
		u.Data = nil
		c.UserControl = &u
	}
	return c
}

// TestWriteSpillCorpus writes spill records of real messages as seeds.
func TestWriteSpillCorpus(t *testing.T) {
	if os.Getenv("STORE_WRITE_CORPUS") == "" {
		t.Skip("set STORE_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzSpill")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range []string{"publish.pcap", "play.pcap"} {
		kinds := map[event.MsgType]int{}
		evs := capturetest.Events(t, filepath.Join(pcaps, name), pipeline.Config{Dissect: dissect.Options{KeepChunkHeaders: true}})
		for _, e := range evs {
			if e.Kind != event.KindMessage || kinds[e.Message.TypeID] >= 2 {
				continue
			}
			kinds[e.Message.TypeID]++
			m := *e.Message
			if len(m.Body) > 300 {
				m.Body = m.Body[:300]
			}
			rec := encodeMessage(nil, &m, "summary of "+m.TypeID.Name())
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", rec)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%02d", name, n)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
}
