package diff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt and *.json")

func profiles(t *testing.T, name string) []*Profile {
	t.Helper()
	ps, err := ProfileFile(filepath.Join(capturetest.Pcaps(), name), pipeline.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		t.Fatalf("%s: no RTMP connection", name)
	}
	return ps
}

// golden compares a comparison's text and JSON with testdata/NAME.txt and
// NAME.json (go test ./export/diff -update, then review the diff).
func golden(t *testing.T, name string, r Result) {
	t.Helper()
	var text bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for ext, got := range map[string][]byte{".txt": text.Bytes(), ".json": append(js, '\n')} {
		path := filepath.Join("testdata", name+ext)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./export/diff -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file; got:\n%s", path, got)
		}
	}
}

// differs reports whether the comparison lists the named fact among its
// differences, with values containing a and b.
func differs(r Result, name, a, b string) bool {
	for _, l := range r.Differences {
		if l.Name == name && strings.Contains(l.A, a) && strings.Contains(l.B, b) {
			return true
		}
	}
	return false
}

// ffmpeg and rtmpdump playing the same stream from nginx: they differ in
// the handshake (ffmpeg's digest, rtmpdump's simple one when not asked for
// one), the flashVer and audioCodecs they announce, and the timing; they
// agree on the application, the command sequence and the codecs nginx
// sent them.
func TestDiffFFmpegRtmpdumpPlayers(t *testing.T) {
	r := Compare(profiles(t, "play.pcap")[0], profiles(t, "rtmpdump-play.pcap")[0])
	golden(t, "play-vs-rtmpdump-play", r)
	for _, d := range [][3]string{
		{"handshake", "digest", "simple"},
		{"connect.flashVer", "LNX 9,0,124,2", "LNX 10,0,32,18"},
		{"connect.audioCodecs", "4071", "3191"},
	} {
		if !differs(r, d[0], d[1], d[2]) {
			t.Errorf("%s: not %q vs %q among the differences", d[0], d[1], d[2])
		}
	}
	for _, l := range r.Differences {
		if l.Name == "connect.app" || l.Name == "sequence" || l.Section == SectionCodecs {
			t.Errorf("%s differs: %q vs %q", l.Name, l.A, l.B)
		}
	}
}

// ffmpeg's FLV publish and gortmplib's Enhanced RTMP publish: a digest
// against a simple handshake, FMLE's connect against gortmplib's, its
// chunk size and windows, H.264 + AAC against HEVC (hvc1) + Opus, and
// onMetaData's codec ids as FourCCs.
func TestDiffFFmpegERTMPPublishers(t *testing.T) {
	r := Compare(profiles(t, "publish.pcap")[0], profiles(t, "ertmp.pcap")[0])
	golden(t, "publish-vs-ertmp", r)
	for _, d := range [][3]string{
		{"handshake", "digest", "simple"},
		{"connect.flashVer", "FMLE/3.0", "LNX 9,0,124,2"},
		{"client sends", "chunk size 4096", "chunk size 65536"},
		{"c2s video configuration", "AVC", "HEVC"},
		{"c2s audio configuration", "AAC", "Opus"},
		{"onMetaData c2s.videocodecid", "7", "1752589105"},
	} {
		if !differs(r, d[0], d[1], d[2]) {
			t.Errorf("%s: not %q vs %q among the differences", d[0], d[1], d[2])
		}
	}
}

// Two connections of one capture: multi.pcap's two ffmpeg publishers
// (cam1 Constrained Baseline, 25 fps, AAC 44.1 kHz; cam2 Main with
// B-frames, 20 fps, 48 kHz).
func TestDiffOneCapture(t *testing.T) {
	ps := profiles(t, "multi.pcap")
	var pubs []*Profile
	for _, p := range ps {
		if p.Role == "publisher" {
			pubs = append(pubs, p)
		}
	}
	if len(pubs) != 2 {
		t.Fatalf("%d publishers", len(pubs))
	}
	r := Compare(pubs[0], pubs[1])
	golden(t, "multi-publishers", r)
	if !differs(r, "c2s audio configuration", "Hz", "48000Hz") && !differs(r, "c2s audio configuration", "48000Hz", "Hz") {
		t.Errorf("the audio rates do not differ: %+v", r.Differences)
	}
	if !differs(r, "c2s video frame rate", "/s", "/s") {
		t.Error("the frame rates do not differ")
	}
}
