package export

import (
	"encoding/binary"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// captureStats is `stats` of a committed capture, stream by stream.
func captureStats(t *testing.T, name string) map[string]StreamStats {
	t.Helper()
	out := map[string]StreamStats{}
	c := &StatsCollector{OnStream: func(s StreamStats) { out[s.StreamKey.String()] = s }}
	for _, r := range captureRecords(t, name) {
		c.Add(r)
	}
	c.Flush()
	return out
}

// fastpublish.pcap is ffmpeg publishing 4 s of media (300 kbit/s video,
// 64 kbit/s audio) without -re: it all went out in well under a second of
// capture. Rates are over media time, so they are the stream's own; the
// real-time factor says how much faster than real time it was sent; no
// average exceeds the peak of its series.
func TestStatsRatesOverMediaTime(t *testing.T) {
	s, ok := captureStats(t, "fastpublish.pcap")["c1/c2s/1"]
	if !ok || s.Video == nil || s.Audio == nil {
		t.Fatalf("no publish stream: %+v", s)
	}
	if span := s.Last.Sub(s.First); span.Seconds() > 0.5 {
		t.Fatalf("capture span %v: not the capture this test was written for", span)
	}
	for _, c := range []struct {
		kind     string
		tr       *TrackStats
		min, max float64
	}{{"video", s.Video, 250e3, 450e3}, {"audio", s.Audio, 50e3, 80e3}} {
		tr := c.tr
		if tr.BitrateAvg < c.min || tr.BitrateAvg > c.max {
			t.Errorf("%s: %.0f bit/s over %d ms of media, ffmpeg was told %.0f..%.0f", c.kind, tr.BitrateAvg, tr.MediaMS, c.min, c.max)
		}
		if tr.MediaMS < 3900 || tr.MediaMS > 4100 {
			t.Errorf("%s: %d ms of media, ffmpeg sent 4 s", c.kind, tr.MediaMS)
		}
		if tr.RealTimeFactor < 5 {
			t.Errorf("%s: real-time factor %.2f for a publish without -re", c.kind, tr.RealTimeFactor)
		}
		if peak := maxOf(tr.Bitrate); tr.BitrateAvg > peak {
			t.Errorf("%s: average %.0f above the peak %.0f", c.kind, tr.BitrateAvg, peak)
		}
	}
	// A live publish (-re) runs at real time.
	p := captureStats(t, "publish.pcap")["c1/c2s/1"]
	if f := p.Video.RealTimeFactor; f < 0.9 || f > 1.1 {
		t.Errorf("publish.pcap: real-time factor %.2f, want about 1", f)
	}
}

// extts.pcap's timestamps start at 16,790 s with the sequence headers at 0
// and jump by +20000 s at 2 s; extts-play.pcap is nginx relaying it. A/V
// drift compares coded frames only, and never across a jump one track has
// made and the other not yet: what is left is the encoder's few tens of ms.
func TestStatsDriftCodedFramesOnly(t *testing.T) {
	for _, name := range []string{"extts.pcap", "extts-play.pcap", "publish.pcap", "multi.pcap"} {
		for k, s := range captureStats(t, name) {
			d := s.Drift
			if d == nil || d.Samples < 20 {
				t.Errorf("%s %s: drift %+v", name, k, d)
				continue
			}
			if d.MinMS < -200 || d.MaxMS > 200 {
				t.Errorf("%s %s: drift %+d..%+d ms", name, k, d.MinMS, d.MaxMS)
			}
		}
	}
}

// ertmp-multitrack.pcap is gortmplib publishing two video tracks (H.265
// 320x240 as track 0, H.264 256x144 as track 1) and two audio tracks (Opus
// 48 kHz stereo, AAC 44.1 kHz mono), 25 fps each, 3 s: each track is a
// stream of its own, with its own codec, size and rate.
func TestStatsPerTrack(t *testing.T) {
	st := captureStats(t, "ertmp-multitrack.pcap")
	t0, t1 := st["c1/c2s/1"], st["c1/c2s/1/t1"]
	if len(st) != 2 || t0.Video == nil || t1.Video == nil || t0.Audio == nil || t1.Audio == nil {
		t.Fatalf("streams %v", st)
	}
	for _, c := range []struct {
		name        string
		tr          *TrackStats
		codec       string
		w, h        int
		rate, frame float64
	}{
		{"track 0 video", t0.Video, "hvc1", 320, 240, 0, 25},
		{"track 1 video", t1.Video, "avc1", 256, 144, 0, 25},
		{"track 0 audio", t0.Audio, "Opus", 0, 0, 0, 50},
		{"track 1 audio", t1.Audio, "mp4a", 0, 0, 44100, 44100.0 / 1024},
	} {
		f := c.tr.Format
		if f.Codec != c.codec || f.Width != c.w || f.Height != c.h || (c.rate > 0 && f.SampleRate != int(c.rate)) {
			t.Errorf("%s: %s %dx%d %d Hz, want %s %dx%d", c.name, f.Codec, f.Width, f.Height, f.SampleRate, c.codec, c.w, c.h)
		}
		if c.tr.FrameRate < c.frame*0.98 || c.tr.FrameRate > c.frame*1.02 {
			t.Errorf("%s: %.2f frames/s, want %.2f", c.name, c.tr.FrameRate, c.frame)
		}
		if c.tr.Frames < 70 {
			t.Errorf("%s: %d frames", c.name, c.tr.Frames)
		}
	}
	if t1.Audio.Format.Channels != 1 || t0.Audio.Format.Channels != 2 {
		t.Errorf("channels %d and %d, want 2 and 1", t0.Audio.Format.Channels, t1.Audio.Format.Channels)
	}
}

// An aggregate whose last sub-message claims more bytes than the
// aggregate holds (a capture cut inside it) counts what was received. The
// aggregate is made of two real video message bodies of publish.pcap, the
// second's size field raised to 16 MB and its body cut to 100 bytes.
func TestStatsAggregateSizesAsReceived(t *testing.T) {
	var bodies [][]byte
	for _, r := range captureRecords(t, "publish.pcap") {
		if r.Kind == event.KindMessage && r.Message.TypeID == event.TypeVideo && len(r.Message.Body) > 200 {
			bodies = append(bodies, r.Message.Body)
			if len(bodies) == 2 {
				break
			}
		}
	}
	if len(bodies) < 2 {
		t.Fatal("publish.pcap has no two video messages")
	}
	var agg []byte
	sub := func(body []byte, claim int, ts uint32) {
		h := make([]byte, 11)
		h[0] = byte(event.TypeVideo)
		h[1], h[2], h[3] = byte(claim>>16), byte(claim>>8), byte(claim)
		h[4], h[5], h[6], h[7] = byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24)
		agg = append(agg, h...)
		agg = append(agg, body...)
	}
	sub(bodies[0], len(bodies[0]), 0)
	agg = binary.BigEndian.AppendUint32(agg, uint32(11+len(bodies[0])))
	sub(bodies[1][:100], 0xFFFFFF, 40)
	subs, err := media.DecodeAggregate(agg, 1000)
	if err == nil || len(subs) != 2 {
		t.Fatalf("%d sub-messages, err %v", len(subs), err)
	}
	m := &event.Message{Dir: event.C2S, MSID: 1, TypeID: event.TypeAggregate, Body: agg, Length: uint32(len(agg))}
	r := session.Record{Event: event.Event{Kind: event.KindMessage, ConnID: 1, Message: m}}
	r.Body.Aggregate = subs
	total := 0
	MediaSamples(&r, func(k StreamKey, ts uint32, isVideo bool, size int, decoded any) { total += size })
	if want := len(bodies[0]) + 100; total != want {
		t.Errorf("counted %d bytes, received %d", total, want)
	}
}
