package media

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// Seeds come from the real bodies in testdata (ffmpeg-made FLVs, codec
// configuration records from real encoders, and the publish capture); the
// committed corpus under testdata/fuzz holds the same seeds so they run as
// ordinary tests. Regenerate it with MEDIA_WRITE_CORPUS=1 go test -run Corpus.

type seedSet struct {
	audio, video, avcC, sps, hvcC, hevcSPS, av1C, vpcC, asc, agg [][]byte
}

func clip(b []byte) []byte {
	if len(b) > 512 {
		return b[:512]
	}
	return b
}

func loadSeeds(t testing.TB) seedSet {
	var s seedSet
	for _, name := range []string{"avc_main_aac.flv", "avc_high_crop_mp3.flv", "avc_high444.flv", "avc_high10.flv",
		"flv1_alaw.flv", "flashsv_mulaw.flv", "nelly22k.flv", "aac_main_mono.flv", "speex.flv"} {
		tags := loadTags(t, name)
		for i, tg := range tags {
			if i > 4 {
				break
			}
			switch tg.Type {
			case flv.TagAudio:
				s.audio = append(s.audio, clip(tg.Body))
				if len(tg.Body) > 2 && tg.Body[0]>>4 == 10 && tg.Body[1] == 0 {
					s.asc = append(s.asc, tg.Body[2:])
				}
			case flv.TagVideo:
				s.video = append(s.video, clip(tg.Body))
				if len(tg.Body) > 5 && tg.Body[0]&15 == 7 && tg.Body[1] == 0 {
					c, _ := DecodeAVCConfig(tg.Body[5:])
					s.avcC = append(s.avcC, tg.Body[5:])
					if len(c.SPSList) > 0 {
						s.sps = append(s.sps, c.SPSList[0])
					}
				}
			}
		}
		s.agg = append(s.agg, clip(buildAggregate(tags[:min(4, len(tags))], 100)))
	}
	hevc := readTestdata(t, "hevc.mp4")
	hvcC := mp4Box(t, hevc, "hvcC")
	s.hvcC = append(s.hvcC, hvcC)
	if c, _ := DecodeHEVCConfig(hvcC); c.sps != nil {
		s.hevcSPS = append(s.hevcSPS, c.sps)
	}
	av1C := mp4Box(t, readTestdata(t, "av1.mp4"), "av1C")
	s.av1C = append(s.av1C, av1C)
	vpcC := mp4Box(t, readTestdata(t, "vp9.mp4"), "vpcC")
	s.vpcC = append(s.vpcC, vpcC)
	head := oggFirstPacket(t, readTestdata(t, "opus.opus"))
	flac := readTestdata(t, "flac.flac")[:42]
	s.video = append(s.video,
		exVideo(FrameKey, VideoSequenceStart, FourCCHEVC, nil, hvcC),
		exVideo(FrameKey, VideoSequenceStart, FourCCAV1, nil, av1C),
		exVideo(FrameKey, VideoSequenceStart, FourCCVP9, nil, vpcC),
		exVideo(FrameKey, VideoCodedFrames, FourCCHEVC, []byte{0, 0, 40}, clip(mp4FirstSample(t, hevc))),
		append([]byte{0x80 | 1<<4 | 7, 2, 0, 1, 0xF4, 0x03}, "avc1\x00\x00\x00\x05\x65\x88\x84\x00\x10"...),
		[]byte{0x80 | 1<<4 | 6, 0x21, 'a', 'v', 'c', '1', 0, 0, 0, 2, 1, 2, 'h', 'v', 'c', '1', 1, 0, 0, 1, 0},
	)
	s.audio = append(s.audio,
		exAudio(AudioSequenceStart, FourCCOpus, head),
		exAudio(AudioSequenceStart, FourCCFLAC, flac),
		exAudio(AudioMultichannelConfig, FourCCOpus, []byte{2, 3, 0, 1, 2}),
		[]byte{0x95, 0x10, 'O', 'p', 'u', 's', 0, 0, 0, 2, 0xFC, 0xFF, 1, 0, 0, 1, 0xF8},
	)
	if audio, video := loadCaptureMediaTB(t, "publish"); len(audio) > 0 {
		s.audio = append(s.audio, clip(audio[0]), clip(audio[1]))
		s.video = append(s.video, clip(video[0]), clip(video[2]))
	}
	return s
}

func loadCaptureMediaTB(t testing.TB, name string) (a, v [][]byte) {
	if tt, ok := t.(*testing.T); ok {
		return loadCaptureMedia(tt, name)
	}
	return nil, nil
}

// mustBehave checks the invariants every decoder keeps on any input.
func mustBehave(t *testing.T, err error, n int, v interface{ Summary() string }) {
	t.Helper()
	checkErr(t, err, n)
	_ = v.Summary()
	if _, err := json.Marshal(v); err != nil {
		t.Fatalf("json: %v", err)
	}
}

// sameAudioSummary holds Summary equal to the fmt version it replaced
// (summary_fmt_test.go), with the effective values as decoded and as
// Formats fills them in from a stream's configuration.
func sameAudioSummary(t *testing.T, a *Audio) {
	t.Helper()
	for i, e := range [][3]int{{-1}, {0, 0, 0}, {44100, 0, 2}, {48000, 16, 1}, {8000, 8, 0}, {96000, 24, 6}} {
		x := *a
		if i > 0 {
			x.SampleRate, x.BitsPerSample, x.Channels = e[0], e[1], e[2]
		}
		if got, want := x.Summary(), fmtAudioSummary(&x); got != want {
			t.Fatalf("Summary %q, fmt version %q", got, want)
		}
	}
}

func sameVideoSummary(t *testing.T, v *Video) {
	t.Helper()
	if got, want := v.Summary(), fmtVideoSummary(v); got != want {
		t.Fatalf("Summary %q, fmt version %q", got, want)
	}
}

func FuzzAudio(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAudio(b)
		mustBehave(t, err, len(b), &a)
		sameAudioSummary(t, &a)
	})
}

func FuzzVideo(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeVideo(b)
		mustBehave(t, err, len(b), &v)
		sameVideoSummary(t, &v)
		_, _ = v.Dimensions()
	})
}

func FuzzAVCConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeAVCConfig(b)
		mustBehave(t, err, len(b), &c)
	})
}

func FuzzSPS(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeH264SPS(b)
		mustBehave(t, err, len(b), &s)
	})
}

func FuzzHVCC(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeHEVCConfig(b)
		mustBehave(t, err, len(b), &c)
	})
}

func FuzzHEVCSPS(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeHEVCSPS(b)
		checkErr(t, err, len(b))
		_ = s
	})
}

func FuzzAV1C(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeAV1Config(b)
		mustBehave(t, err, len(b), &c)
	})
}

func FuzzVPConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeVPConfig(b)
		mustBehave(t, err, len(b), &c)
		v, err := DecodeVVCConfig(b)
		mustBehave(t, err, len(b), &v)
	})
}

func FuzzAACConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeAACConfig(b)
		mustBehave(t, err, len(b), &c)
		for _, ch := range []int{c.Channels, 0, 1, 2, 3, 24} {
			x := c
			x.Channels = ch
			if got, want := x.Summary(), fmtAACSummary(&x); got != want {
				t.Fatalf("Summary %q, fmt version %q", got, want)
			}
		}
	})
}

func FuzzAggregate(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		subs, err := DecodeAggregate(b, 1000)
		checkErr(t, err, len(b))
		for i := range subs {
			if got, want := subs[i].Summary(), fmtSubMessageSummary(&subs[i]); got != want {
				t.Fatalf("Summary %q, fmt version %q", got, want)
			}
		}
		if _, err := json.Marshal(subs); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWriteFuzzCorpus writes the seeds as the committed corpus.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("MEDIA_WRITE_CORPUS") == "" {
		t.Skip("set MEDIA_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	s := loadSeeds(t)
	sets := map[string][][]byte{
		"FuzzAudio": s.audio, "FuzzVideo": s.video, "FuzzAVCConfig": s.avcC, "FuzzSPS": s.sps,
		"FuzzHVCC": s.hvcC, "FuzzHEVCSPS": s.hevcSPS, "FuzzAV1C": s.av1C, "FuzzVPConfig": s.vpcC,
		"FuzzAACConfig": s.asc, "FuzzAggregate": s.agg,
	}
	for name, seeds := range sets {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, b := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
