package media

import (
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

func benchBodies(b *testing.B) (seqHdr, key, aacSeq, aacRaw []byte) {
	tags := loadTags(b, "avc_main_aac.flv")
	for _, tg := range tags {
		switch {
		case tg.Type == flv.TagVideo && tg.Body[1] == 0 && seqHdr == nil:
			seqHdr = tg.Body
		case tg.Type == flv.TagVideo && tg.Body[0]>>4 == 1 && tg.Body[1] == 1 && key == nil:
			key = tg.Body
		case tg.Type == flv.TagAudio && tg.Body[1] == 0 && aacSeq == nil:
			aacSeq = tg.Body
		case tg.Type == flv.TagAudio && tg.Body[1] == 1 && aacRaw == nil:
			aacRaw = tg.Body
		}
	}
	return
}

func benchDecode(b *testing.B, buf []byte, f func([]byte) error) {
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		if err := f(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVideoAVCSequenceHeader(b *testing.B) {
	seq, _, _, _ := benchBodies(b)
	var v Video
	benchDecode(b, seq, v.Unmarshal)
}

func BenchmarkVideoAVCKeyframe(b *testing.B) {
	_, key, _, _ := benchBodies(b)
	var v Video
	benchDecode(b, key, v.Unmarshal)
}

func BenchmarkAudioAACSequenceHeader(b *testing.B) {
	_, _, seq, _ := benchBodies(b)
	var a Audio
	benchDecode(b, seq, a.Unmarshal)
}

func BenchmarkAudioAACRaw(b *testing.B) {
	_, _, _, raw := benchBodies(b)
	var a Audio
	benchDecode(b, raw, a.Unmarshal)
}

func BenchmarkH264SPS(b *testing.B) {
	seq, _, _, _ := benchBodies(b)
	c, _ := DecodeAVCConfig(seq[5:])
	benchDecode(b, c.SPSList[0], func(p []byte) error { _, err := DecodeH264SPS(p); return err })
}

func BenchmarkHEVCConfig(b *testing.B) {
	hvcC := mp4Box(b, readTestdata(b, "hevc.mp4"), "hvcC")
	var c HEVCConfig
	benchDecode(b, hvcC, c.Unmarshal)
}

func BenchmarkAV1Config(b *testing.B) {
	av1C := mp4Box(b, readTestdata(b, "av1.mp4"), "av1C")
	benchDecode(b, av1C, func(p []byte) error { _, err := DecodeAV1Config(p); return err })
}

func BenchmarkEnhancedOpus(b *testing.B) {
	msg := exAudio(AudioSequenceStart, FourCCOpus, oggFirstPacket(b, readTestdata(b, "opus.opus")))
	var a Audio
	benchDecode(b, msg, a.Unmarshal)
}

func BenchmarkAggregate(b *testing.B) {
	agg := buildAggregate(loadTags(b, "avc_main_aac.flv")[:8], 0)
	benchDecode(b, agg, func(p []byte) error { _, err := DecodeAggregate(p, 0); return err })
}

func BenchmarkStatsAdd(b *testing.B) {
	_, key, _, _ := benchBodies(b)
	v, _ := DecodeVideo(key)
	s := NewStats()
	base := time.Unix(0, 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Add("c2s", uint32(i*40), base.Add(time.Duration(i)*40*time.Millisecond), true, len(key), &v)
	}
}

// summarySink keeps BenchmarkSummary's strings from being optimized away
// (a string that does not escape may live on the stack).
var summarySink string

// BenchmarkSummary is the one-line summary of the messages nearly every
// line of a capture shows: AVC coded frames and raw AAC.
func BenchmarkSummary(b *testing.B) {
	_, key, _, raw := benchBodies(b)
	v, _ := DecodeVideo(key)
	var a Audio
	if err := a.Unmarshal(raw); err != nil {
		b.Fatal(err)
	}
	a.SampleRate, a.Channels, a.FromConfig = 44100, 2, true // as Formats fills them in
	b.Run("video", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			summarySink = v.Summary()
		}
	})
	b.Run("audio", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			summarySink = a.Summary()
		}
	})
}
