package media

import (
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// repeatedWord finds a word written twice in a row ("disposable
// disposable", "H.263 Sorenson H.263" shows up as a codec named twice).
func repeatedWord(s string) string {
	w := strings.Fields(s)
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] {
			return w[i]
		}
	}
	return ""
}

// On ffmpeg's Sorenson H.263 (flv1), Nellymoser, ADPCM and G.711 files
// every summary names each thing once, and a legacy stream's statistics
// configuration (which views print after the codec name) does not repeat
// the codec.
func TestLabelsSayThingsOnce(t *testing.T) {
	for _, name := range []string{"flv1_alaw.flv", "flv1_adpcm.flv", "nelly22k.flv", "avc_baseline_nelly8k.flv", "flashsv_mulaw.flv", "speex.flv"} {
		tags := loadTags(t, name)
		s := NewStats()
		feedStats(s, "c2s", tags, time.Unix(0, 0), 0)
		for _, tg := range tags {
			var sum string
			switch tg.Type {
			case flv.TagVideo:
				v, _ := DecodeVideo(tg.Body)
				sum = v.Summary()
			case flv.TagAudio:
				a, _ := DecodeAudio(tg.Body)
				sum = a.Summary()
			}
			if w := repeatedWord(sum); w != "" {
				t.Errorf("%s: %q says %q twice", name, sum, w)
			}
		}
		for _, r := range s.Report() {
			for _, tr := range []*TrackReport{r.Audio, r.Video} {
				if tr == nil || tr.Config == "" || tr.SeqHeaders > 0 {
					continue // a sequence header's summary is the message's own
				}
				if strings.Contains(tr.Config, tr.Codec) {
					t.Errorf("%s: config %q repeats the codec %q", name, tr.Config, tr.Codec)
				}
			}
		}
	}
	// The H.263 picture type says what the frame type would say again: a
	// real frame of the file marked as disposable as the encoder would.
	var v Video
	for _, tg := range loadTags(t, "flv1_alaw.flv") {
		if tg.Type == flv.TagVideo {
			v, _ = DecodeVideo(tg.Body)
			break
		}
	}
	if v.H263 == nil {
		t.Fatal("no H.263 picture header in flv1_alaw.flv")
	}
	v.H263.PictureType = "disposable P"
	for _, ft := range []FrameType{FrameKey, FrameInter, FrameDisposable} {
		v.FrameType = ft
		if w := repeatedWord(v.Summary()); w != "" {
			t.Errorf("%q", v.Summary())
		}
	}
}
