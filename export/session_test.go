package export

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// TestSessionJSON checks the "pair" and "session" objects and the text
// view's latency suffix on reject.pcap, whose second connection is a
// publish refused with NetStream.Publish.BadName (testdata/pcaps/README.md;
// frames 41 and 43 in its tshark reference).
func TestSessionJSON(t *testing.T) {
	var recs []session.Record
	tr := session.New(session.Options{}, func(r session.Record) { recs = append(recs, r) })
	path := filepath.Join("..", "testdata", "pcaps", "reject.pcap")
	if _, err := capturetest.Run(path, tr, pipeline.Config{}); err != nil {
		t.Fatal(err)
	}
	var sawResponse, sawRequest, sawSession bool
	for _, r := range recs {
		line, err := MarshalEvent(r, EventOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		pair, _ := ev["pair"].(map[string]any)
		switch {
		case r.Kind == event.KindMessage && r.Message.Frame == 43 && r.Pair != nil:
			sawResponse = true
			want := map[string]any{"role": "response", "request": "publish", "frame": 41.0, "dir": "c2s"}
			for k, v := range want {
				if pair[k] != v {
					t.Errorf("frame 43 pair.%s = %v, want %v", k, pair[k], v)
				}
			}
			if ms, ok := pair["latency_ms"].(float64); !ok || ms != float64(r.Pair.Latency.Microseconds())/1000 {
				t.Errorf("frame 43 latency_ms %v, pair latency %v", pair["latency_ms"], r.Pair.Latency)
			}
			line := TextLine(r, time.Time{}, 0)
			if suffix := " (0.048 ms after frame 41)"; !strings.HasSuffix(line, suffix) {
				t.Errorf("text line %q does not end with %q", line, suffix)
			}
		case r.Kind == event.KindMessage && r.Message.Frame == 41:
			sawRequest = true
			if len(pair) != 2 || pair["role"] != "request" || pair["request"] != "publish" {
				t.Errorf("frame 41 pair %v, want only role and request", pair)
			}
		case r.Kind == event.KindMessage && r.Pair == nil && ev["pair"] != nil:
			t.Errorf("frame %d: pair %v without a Pair", r.Message.Frame, ev["pair"])
		case r.Kind == event.KindConn && r.Conn.Closed && r.ConnID == 2:
			sawSession = true
			s, _ := ev["session"].(map[string]any)
			if s["app"] != "live" || s["fms_ver"] != "FMS/3,0,1,123" || s["failed"] != 1.0 || s["unanswered"] != 0.0 {
				t.Errorf("session %v", s)
			}
			streams, _ := s["streams"].([]any)
			if len(streams) != 1 {
				t.Fatalf("streams %v", s["streams"])
			}
			st := streams[0].(map[string]any)
			if st["msid"] != 1.0 || st["action"] != "publish" || st["status"] != "failed" || st["code"] != "NetStream.Publish.BadName" ||
				st["name"] != "****#1?token=****#2" {
				t.Errorf("stream %v", st)
			}
			caps, _ := s["caps"].(map[string]any)
			if s2c, _ := caps["s2c"].(map[string]any); s2c["capabilities"] != 31.0 {
				t.Errorf("caps %v", caps)
			}
		}
	}
	if !sawResponse || !sawRequest || !sawSession {
		t.Errorf("saw response %v, request %v, session %v", sawResponse, sawRequest, sawSession)
	}
}
