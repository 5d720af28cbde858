package media

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

func feedStats(s *Stats, dir string, tags []flv.Tag, base time.Time, tsOffset uint32) {
	for _, tg := range tags {
		capture := base.Add(time.Duration(tg.Timestamp) * time.Millisecond)
		switch tg.Type {
		case flv.TagAudio:
			a, _ := DecodeAudio(tg.Body)
			s.Add(dir, tg.Timestamp+tsOffset, capture, false, len(tg.Body), &a)
		case flv.TagVideo:
			v, _ := DecodeVideo(tg.Body)
			s.Add(dir, tg.Timestamp+tsOffset, capture, true, len(tg.Body), &v)
		}
	}
}

// TestStats feeds the tags of an ffmpeg-made FLV (x264 -g 5 -bf 2, 25 fps,
// AAC) as if they arrived at their own timestamps.
func TestStats(t *testing.T) {
	tags := loadTags(t, "avc_main_aac.flv")
	ps, _ := loadProbe(t, "avc_main_aac.flv").stream("video")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStats()
	feedStats(s, "c2s", tags, base, 0)

	rep := s.Report()
	if len(rep) != 1 || rep[0].Video == nil || rep[0].Audio == nil {
		t.Fatalf("%+v", rep)
	}
	v, a := rep[0].Video, rep[0].Audio
	nv := len(tagsOfType(tags, flv.TagVideo))
	// ffmpeg writes a sequence header first and an end-of-sequence tag last.
	if v.Messages != int64(nv) || v.Frames != int64(nv-2) || v.SeqHeaders != 1 || v.Codec != "AVC" {
		t.Errorf("video counts %+v", v)
	}
	if ps.RFrameRate != "25/1" || v.FrameRate < 24.9 || v.FrameRate > 25.1 {
		t.Errorf("frame rate %v, ffprobe %s", v.FrameRate, ps.RFrameRate)
	}
	// make.sh: -g 5 at 25 fps.
	if v.GOPFramesMax != 5 || v.GOPMSMax != 200 {
		t.Errorf("GOP %d frames %d ms", v.GOPFramesMax, v.GOPMSMax)
	}
	// -bf 2: B-frames give positive composition offsets.
	if v.CTSMin < 0 || v.CTSMax <= 0 {
		t.Errorf("cts range %d..%d", v.CTSMin, v.CTSMax)
	}
	if a.SeqHeaders != 1 || a.Config != "AAC seq hdr LC 44100Hz stereo" || a.Frames == 0 {
		t.Errorf("audio %+v", a)
	}
	if v.Backwards != 0 || v.Jumps != 0 || v.ConfigChangeN != 0 {
		t.Errorf("anomalies in a clean file: %+v", v)
	}
	if rep[0].Drift == nil || rep[0].Drift.MaxMS > 50 || rep[0].Drift.MinMS < -50 {
		t.Errorf("drift %+v", rep[0].Drift)
	}
	// The file holds less than a second of media: no average over it.
	if len(v.Bitrate) == 0 || v.MediaMS <= 0 || v.MediaMS >= 1000 || v.BitrateAvg != 0 {
		t.Errorf("bitrate %v avg %v over %d ms", v.Bitrate, v.BitrateAvg, v.MediaMS)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}

	// A second publish of a different encoding on the same stream: the new
	// sequence header is a config change and the timestamp restart goes
	// backwards.
	feedStats(s, "c2s", loadTags(t, "avc_high_crop_mp3.flv"), base.Add(time.Second), 0)
	v = s.Report()[0].Video
	if v.ConfigChangeN != 1 || v.ConfigChanges[0].To == v.ConfigChanges[0].From || v.Backwards != 1 {
		t.Errorf("changes %d %+v backwards %d", v.ConfigChangeN, v.ConfigChanges, v.Backwards)
	}
	// A forward jump of 10 s.
	feedStats(s, "c2s", tags[len(tags)-3:], base.Add(2*time.Second), 10000)
	if v = s.Report()[0].Video; v.Jumps != 1 {
		t.Errorf("jumps %d %+v", v.Jumps, v.Events)
	}
}

// TestStatsBounded feeds a day of one-message-per-second traffic; the
// bitrate series and event lists must stay within their limits.
func TestStatsBounded(t *testing.T) {
	s := &Stats{MaxBuckets: 50}
	base := time.Unix(0, 0)
	v := Video{FrameType: FrameInter, Codec: "AVC"}
	v.PacketType = VideoCodedFrames
	for i := 0; i < 86400; i++ {
		ts := uint32(i * 1000)
		if i%100 == 0 {
			ts = 0 // provoke many backwards events
		}
		s.Add("s2c", ts, base.Add(time.Duration(i)*time.Second), true, 1000, &v)
	}
	r := s.Report()[0].Video
	if len(r.Bitrate) > 50 || len(r.Events) > maxEvents || r.Backwards < 800 {
		t.Fatalf("buckets %d events %d backwards %d", len(r.Bitrate), len(r.Events), r.Backwards)
	}
	// Buckets are media time: every byte is in one of them, and the media
	// time leaves out the steps back to 0 and the jumps forward after them.
	sum := 0.0
	for _, b := range r.Bitrate {
		sum += b * float64(r.BucketSeconds)
	}
	if sum != float64(r.Bytes*8) {
		t.Errorf("buckets hold %v bits, %d bytes were counted", sum, r.Bytes)
	}
	if r.BitrateAvg < 8000 || r.BitrateAvg > 8400 {
		t.Errorf("average %v bit/s over %d ms of media", r.BitrateAvg, r.MediaMS)
	}
}
