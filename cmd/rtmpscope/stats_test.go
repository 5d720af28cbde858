package main

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// streamJSON is the part of `stats -T ndjson` the tests read.
type streamJSON struct {
	Schema int    `json:"schema"`
	Kind   string `json:"kind"`
	Conn   string `json:"conn"`
	Dir    string `json:"dir"`
	Time   string `json:"time"`
	MSID   uint32 `json:"msid"`
	Role   string `json:"role"`
	Client string `json:"client"`
	Video  *struct {
		Format struct {
			Codec  string `json:"codec"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"format"`
		Frames       int64     `json:"frames"`
		Keyframes    int64     `json:"keyframes"`
		FrameRate    float64   `json:"frame_rate"`
		GOPFramesMin int       `json:"gop_frames_min"`
		GOPFramesMax int       `json:"gop_frames_max"`
		GOPMSAvg     float64   `json:"gop_ms_avg"`
		CTSMin       int32     `json:"cts_min"`
		CTSMax       int32     `json:"cts_max"`
		Backwards    int64     `json:"timestamps_backwards"`
		Jumps        int64     `json:"timestamp_jumps"`
		Bitrate      []float64 `json:"bitrate_bps"`
	} `json:"video"`
	Audio *struct {
		Format struct {
			Codec      string `json:"codec"`
			SampleRate int    `json:"sample_rate"`
			Channels   int    `json:"channels"`
		} `json:"format"`
		Frames int64 `json:"frames"`
	} `json:"audio"`
}

func statsJSON(t *testing.T, pcap string) []streamJSON {
	t.Helper()
	out, errOut, code := rtmpscope(t, "stats", "-T", "ndjson", "-r", need(t, pcap))
	if code != 0 {
		t.Fatalf("stats %s: exit %d: %s", pcap, code, errOut)
	}
	var streams []streamJSON
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s streamJSON
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("%s: %v: %s", pcap, err, line)
		}
		streams = append(streams, s)
	}
	return streams
}

// sent is what make-captures.sh told ffmpeg to send (its publish() defaults:
// testsrc2 320x240, FPS 25, GOP 50, AR 44100, AC 2; overridden per capture
// in c_ipv6 and c_multi). The profile is not compared: x264's -profile:v is
// an upper bound, and with -preset ultrafast -tune zerolatency it signals
// Constrained Baseline whatever was asked unless B-frames are on (multi's
// cam2, -bf 2: Main); TestExtract checks the profile against ffprobe.
type sent struct {
	fps, gop, rate, channels int
	bframes                  bool
}

var (
	sentDefault = sent{fps: 25, gop: 50, rate: 44100, channels: 2}
	sentIPv6    = sent{fps: 15, gop: 30, rate: 48000, channels: 2}                // FPS=15 GOP=30 AR=48000
	sentCam2    = sent{fps: 20, gop: 40, rate: 48000, channels: 2, bframes: true} // FPS=20 GOP=40 AR=48000 -bf 2
)

func checkStream(t *testing.T, name string, s streamJSON, want sent) {
	t.Helper()
	if s.Schema != 1 || s.Kind != "stream" || s.Conn == "" || s.Time == "" || (s.Dir != "c2s" && s.Dir != "s2c") {
		t.Errorf("%s: core fields %+v", name, s)
	}
	if s.Video == nil || s.Audio == nil {
		t.Fatalf("%s: video %v audio %v", name, s.Video != nil, s.Audio != nil)
	}
	v, a := s.Video, s.Audio
	if v.Format.Codec != "avc1" || v.Format.Width != 320 || v.Format.Height != 240 {
		t.Errorf("%s: video %+v, want AVC 320x240", name, v.Format)
	}
	// The frame rate is measured from timestamps (ms, rounded by ffmpeg):
	// within 1%.
	if math.Abs(v.FrameRate-float64(want.fps)) > float64(want.fps)/100 {
		t.Errorf("%s: frame rate %.3f, want %d", name, v.FrameRate, want.fps)
	}
	// Every complete GOP is -g frames long and lasts -g/fps seconds.
	if v.Keyframes >= 2 {
		if v.GOPFramesMin != want.gop || v.GOPFramesMax != want.gop {
			t.Errorf("%s: GOP %d..%d frames, want %d", name, v.GOPFramesMin, v.GOPFramesMax, want.gop)
		}
		if ms := float64(want.gop) * 1000 / float64(want.fps); math.Abs(v.GOPMSAvg-ms) > 1 {
			t.Errorf("%s: GOP %.1f ms, want %.0f", name, v.GOPMSAvg, ms)
		}
	}
	if want.bframes != (v.CTSMax > 0) {
		t.Errorf("%s: composition times %d..%d with B-frames %v", name, v.CTSMin, v.CTSMax, want.bframes)
	}
	if v.Backwards != 0 || v.Jumps != 0 {
		t.Errorf("%s: %d backwards, %d jumps in a clean capture", name, v.Backwards, v.Jumps)
	}
	if len(v.Bitrate) == 0 {
		t.Errorf("%s: no bitrate series", name)
	}
	if a.Format.Codec != "mp4a" || a.Format.SampleRate != want.rate || a.Format.Channels != want.channels {
		t.Errorf("%s: audio %+v, want AAC %d Hz %d ch", name, a.Format, want.rate, want.channels)
	}
}

func TestStatsPublish(t *testing.T) {
	for _, c := range []struct {
		pcap string
		want sent
	}{{"publish.pcap", sentDefault}, {"ipv6.pcap", sentIPv6}} {
		streams := statsJSON(t, c.pcap)
		if len(streams) != 1 {
			t.Fatalf("%s: %d streams, want 1", c.pcap, len(streams))
		}
		s := streams[0]
		if s.Dir != "c2s" || s.Role != "publish" || s.MSID != 1 {
			t.Errorf("%s: %s %s msid %d", c.pcap, s.Dir, s.Role, s.MSID)
		}
		checkStream(t, c.pcap, s, c.want)
		// 3 s at -g 50/30 frames: two keyframes, one complete GOP.
		if s.Video.Keyframes != 2 {
			t.Errorf("%s: %d keyframes, want 2", c.pcap, s.Video.Keyframes)
		}
	}
}

// TestStatsMulti: two publishers with different settings and a player of
// the first. Which connection published cam2 comes from tshark's
// reference (the client port of the frame with publish('cam2...')).
func TestStatsMulti(t *testing.T) {
	streams := statsJSON(t, "multi.pcap")
	if len(streams) != 3 {
		t.Fatalf("%d streams, want 3", len(streams))
	}
	cam2Port := publisherPort(t, need(t, "multi.pcap"), "cam2")
	var pubs, plays int
	for _, s := range streams {
		name := s.Conn + "/" + s.Dir
		switch {
		case s.Dir == "s2c":
			plays++
			checkStream(t, name+" (cam1 player)", s, sentDefault)
		case strings.HasSuffix(s.Client, ":"+cam2Port):
			pubs++
			checkStream(t, name+" (cam2)", s, sentCam2)
		default:
			pubs++
			checkStream(t, name+" (cam1)", s, sentDefault)
		}
	}
	if pubs != 2 || plays != 1 {
		t.Errorf("%d publishes, %d plays", pubs, plays)
	}
}

// publisherPort returns the client port of the connection that published
// a name containing sub, from NAME.messages.tsv (tcp.srcport column).
func publisherPort(t *testing.T, pcap, sub string) string {
	ref, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".messages.tsv")
	if err != nil {
		t.Skip("no reference")
	}
	for _, line := range strings.Split(string(ref), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) > 3 && strings.Contains(line, "publish('"+sub) {
			return cols[2]
		}
	}
	t.Fatalf("no publish of %s in the reference", sub)
	return ""
}

func TestStatsText(t *testing.T) {
	path := need(t, "multi.pcap")
	out, errOut, code := rtmpscope(t, "stats", "-r", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"c1 ", "c2 ", "c3 ", "→ 127.0.0.1:1935", "c2s msid 1", "s2c msid 1", "publish", "play",
		"video:", "audio:", "320x240", "44100 Hz stereo", "48000 Hz stereo", "25.00 fps", "20.00 fps", "GOP:", "bitrate:", "A/V drift:"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	if !strings.ContainsAny(out, "▁▂▃▄▅▆▇█") {
		t.Error("no sparkline")
	}
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if !strings.Contains(errOut, "3 flows (3 RTMP)") {
		t.Errorf("summary: %q", errOut)
	}
	// The stream is named from the session state, redacted; with
	// --show-secrets the name is the publish name tshark saw.
	key := streamKey(t, need(t, "publish.pcap"))
	for _, f := range []string{"text", "ndjson"} {
		out, _, _ := rtmpscope(t, "stats", "-T", f, "-r", need(t, "publish.pcap"))
		if strings.Contains(out, key) || !strings.Contains(out, "live_****") {
			t.Errorf("-T %s: stream key shown or no redacted name: %.300s", f, out)
		}
		out, _, _ = rtmpscope(t, "stats", "-T", f, "--show-secrets", "-r", need(t, "publish.pcap"))
		if !strings.Contains(out, key) {
			t.Errorf("-T %s --show-secrets: no stream name %q", f, key)
		}
	}
}

func TestStatsJSONArray(t *testing.T) {
	out, _, code := rtmpscope(t, "stats", "-T", "json", "-r", need(t, "publish.pcap"))
	var v []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v) != 1 || v[0]["kind"] != "stream" {
		t.Fatalf("exit %d, -T json: %.200s", code, out)
	}
}

// TestSubcommandErrors: --help, a bad flag, a bad value and a missing file
// for both subcommands, with the exit codes of main.go.
func TestSubcommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range []string{"stats", "extract"} {
		out, _, code := rtmpscope(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage: rtmpscope "+cmd) || !strings.Contains(out, "--read") {
			t.Errorf("%s --help: exit %d: %.100q", cmd, code, out)
		}
		_, errOut, code := rtmpscope(t, cmd, "--no-such-flag", "-r", need(t, "publish.pcap"))
		if code != 2 || !strings.Contains(errOut, "no-such-flag") {
			t.Errorf("%s bad flag: exit %d: %.200q", cmd, code, errOut)
		}
		_, errOut, code = rtmpscope(t, withOut(cmd, dir, "-r", dir+"/missing.pcap")...)
		if code != 1 || !strings.Contains(errOut, "missing.pcap") {
			t.Errorf("%s missing file: exit %d: %q", cmd, code, errOut)
		}
		_, _, code = rtmpscope(t, cmd)
		if code != 2 {
			t.Errorf("%s without input: exit %d", cmd, code)
		}
	}
	for _, args := range [][]string{
		{"stats", "-T", "xml"},
		{"extract", "--timestamps", "relative"},
		{"extract", "--stream", "x1"},
		{"extract", "--stream", "c1/up"},
	} {
		_, errOut, code := rtmpscope(t, withOut(args[0], dir, append(args[1:], "-r", need(t, "publish.pcap"))...)...)
		if code != 2 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
	if out, _, _ := rtmpscope(t, "help"); !strings.Contains(out, "\n  stats ") || !strings.Contains(out, "\n  extract ") {
		t.Error("main usage lists neither stats nor extract")
	}
}

// withOut builds a command line; extract writes into dir, never into the
// source tree.
func withOut(cmd, dir string, args ...string) []string {
	out := append([]string{cmd}, args...)
	if cmd == "extract" {
		out = append(out, "-o", dir)
	}
	return out
}
