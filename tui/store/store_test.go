package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const pcaps = "../../testdata/pcaps"

// load runs a capture into a new Store and also collects the records the
// ordinary pipeline gives with the same --show-secrets setting.
func load(t testing.TB, name string, showSecrets bool) (*Store, []session.Record) {
	t.Helper()
	path := filepath.Join(pcaps, name)
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var want []session.Record
	redacting := session.New(session.Options{ShowSecrets: showSecrets}, func(r session.Record) { want = append(want, r) })
	tr := s.Tracker(showSecrets)
	both := event.ReceiverFunc(func(e event.Event) {
		e2 := e
		if e.Message != nil {
			m := *e.Message
			e2.Message = &m
		}
		redacting.Emit(e2)
		tr.Emit(e)
	})
	f, fcfg := event.Receiver(both), pipeline.Config{Dissect: dissect.Options{KeepChunkHeaders: true}}
	if _, err := capturetest.Run(path, f, fcfg); err != nil {
		t.Fatal(err)
	}
	s.Finish(nil)
	return s, want
}

// Every event read back from the store (row + spill file, decoded again,
// redacted on demand) exports exactly as the pipeline's own record does,
// whether the store was fed redacted records (the default) or plain ones
// (--show-secrets, read back revealed).
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"publish.pcap", "play.pcap", "midstream.pcap", "chunksize.pcap", "extts.pcap"} {
		for _, plainIn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/plain-in=%v", name, plainIn), func(t *testing.T) {
				s, want := load(t, name, plainIn)
				if s.Len() != len(want) {
					t.Fatalf("%d rows, pipeline gave %d events", s.Len(), len(want))
				}
				for i := range want {
					got, err := s.Record(i, plainIn)
					if err != nil {
						t.Fatalf("row %d: %v", i, err)
					}
					if got.Message != nil {
						if got.Message.Chunks[0].Header == nil {
							t.Fatalf("row %d: chunk header bytes not kept", i)
						}
						if sum, want := s.Summary(i, plainIn), decode.Summary(want[i].Message, want[i].Body); sum != want {
							t.Fatalf("row %d summary %q, pipeline %q", i, sum, want)
						}
					}
					a, _ := export.MarshalEvent(want[i], export.EventOptions{Payload: "hex"})
					b, _ := export.MarshalEvent(*got, export.EventOptions{Payload: "hex"})
					if !bytes.Equal(a, b) {
						t.Fatalf("row %d differs:\npipeline %s\nstore    %s", i, a, b)
					}
				}
			})
		}
	}
}

// Redaction is on by default and reveal shows what --show-secrets shows.
func TestReveal(t *testing.T) {
	s, _ := load(t, "publish.pcap", false)
	var plain []session.Record
	tr := session.New(session.Options{ShowSecrets: true}, func(r session.Record) { plain = append(plain, r) })
	if _, err := capturetest.Run(filepath.Join(pcaps, "publish.pcap"), tr, pipeline.Config{}); err != nil {
		t.Fatal(err)
	}
	secrets := 0
	for i := range plain {
		row := s.Row(i)
		if !row.Has(FlagSecret) {
			continue
		}
		secrets++
		want := decode.Summary(plain[i].Message, plain[i].Body)
		if got := s.Summary(i, true); got != want {
			t.Errorf("row %d revealed %q, --show-secrets gives %q", i, got, want)
		}
		if s.Summary(i, false) == want {
			t.Errorf("row %d not redacted: %q", i, want)
		}
	}
	if secrets == 0 {
		t.Fatal("publish.pcap has a stream key, but no row was redacted")
	}
	c := s.Conns()[0]
	if c.App == "" || c.Stream == "" || c.Stream == c.StreamPlain {
		t.Errorf("connection names: %+v", c)
	}
}
