package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The answers of #15 through the command: conns --story, the story in
// the text view and the JSON export, relay and diff.
func TestAnswerCommands(t *testing.T) {
	out, errOut, code := rtmpscope(t, "conns", "--story", "-r", pcaps+"reject.pcap")
	for _, want := range []string{"Stories:", "connect never answered", "publish refused: NetStream.Publish.BadName", "play refused: NetStream.Play.StreamNotFound"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("conns --story (exit %d): no %q in\n%s%s", code, want, out, errOut)
		}
	}
	out, _, _ = rtmpscope(t, "-T", "text", "-r", pcaps+"reject.pcap")
	if !strings.Contains(out, "story: verdict: FAILED, publish refused") {
		t.Errorf("text view: no story under the closing line:\n%s", out)
	}
	out, _, _ = rtmpscope(t, "-T", "ndjson", "-Y", `kind == "conn"`, "-r", pcaps+"reject.pcap")
	stories := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			State string `json:"state"`
			Story *struct {
				Verdict struct{ Problem string } `json:"verdict"`
			} `json:"story"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if ev.State == "closed" && ev.Story != nil && ev.Story.Verdict.Problem != "" {
			stories++
		}
	}
	if stories != 3 {
		t.Errorf("%d conn-closed events with a failing story, want 3:\n%s", stories, out)
	}

	out, errOut, code = rtmpscope(t, "relay", "-T", "json", "-r", pcaps+"relay.pcap")
	var rep struct {
		Players []struct{ Frames, Matched, Dropped int64 } `json:"players"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || len(rep.Players) != 2 {
		t.Fatalf("relay (exit %d, %v):\n%s%s", code, err, out, errOut)
	}
	for _, p := range rep.Players {
		if p.Frames == 0 || p.Matched != p.Frames || p.Dropped != 0 {
			t.Errorf("relay player %+v", p)
		}
	}

	out, errOut, code = rtmpscope(t, "diff", "-r", pcaps+"play.pcap", "-r", pcaps+"rtmpdump-play.pcap")
	if code != 0 || !strings.Contains(out, "differences") || !strings.Contains(out, `"LNX 10,0,32,18"`) {
		t.Errorf("diff (exit %d):\n%s%s", code, out, errOut)
	}
	out, errOut, code = rtmpscope(t, "diff", "-T", "json", "-r", pcaps+"multi.pcap", "--conn", "c1", "--conn", "c2")
	var res struct {
		A, B        struct{ Conn string }
		Differences []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || res.A.Conn != "c1" || res.B.Conn != "c2" || len(res.Differences) == 0 {
		t.Errorf("diff -T json (exit %d, %v):\n%s%s", code, err, out, errOut)
	}
	if _, errOut, code = rtmpscope(t, "diff", "-r", pcaps+"multi.pcap", "--conn", "c9"); code != 1 || !strings.Contains(errOut, "no RTMP connection c9") {
		t.Errorf("diff --conn c9: exit %d, %s", code, errOut)
	}
	if _, _, code = rtmpscope(t, "diff"); code != 2 {
		t.Errorf("diff without -r: exit %d, want 2", code)
	}
}
