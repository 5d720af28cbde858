package media

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// Fuzz targets of the codec header parsers the first set (fuzz_test.go)
// reaches only through DecodeAudio/DecodeVideo: MP3 frame headers, Opus
// and FLAC configurations, Sorenson H.263, VP6 and Screen Video picture
// headers, and the AV1 sequence header OBU. Seeds are real bytes from the
// committed media (ffmpeg-made FLVs, opus.opus, flac.flac, av1.mp4); the
// corpus under testdata/fuzz holds them (MEDIA_WRITE_CORPUS=1 go test -run
// CodecCorpus rewrites it).

type codecSeeds struct {
	mp3, opus, flac, h263, screen, vp6, av1seq [][]byte
}

func loadCodecSeeds(t testing.TB) codecSeeds {
	var s codecSeeds
	for _, name := range []string{"avc_high_crop_mp3.flv", "flv1_alaw.flv", "flv1_adpcm.flv", "flashsv_mulaw.flv"} {
		for i, tg := range loadTags(t, name) {
			if i > 6 || len(tg.Body) < 2 {
				continue
			}
			switch {
			case tg.Type == flv.TagAudio && tg.Body[0]>>4 == 2:
				s.mp3 = append(s.mp3, clip(tg.Body[1:]))
			case tg.Type == flv.TagVideo && CodecID(tg.Body[0]&15) == CodecH263:
				s.h263 = append(s.h263, clip(tg.Body[1:]))
			case tg.Type == flv.TagVideo && CodecID(tg.Body[0]&15) == CodecScreen:
				s.screen = append(s.screen, clip(tg.Body[1:]))
			}
		}
	}
	s.opus = append(s.opus, oggFirstPacket(t, readTestdata(t, "opus.opus")))
	flac := readTestdata(t, "flac.flac")
	s.flac = append(s.flac, flac[:42], flac[4:42], flac[8:42])
	av1C := mp4Box(t, readTestdata(t, "av1.mp4"), "av1C")
	if len(av1C) > 4 {
		// configOBUs: the sequence header OBU after the 4-byte record.
		s.av1seq = append(s.av1seq, av1C[4:])
	}
	// No VP6 encoder is available here: the seeds are H.263 and Screen
	// bodies, which the VP6 parser must refuse cleanly.
	s.vp6 = append(s.vp6, s.h263...)
	return s
}

func FuzzMP3Header(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeMP3Header(b)
		checkErr(t, err, len(b))
		_ = h
	})
}

func FuzzOpusHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeOpusHeader(b)
		checkErr(t, err, len(b))
		_ = h
	})
}

func FuzzFLACStreamInfo(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeFLACStreamInfo(b)
		checkErr(t, err, len(b))
		_ = h
	})
}

func FuzzLegacyVideoHeaders(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeH263Header(b)
		checkErr(t, err, len(b))
		_ = h
		s, err := DecodeScreenHeader(b)
		checkErr(t, err, len(b))
		_ = s
		for _, alpha := range []bool{false, true} {
			v, err := DecodeVP6Header(b, alpha)
			checkErr(t, err, len(b))
			_ = v
		}
	})
}

func FuzzAV1SequenceHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeAV1SequenceHeader(b)
		checkErr(t, err, len(b))
		_ = h
	})
}

// TestWriteCodecCorpus writes the seeds as the committed corpus.
func TestWriteCodecCorpus(t *testing.T) {
	if os.Getenv("MEDIA_WRITE_CORPUS") == "" {
		t.Skip("set MEDIA_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	s := loadCodecSeeds(t)
	sets := map[string][][]byte{
		"FuzzMP3Header": s.mp3, "FuzzOpusHeader": s.opus, "FuzzFLACStreamInfo": s.flac,
		"FuzzLegacyVideoHeaders": append(append(append([][]byte(nil), s.h263...), s.screen...), s.vp6...),
		"FuzzAV1SequenceHeader":  s.av1seq,
	}
	for name, seeds := range sets {
		if len(seeds) == 0 {
			t.Errorf("%s: no seeds", name)
		}
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
