package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// TestAppendEventMatchesReflection holds the hand-written message encoder
// to encoding/json's output of the same event, byte for byte, on every
// message of every committed capture, with and without payloads and
// secrets.
func TestAppendEventMatchesReflection(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	if len(pcaps) == 0 {
		t.Fatal("no captures")
	}
	total := 0
	for _, path := range pcaps {
		for _, show := range []bool{false, true} {
			recs := capturetest.Records(t, path, pipeline.Config{Session: session.Options{ShowSecrets: show}})
			for i := range recs {
				r := &recs[i]
				if r.Event.Kind != event.KindMessage {
					continue
				}
				total++
				for _, payload := range []string{"", "hex", "base64"} {
					opts := EventOptions{Payload: payload}
					want, err := marshalEventReflect(r, opts)
					if err != nil {
						t.Fatal(err)
					}
					got, err := AppendEvent(nil, r, opts)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%s frame %d (payload %q):\n got %s\nwant %s", filepath.Base(path), r.Event.Message.Frame, payload, got, want)
					}
				}
			}
		}
	}
	if total < 1000 {
		t.Fatalf("only %d messages compared", total)
	}
}

// TestAppendJSONString checks the string and number writers against
// encoding/json on the inputs each treats specially.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "<a&b>", "\b\f\n\r\t\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "é漢字🎥", "a\xc3"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
	for _, f := range []float64{0, 1, -1.5, 0.025, 1e-7, 1e21, 123456789.125, 1e-6, -2.5e-9} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("%v: got %s want %s", f, got, want)
		}
	}
}

// TestMediaFastPathCurrent: the hand-written audio and video writers know
// every field of media.Audio and media.Video. When this fails, a field was
// added to dissect/media: add it to jsonmedia.go (output stays right
// meanwhile; only the fast path is off).
func TestMediaFastPathCurrent(t *testing.T) {
	if !mediaFastPath {
		t.Fatalf("audio fields %v\nvideo fields %v\ndiffer from what export/jsonmedia.go writes", jsonFields(reflect.TypeFor[media.Audio]()), jsonFields(reflect.TypeFor[media.Video]()))
	}
}

// FuzzMediaFastPath holds the hand-written audio and video writers to
// MarshalJSON on any body the decoders accept; seeded with the media
// package's fuzz corpus (real message bodies and their mutations).
func FuzzMediaFastPath(f *testing.F) {
	for _, dir := range []string{"FuzzAudio", "FuzzVideo"} {
		files, _ := filepath.Glob(filepath.Join("..", "dissect", "media", "testdata", "fuzz", dir, "*"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				if v, ok := corpusBytes(b); ok {
					f.Add(v)
				}
			}
		}
	}
	f.Add([]byte{0xaf, 0x01, 0x21, 0x10})
	f.Add([]byte{0x27, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x41, 0x9a})
	f.Fuzz(func(t *testing.T, body []byte) {
		if a, err := media.DecodeAudio(body); err == nil {
			if got, ok := appendAudio(nil, &a); ok {
				want, _ := a.MarshalJSON()
				if !bytes.Equal(got, want) {
					t.Fatalf("audio % x:\n got %s\nwant %s", body, got, want)
				}
			}
		}
		if v, err := media.DecodeVideo(body); err == nil {
			if got, ok := appendVideo(nil, &v); ok {
				want, _ := v.MarshalJSON()
				if !bytes.Equal(got, want) {
					t.Fatalf("video % x:\n got %s\nwant %s", body, got, want)
				}
			}
		}
	})
}

// corpusBytes reads the one []byte value of a "go test fuzz v1" file.
func corpusBytes(b []byte) ([]byte, bool) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "[]byte(") {
		return nil, false
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		return nil, false
	}
	return []byte(s), true
}

// TestMessageLineMatchesFmt holds the text view's hand-written message
// line to the fmt format it replaced, on every message of every capture.
func TestMessageLineMatchesFmt(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	n := 0
	for _, path := range pcaps {
		recs := capturetest.Records(t, path, pipeline.Config{})
		if len(recs) == 0 {
			continue
		}
		base := recs[0].Time
		for i := range recs {
			r := &recs[i]
			if r.Event.Kind != event.KindMessage {
				continue
			}
			n++
			m, ev := r.Event.Message, r.Event
			rel := ev.Time.Sub(base).Seconds()
			arrow := "C→S"
			if ev.Dir == event.S2C {
				arrow = "S→C"
			}
			ts := fmt.Sprintf("%d", m.Timestamp)
			if m.Inferred || m.TS.Inferred {
				ts += "?"
			}
			want := fmt.Sprintf("%6d %10.6f %-3s %s %3d %2d %8s %-5s %6d %s", m.Frame, rel, ev.ConnID, arrow,
				m.CSID, m.MSID, ts, event.MsgType(m.TypeID).Short(), m.Length, decode.Summary(m, r.Body))
			if got := messageLine(r, rel, arrow); got != want {
				t.Fatalf("%s frame %d:\n got %q\nwant %q", filepath.Base(path), m.Frame, got, want)
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d messages compared", n)
	}
}
