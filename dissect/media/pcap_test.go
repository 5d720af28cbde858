package media

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadCaptureMedia reads the message bodies testdata/extract-pcap.sh pulled
// with tshark out of the project's real captures (ffmpeg publishing to
// nginx-rtmp, testdata/pcaps).
func loadCaptureMedia(t *testing.T, name string) (audio, video [][]byte) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".media.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		typ, hx, _ := strings.Cut(sc.Text(), "\t")
		b, err := hex.DecodeString(hx)
		if err != nil {
			t.Fatal(err)
		}
		if typ == "8" {
			audio = append(audio, b)
		} else {
			video = append(video, b)
		}
	}
	return audio, video
}

// TestCaptureMedia checks the codec configuration decoded from the real
// captures against what testdata/pcaps/captures.tsv says ffmpeg was told.
func TestCaptureMedia(t *testing.T) {
	desc, err := os.ReadFile("../../testdata/pcaps/captures.tsv")
	if err != nil {
		t.Skip("captures not present:", err)
	}
	cases := []struct {
		capture, description string
		profile              uint8
		width, height        int
		fps                  float64
		sampleRate, channels int
	}{
		{"publish", "ffmpeg publishes H.264 baseline 320x240 25fps + AAC 44.1k stereo", 66, 320, 240, 25, 44100, 2},
		// make-captures.sh: testsrc2=size=320x240 for every publish, and
		// VPROF=high for ipv6; but x264 -preset ultrafast uses no High tool,
		// so it writes profile_idc 66 (Constrained Baseline) in the avcC and
		// the SPS, as ffprobe also reports; captures.tsv says so.
		{"ipv6", "H.264 (-profile:v high; SPS: Constrained Baseline) 15fps + AAC 48k stereo", 66, 320, 240, 15, 48000, 2},
	}
	for _, c := range cases {
		t.Run(c.capture, func(t *testing.T) {
			if !strings.Contains(string(desc), c.description) {
				t.Fatalf("captures.tsv no longer says %q; update the expectations", c.description)
			}
			audio, video := loadCaptureMedia(t, c.capture)
			v, err := DecodeVideo(video[0])
			if err != nil || v.AVC == nil || v.AVC.SPS == nil {
				t.Fatalf("video seq header: %v %+v", err, v)
			}
			sps := v.AVC.SPS
			if c.profile == 0 {
				c.profile = v.AVC.Profile
			}
			if sps.Profile != c.profile || sps.Width != c.width || sps.Height != c.height || sps.FrameRate != c.fps {
				t.Errorf("%s", sps.Summary())
			}
			a, err := DecodeAudio(audio[0])
			if err != nil || a.AAC == nil || a.SampleRate != c.sampleRate || a.Channels != c.channels || a.AAC.ObjectType != 2 {
				t.Fatalf("audio seq header: %v %+v", err, a.AAC)
			}
			sawKey := false
			for i, b := range video[1:] {
				v, err := DecodeVideo(b)
				if err != nil {
					t.Fatalf("video %d: %v", i+1, err)
				}
				if v.Keyframe() && containsAny(v.NALUTypes, 5) {
					sawKey = true
				}
			}
			for i, b := range audio[1:] {
				if a, err := DecodeAudio(b); err != nil || a.PacketType != AudioCodedFrames {
					t.Fatalf("audio %d: %v", i+1, err)
				}
			}
			if !sawKey {
				t.Error("no IDR keyframe")
			}
			t.Logf("%s | %s", v.Summary(), a.Summary())
		})
	}
}
