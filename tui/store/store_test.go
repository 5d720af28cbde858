package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const pcaps = "../../testdata/pcaps"

// load runs a capture into a new Store and also collects the records the
// ordinary pipeline gives, redacted (the default) and plain
// (--show-secrets).
func load(t testing.TB, name string) (s *Store, red, plain []session.Record) {
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
	redacting := session.New(session.Options{}, func(r session.Record) { red = append(red, r) })
	showing := session.New(session.Options{ShowSecrets: true}, func(r session.Record) { plain = append(plain, r) })
	tr := s.Tracker()
	all := event.ReceiverFunc(func(e event.Event) {
		for _, r := range []event.Receiver{redacting, showing} {
			e2 := e
			if e.Message != nil {
				m := *e.Message
				e2.Message = &m
			}
			r.Emit(e2)
		}
		tr.Emit(e)
	})
	f, fcfg := event.Receiver(all), pipeline.Config{Dissect: dissect.Options{KeepChunkHeaders: true}}
	if _, err := capturetest.Run(path, f, fcfg); err != nil {
		t.Fatal(err)
	}
	s.Finish(nil)
	return s, red, plain
}

// Every event read back from the store (row + spill file, with the kept
// redacted bodies) exports exactly as the pipeline's own record does: the
// redacted record with its secret bytes masked, or revealed, the
// --show-secrets record (messages only: see below).
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"publish.pcap", "play.pcap", "midstream.pcap", "chunksize.pcap", "extts.pcap"} {
		for _, revealed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reveal=%v", name, revealed), func(t *testing.T) {
				s, red, plain := load(t, name)
				// Non-message events are kept as the redacting
				// tracker made them: the conversation state of a
				// conn-closed event stays redacted under reveal.
				want := red
				for i := range want {
					switch {
					case want[i].Message == nil:
					case revealed:
						want[i] = plain[i]
					default:
						want[i].Message = mask(want[i].Message, want[i].Secrets)
					}
				}
				if s.Len() != len(want) {
					t.Fatalf("%d rows, pipeline gave %d events", s.Len(), len(want))
				}
				for i := range want {
					got, err := s.Record(i, revealed)
					if err != nil {
						t.Fatalf("row %d: %v", i, err)
					}
					if got.Message != nil {
						if got.Message.Chunks[0].Header == nil {
							t.Fatalf("row %d: chunk header bytes not kept", i)
						}
						if sum, want := s.Summary(i, revealed), decode.Summary(want[i].Message, want[i].Body); sum != want {
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
	s, _, plain := load(t, "publish.pcap")
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

// The spill file never holds the stream key in plain text, the detail
// tree of the publish command shows it redacted, and reveal shows it.
func TestSpillHoldsNoSecret(t *testing.T) {
	s, recs, plain := load(t, "publish.pcap")
	key := ""
	pub := -1
	for i, r := range plain {
		if r.Body.Command != nil {
			if p, ok := r.Body.Command.Publish(); ok {
				key, pub = p.Name, i
			}
		}
	}
	if key == "" {
		t.Fatal("publish.pcap: no publish command")
	}
	if s.Conns()[0].StreamPlain != key {
		t.Errorf("connection's plain stream %q, want %q", s.Conns()[0].StreamPlain, key)
	}
	if err := s.spillW.Flush(); err != nil {
		t.Fatal(err)
	}
	// The spill file is unlinked at once (store.New): read it through
	// its descriptor.
	if _, err := os.Stat(s.spill.Name()); !os.IsNotExist(err) {
		t.Errorf("the spill file %s is still in the file system: %v", s.spill.Name(), err)
	}
	fi, err := s.spill.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("spill file mode %v, want 0600", fi.Mode().Perm())
	}
	b := make([]byte, fi.Size())
	if _, err := s.spill.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatal("empty spill file")
	}
	base, query, _ := strings.Cut(key, "?")
	_, token, _ := strings.Cut(query, "=")
	for _, sec := range []string{key, base[strings.IndexByte(base, '_')+1:], token} {
		if bytes.Contains(b, []byte(sec)) {
			t.Errorf("the spill file holds the secret %q", sec)
		}
	}
	n := 0
	for _, r := range recs {
		for _, sec := range r.Secrets {
			n++
			if bytes.Contains(b, []byte(sec.Plain)) {
				t.Errorf("the spill file holds the secret %q", sec.Plain)
			}
		}
	}
	if n == 0 {
		t.Error("the session layer reported no secrets")
	}
	red, err := s.Record(pub, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(red.Secrets) == 0 || bytes.Contains(red.Message.Body, []byte(key)) {
		t.Errorf("redacted record: secrets %v, body %q", red.Secrets, red.Message.Body)
	}
	if txt := treeText(tree.Build(red)); strings.Contains(txt, key) || !strings.Contains(txt, command.Mask) {
		t.Errorf("redacted detail tree:\n%s", txt)
	}
	shown, err := s.Record(pub, true)
	if err != nil {
		t.Fatal(err)
	}
	if txt := treeText(tree.Build(shown)); !strings.Contains(txt, key) {
		t.Errorf("revealed detail tree lacks %q:\n%s", key, txt)
	}
}

func treeText(n *tree.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", n.Label, n.Value)
	for _, c := range n.Children {
		b.WriteString(treeText(c))
	}
	return b.String()
}

// The streams pane and `rtmpscope stats` are one statistics engine: on
// real captures they find the same streams (connection, direction, message
// stream id) with the same message and frame counts.
func TestStreamsAgreeWithStats(t *testing.T) {
	for _, name := range []string{"multi.pcap", "play.pcap", "ertmp.pcap", "publish.pcap"} {
		s, red, _ := load(t, name)
		col := &export.StatsCollector{}
		want := map[string][2]int64{}
		col.OnStream = func(st export.StreamStats) {
			var v [2]int64
			if st.Video != nil {
				v[0] = st.Video.Frames
			}
			if st.Audio != nil {
				v[1] = st.Audio.Messages
			}
			want[st.StreamKey.String()] = v
		}
		for _, r := range red {
			col.Add(r)
		}
		col.Flush()
		reps, _ := s.Reports()
		got := map[string][2]int64{}
		for _, r := range reps {
			var v [2]int64
			if r.Video != nil {
				v[0] = r.Video.Frames
			}
			if r.Audio != nil {
				v[1] = r.Audio.Messages
			}
			got[r.Dir] = v
		}
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: streams pane %v, stats %v", name, got, want)
		}
	}
}
