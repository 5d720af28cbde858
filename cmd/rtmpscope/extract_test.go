package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

func runExtractCLI(t *testing.T, pcap string, args ...string) (dir, stdout string) {
	t.Helper()
	dir = t.TempDir()
	out, errOut, code := rtmpscope(t, append([]string{"extract", "-r", need(t, pcap), "-o", dir}, args...)...)
	if code != 0 {
		t.Fatalf("extract %s: exit %d: %s", pcap, code, errOut)
	}
	return dir, out
}

func readFLV(t *testing.T, path string) (uint8, []flv.Tag) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, tags, err := flv.ReadAll(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return flags, tags
}

// mediaFrames are the audio/video tags that carry coded frames: not
// sequence headers (AVC/AAC packet type 0) nor end of sequence (AVC 2).
func mediaFrames(tags []flv.Tag) []flv.Tag {
	var out []flv.Tag
	for _, tg := range tags {
		switch {
		case tg.Type == flv.TagVideo && len(tg.Body) > 1 && tg.Body[0]&0x0f == 7 && tg.Body[1] != 1:
		case tg.Type == flv.TagAudio && len(tg.Body) > 1 && tg.Body[0]>>4 == 10 && tg.Body[1] != 1:
		case tg.Type == flv.TagAudio || tg.Type == flv.TagVideo:
			out = append(out, tg)
		}
	}
	return out
}

// TestExtractPlayTags compares the FLV extracted from play.pcap with
// play.ref.flv, which the playing ffmpeg recorded from the same connection
// with -c copy -copyts. With --timestamps absolute every coded frame must be
// the same tag: same type, timestamp and body. The differences, by design:
// ffmpeg writes the sequence headers at timestamp 0 (from its extradata; we
// keep the wire's 1983/2020 ms), rewrites onMetaData, and appends an AVC
// end-of-sequence tag that was never on the wire; nginx's zero-length audio
// message is not a tag in either file.
func TestExtractPlayTags(t *testing.T) {
	dir, out := runExtractCLI(t, "play.pcap", "--timestamps", "absolute")
	path := filepath.Join(dir, "play-c1-s2c-1.flv")
	if !strings.Contains(out, path) {
		t.Fatalf("stdout does not list %s: %q", path, out)
	}
	flags, got := readFLV(t, path)
	refFlags, ref := readFLV(t, pcaps+"play.ref.flv")
	if flags != refFlags {
		t.Errorf("header flags %#x, ffmpeg wrote %#x", flags, refFlags)
	}
	if got[0].Type != flv.TagScript || !bytes.Contains(got[0].Body, []byte("onMetaData")) {
		t.Errorf("first tag is not onMetaData: type %d", got[0].Type)
	}
	g, r := mediaFrames(got), mediaFrames(ref)
	if len(g) != len(r) {
		t.Fatalf("%d coded frames, ffmpeg wrote %d", len(g), len(r))
	}
	for i := range g {
		if g[i].Type != r[i].Type || g[i].Timestamp != r[i].Timestamp || !bytes.Equal(g[i].Body, r[i].Body) {
			t.Fatalf("frame %d: type %d ts %d len %d; ffmpeg: type %d ts %d len %d",
				i, g[i].Type, g[i].Timestamp, len(g[i].Body), r[i].Type, r[i].Timestamp, len(r[i].Body))
		}
	}
	// Tag count: ours = metadata + 2 sequence headers + frames; ffmpeg's has
	// its end-of-sequence tag on top.
	if len(got) != len(g)+3 || len(ref) != len(r)+4 {
		t.Errorf("%d tags (ffmpeg %d) for %d frames", len(got), len(ref), len(g))
	}
	if !strings.Contains(out, "46 video, 77 audio, 1 script") {
		t.Errorf("summary line: %q", out)
	}
}

// TestExtractRebase: by default timestamps are rebased as ffmpeg's own
// `-c copy` (without -copyts) rebases them: the first coded frame at 0,
// the sequence headers before it at 0. (Checked by remuxing play.ref.flv
// with `ffmpeg -i play.ref.flv -c copy`: video 0, 40, 80..., audio 20, 43...)
func TestExtractRebase(t *testing.T) {
	dir, _ := runExtractCLI(t, "play.pcap")
	_, got := readFLV(t, filepath.Join(dir, "play-c1-s2c-1.flv"))
	_, ref := readFLV(t, pcaps+"play.ref.flv")
	g, r := mediaFrames(got), mediaFrames(ref)
	if len(g) != len(r) || len(g) == 0 {
		t.Fatalf("%d frames vs %d", len(g), len(r))
	}
	origin := r[0].Timestamp
	for i := range g {
		if g[i].Timestamp != r[i].Timestamp-origin {
			t.Fatalf("frame %d at %d, want %d", i, g[i].Timestamp, r[i].Timestamp-origin)
		}
	}
	for _, tg := range got[:3] {
		if tg.Timestamp != 0 {
			t.Errorf("header tag type %d at %d, want 0", tg.Type, tg.Timestamp)
		}
	}
}

type probe struct {
	Streams []struct {
		CodecType  string `json:"codec_type"`
		CodecName  string `json:"codec_name"`
		Profile    string `json:"profile"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		SampleRate string `json:"sample_rate"`
		Channels   int    `json:"channels"`
		FrameRate  string `json:"r_frame_rate"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not installed")
	}
	out, err := exec.Command(bin, "-v", "error", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probe) summary() map[string]string {
	m := map[string]string{}
	for _, s := range p.Streams {
		switch s.CodecType {
		case "video":
			m["video"] = s.CodecName + " " + s.Profile + " " + strconv.Itoa(s.Width) + "x" + strconv.Itoa(s.Height) + " " + s.FrameRate
		case "audio":
			m["audio"] = s.CodecName + " " + s.Profile + " " + s.SampleRate + " " + strconv.Itoa(s.Channels)
		}
	}
	return m
}

func (p probe) duration(t *testing.T) float64 {
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q", p.Format.Duration)
	}
	return d
}

// TestExtractPlayFFprobe: ffprobe sees in our file what it sees in
// play.ref.flv (codecs, profile, resolution, frame rate, sample rate,
// channels), and a duration within one frame (40 ms at 25 fps). ffmpeg's
// muxer writes the duration into its onMetaData (last frame + one frame
// duration); ours keeps nginx's onMetaData (duration 0), so ffprobe takes
// the last timestamp, one frame duration short of ffmpeg's figure. The
// file compared is the default (rebased) one: with absolute timestamps
// ffprobe counts that duration from 0, not from the first tag.
func TestExtractPlayFFprobe(t *testing.T) {
	dir, _ := runExtractCLI(t, "play.pcap")
	got := ffprobe(t, filepath.Join(dir, "play-c1-s2c-1.flv"))
	ref := ffprobe(t, pcaps+"play.ref.flv")
	gs, rs := got.summary(), ref.summary()
	if gs["video"] != rs["video"] || gs["audio"] != rs["audio"] || len(gs) != 2 {
		t.Errorf("ffprobe: ours %v, ffmpeg's %v", gs, rs)
	}
	if d, r := got.duration(t), ref.duration(t); math.Abs(d-r) > 0.040 {
		t.Errorf("duration %.3f s, ffmpeg's file %.3f s", d, r)
	}
}

// TestExtractPublishFFprobe: the published stream, checked against what
// make-captures.sh told ffmpeg to send: H.264 320x240 at 25 fps (x264
// signals Constrained Baseline: see stats_test.go), AAC-LC 44100 Hz
// stereo, 3 s (-t 3) to within one frame.
func TestExtractPublishFFprobe(t *testing.T) {
	dir, out := runExtractCLI(t, "publish.pcap")
	path := filepath.Join(dir, "publish-c1-c2s-1.flv")
	p := ffprobe(t, path)
	s := p.summary()
	if s["video"] != "h264 Constrained Baseline 320x240 25/1" || s["audio"] != "aac LC 44100 2" {
		t.Errorf("ffprobe: %v", s)
	}
	if d := p.duration(t); math.Abs(d-3) > 0.040 {
		t.Errorf("duration %.3f s, sent 3 s", d)
	}
	key := streamKey(t, need(t, "publish.pcap"))
	body, _ := os.ReadFile(path)
	if strings.Contains(out, key) || strings.Contains(path, key) || bytes.Contains(body, []byte(key)) {
		t.Error("the stream key appears in the output")
	}
}

// TestExtractSelect: --stream picks streams by connection, direction or
// role; multi.pcap has two publishes and one play.
func TestExtractSelect(t *testing.T) {
	for _, c := range []struct {
		sel   []string
		files []string
	}{
		{nil, []string{"multi-c1-c2s-1.flv", "multi-c2-c2s-1.flv", "multi-c3-s2c-1.flv"}},
		{[]string{"--stream", "c2"}, []string{"multi-c2-c2s-1.flv"}},
		{[]string{"--stream", "play"}, []string{"multi-c3-s2c-1.flv"}},
		{[]string{"--stream", "c1/c2s/1,c3/s2c"}, []string{"multi-c1-c2s-1.flv", "multi-c3-s2c-1.flv"}},
		{[]string{"--stream", "c1/s2c"}, nil},
	} {
		dir, out := runExtractCLI(t, "multi.pcap", c.sel...)
		ents, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if strings.Join(names, " ") != strings.Join(c.files, " ") {
			t.Errorf("%v: wrote %v, want %v", c.sel, names, c.files)
		}
		if len(c.files) == 0 && !strings.Contains(out, "no audio or video streams") {
			t.Errorf("%v: stdout %q", c.sel, out)
		}
		for _, n := range names {
			if flags, tags := readFLV(t, filepath.Join(dir, n)); flags != flv.FlagAudio|flv.FlagVideo || len(tags) < 100 {
				t.Errorf("%s: flags %#x, %d tags", n, flags, len(tags))
			}
		}
	}
}

// TestExtractMidstream: a capture that began mid-publish has frames but no
// sequence headers (testdata/pcaps/README.md); the file is written and the
// summary says players cannot decode it.
func TestExtractMidstream(t *testing.T) {
	dir, out := runExtractCLI(t, "midstream.pcap")
	if !strings.Contains(out, "no video or audio sequence header") {
		t.Errorf("stdout %q", out)
	}
	if _, tags := readFLV(t, filepath.Join(dir, "midstream-c1-c2s-1.flv")); len(tags) < 100 {
		t.Errorf("%d tags", len(tags))
	}
}
