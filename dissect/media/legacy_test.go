package media

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// ffprobe's codec_name for each of our codec names.
var probeCodecName = map[string]string{
	"h264": "AVC", "flv1": "Sorenson H.263", "flashsv": "Screen video",
	"aac": "AAC", "mp3": "MP3", "nellymoser": "Nellymoser", "pcm_alaw": "G.711 A-law",
	"pcm_mulaw": "G.711 mu-law", "adpcm_swf": "ADPCM", "speex": "Speex", "pcm_s16le": "LPCM",
}

// TestLegacyFLV decodes every tag of FLV files written by ffmpeg's FLV muxer
// from real encoders (testdata/make.sh) and checks the decoded configuration
// against ffprobe's view of the same file.
func TestLegacyFLV(t *testing.T) {
	files := []string{
		"avc_main_aac.flv", "avc_high_crop_mp3.flv", "avc_baseline_nelly8k.flv", "avc_high10.flv",
		"avc_high444.flv", "aac_main_mono.flv", "nelly22k.flv", "flv1_alaw.flv", "flv1_adpcm.flv",
		"flashsv_mulaw.flv", "speex.flv", "pcm_s16le.flv",
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			tags := loadTags(t, name)
			probe := loadProbe(t, name)
			if ps, ok := probe.stream("video"); ok {
				checkLegacyVideo(t, tagsOfType(tags, flv.TagVideo), ps)
			}
			if ps, ok := probe.stream("audio"); ok {
				checkLegacyAudio(t, tagsOfType(tags, flv.TagAudio), ps)
			}
		})
	}
}

func checkLegacyVideo(t *testing.T, bodies [][]byte, ps probeStream) {
	t.Helper()
	if len(bodies) == 0 {
		t.Fatal("no video tags")
	}
	var sawConfig, sawKey bool
	for i, b := range bodies {
		v, err := DecodeVideo(b)
		if err != nil {
			t.Fatalf("video tag %d: %v (%s)", i, err, v.Summary())
		}
		if want := probeCodecName[ps.CodecName]; v.Codec != want {
			t.Fatalf("tag %d codec %q, ffprobe says %q (%s)", i, v.Codec, want, ps.CodecName)
		}
		if v.Keyframe() {
			sawKey = true
		}
		if w, h := v.Dimensions(); w != 0 || h != 0 {
			if w != ps.Width || h != ps.Height {
				t.Errorf("tag %d: %dx%d, ffprobe %dx%d", i, w, h, ps.Width, ps.Height)
			}
		}
		switch {
		case v.AVC != nil:
			sawConfig = true
			sps := v.AVC.SPS
			if sps == nil {
				t.Fatal("no SPS")
			}
			if sps.ProfileName != ps.Profile {
				t.Errorf("profile %q, ffprobe %q", sps.ProfileName, ps.Profile)
			}
			if ps.Level == nil || int(sps.Level) != *ps.Level {
				t.Errorf("level %d, ffprobe %v", sps.Level, *ps.Level)
			}
			if int(sps.BitDepthLuma) != ps.bitsPerRaw() {
				t.Errorf("bit depth %d, ffprobe %d", sps.BitDepthLuma, ps.bitsPerRaw())
			}
			wantChroma := map[string]uint32{"yuv420p": 1, "yuv420p10le": 1, "yuv444p": 3}[ps.PixFmt]
			if sps.ChromaFormat != wantChroma {
				t.Errorf("chroma_format_idc %d, ffprobe pix_fmt %s", sps.ChromaFormat, ps.PixFmt)
			}
			num, den, _ := strings.Cut(ps.RFrameRate, "/")
			n, _ := strconv.ParseFloat(num, 64)
			d, _ := strconv.ParseFloat(den, 64)
			if sps.FrameRate != n/d {
				t.Errorf("frame rate %v, ffprobe %s", sps.FrameRate, ps.RFrameRate)
			}
			if v.AVC.PPSCount < 1 || v.AVC.NALULengthSize != 4 {
				t.Errorf("pps %d, length size %d", v.AVC.PPSCount, v.AVC.NALULengthSize)
			}
			t.Logf("%s", v.Summary())
		case v.CodecID == CodecAVC && v.PacketType == VideoCodedFrames:
			// ffmpeg's FLV muxer sets the frame type from the packet's key
			// flag; an IDR slice (type 5) must agree with it.
			idr, slice := false, false
			for _, nt := range v.NALUTypes {
				idr = idr || nt == 5
				slice = slice || nt == 1
			}
			if v.Keyframe() != idr || (!idr && !slice) {
				t.Errorf("tag %d: frame type %s with NAL units %v", i, v.FrameType, v.NALUTypes)
			}
		case v.H263 != nil, v.Screen != nil:
			sawConfig = true
		}
	}
	if !sawConfig || !sawKey {
		t.Errorf("config seen %v, keyframe seen %v", sawConfig, sawKey)
	}
}

func checkLegacyAudio(t *testing.T, bodies [][]byte, ps probeStream) {
	t.Helper()
	if len(bodies) == 0 {
		t.Fatal("no audio tags")
	}
	checked := false
	for i, b := range bodies {
		a, err := DecodeAudio(b)
		if err != nil {
			t.Fatalf("audio tag %d: %v", i, err)
		}
		if want := probeCodecName[ps.CodecName]; a.Codec != want {
			t.Fatalf("codec %q, ffprobe %q", a.Codec, ps.CodecName)
		}
		if a.SoundFormat == SoundAAC && a.PacketType == AudioCodedFrames {
			continue // raw AAC frames carry the fixed 44 kHz stereo header bits
		}
		checked = true
		if a.SampleRate != ps.sampleRate() || a.Channels != ps.Channels {
			t.Errorf("tag %d: %dHz %dch, ffprobe %sHz %dch (%s)", i, a.SampleRate, a.Channels, ps.SampleRate, ps.Channels, a.Summary())
		}
		if a.AAC != nil && ps.Profile != "" && !strings.HasPrefix(a.AAC.ObjectTypeName, ps.Profile) {
			t.Errorf("AAC object type %q, ffprobe profile %q", a.AAC.ObjectTypeName, ps.Profile)
		}
		if i == 0 {
			t.Logf("%s", a.Summary())
		}
	}
	if !checked {
		t.Error("no audio tag checked")
	}
}

// TestTruncatedPrefixes cuts every real tag body at every length: decoding
// must not panic, and any error must carry a sentinel and an offset inside
// the buffer.
func TestTruncatedPrefixes(t *testing.T) {
	for _, name := range []string{"avc_main_aac.flv", "avc_high_crop_mp3.flv", "flv1_alaw.flv", "flashsv_mulaw.flv", "avc_high444.flv"} {
		tags := loadTags(t, name)
		for i, tag := range tags {
			if i > 12 {
				break
			}
			for n := 0; n <= len(tag.Body) && n < 400; n++ {
				var err error
				switch tag.Type {
				case flv.TagAudio:
					_, err = DecodeAudio(tag.Body[:n])
				case flv.TagVideo:
					_, err = DecodeVideo(tag.Body[:n])
				default:
					continue
				}
				checkErr(t, err, n)
			}
		}
	}
}

func checkErr(t *testing.T, err error, n int) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("len %d: untyped error %v", n, err)
	}
	if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
		t.Fatalf("len %d: no sentinel in %v", n, err)
	}
	if e.Offset < 0 || e.Offset > n {
		t.Fatalf("len %d: offset %d outside buffer: %v", n, e.Offset, err)
	}
}
