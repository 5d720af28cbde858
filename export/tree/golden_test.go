package tree

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCases pick one event of each kind from real captures. The golden
// files were checked by hand against `tshark -r CAPTURE -V -Y
// 'frame.number==N'` on the same frame (see testdata/golden/README.md for
// what we show that tshark does not).
var goldenCases = []struct {
	name, capture string
	pick          func(r *session.Record) bool
}{
	{"conn-open", "publish.pcap", func(r *session.Record) bool { return r.Kind == event.KindConn && !r.Conn.Closed }},
	{"handshake", "publish.pcap", func(r *session.Record) bool { return r.Kind == event.KindHandshake }},
	{"connect", "publish.pcap", isCommand("connect")},
	{"result", "publish.pcap", isCommand("_result")},
	{"onstatus", "publish.pcap", isCommand("onStatus")},
	{"setdataframe", "publish.pcap", func(r *session.Record) bool {
		return r.Body.Data != nil && r.Body.Data.Handler == "@setDataFrame"
	}},
	{"set-chunk-size", "publish.pcap", func(r *session.Record) bool {
		return r.Kind == event.KindMessage && r.Message.Control != nil && r.Message.Control.Type == event.TypeSetChunkSize
	}},
	{"audio-seq-header", "publish.pcap", func(r *session.Record) bool { return r.Body.Audio != nil && r.Body.Audio.AAC != nil }},
	{"video-seq-header", "publish.pcap", func(r *session.Record) bool {
		return r.Body.Video != nil && r.Body.Video.IsSequenceHeader()
	}},
	{"keyframe", "publish.pcap", func(r *session.Record) bool {
		return r.Body.Video != nil && r.Body.Video.Keyframe() && !r.Body.Video.IsSequenceHeader()
	}},
	{"user-control", "play.pcap", func(r *session.Record) bool {
		return r.Kind == event.KindMessage && r.Message.UserControl != nil
	}},
	{"conn-close", "publish.pcap", func(r *session.Record) bool { return r.Kind == event.KindConn && r.Conn.Closed }},
	{"diagnostic", "midstream.pcap", func(r *session.Record) bool { return r.Kind == event.KindDiagnostic }},
	{"gap", "midstream.pcap", func(r *session.Record) bool { return r.Kind == event.KindGap }},
	{"inferred-message", "midstream.pcap", func(r *session.Record) bool {
		return r.Kind == event.KindMessage && r.Message.Inferred
	}},
}

func isCommand(name string) func(r *session.Record) bool {
	return func(r *session.Record) bool {
		var c *command.Command = r.Body.Command
		return c != nil && c.Name == name
	}
}

func TestGoldenV(t *testing.T) {
	cache := map[string][]session.Record{}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			recs, ok := cache[tc.capture]
			if !ok {
				recs = records(t, tc.capture)
				cache[tc.capture] = recs
			}
			var got bytes.Buffer
			for i := range recs {
				if !tc.pick(&recs[i]) {
					continue
				}
				r := &recs[i]
				opts := WriteOptions{Header: export.TextLine(*r, recs[0].Time, 0)}
				if err := Write(&got, Build(r), opts); err != nil {
					t.Fatal(err)
				}
				break
			}
			if got.Len() == 0 {
				t.Fatalf("%s: no event matched", tc.capture)
			}
			path := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("-V output differs from %s (run with -update after checking):\n%s", path, got.String())
			}
		})
	}
}
