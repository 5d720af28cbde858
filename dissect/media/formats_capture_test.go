package media_test

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/displayfilter"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// On aac48mono.pcap (ffmpeg publishing AAC-LC 48 kHz mono, OBS's default)
// every AAC frame's FLV header bits say 44 kHz stereo, as they must for
// AAC. The effective format of every coded frame is the AudioSpecificConfig's
// 48000 Hz mono, in the decoded body, the summary and `-Y audio.sample_rate`;
// the header bits stay what the wire says.
func TestAACEffectiveFormatFromConfig(t *testing.T) {
	recs := capturetest.Records(t, filepath.Join(capturetest.Pcaps(), "aac48mono.pcap"), pipeline.Config{})
	is48k, err := displayfilter.Compile("audio.sample_rate == 48000 && audio.channels == 1")
	if err != nil {
		t.Fatal(err)
	}
	var frames, headers int
	for i := range recs {
		r := &recs[i]
		a := r.Body.Audio
		if r.Kind != event.KindMessage || a == nil || a.Silence {
			continue
		}
		if a.SoundFormat != media.SoundAAC {
			t.Fatalf("frame %d: sound format %v", r.Message.Frame, a.SoundFormat)
		}
		if a.SoundRate != 3 || a.SoundType != 1 {
			t.Errorf("frame %d: header bits %d/%d, the wire has 3/1", r.Message.Frame, a.SoundRate, a.SoundType)
		}
		if a.SampleRate != 48000 || a.Channels != 1 {
			t.Errorf("frame %d: effective %d Hz %d ch (%s), want 48000 Hz mono", r.Message.Frame, a.SampleRate, a.Channels, a.Summary())
		}
		if !is48k.Match(r) {
			t.Errorf("frame %d: -Y audio.sample_rate == 48000 does not match %s", r.Message.Frame, a.Summary())
		}
		switch a.PacketType {
		case media.AudioSequenceStart:
			headers++
		case media.AudioCodedFrames:
			frames++
			if !a.FromConfig || a.Summary() != "AAC raw 48000Hz mono" {
				t.Errorf("frame %d: %q from_config=%v", r.Message.Frame, a.Summary(), a.FromConfig)
			}
		}
	}
	if headers != 1 || frames < 50 {
		t.Fatalf("%d sequence headers, %d frames: not the capture the test was written for", headers, frames)
	}
}
