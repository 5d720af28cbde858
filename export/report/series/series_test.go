package series

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const pcaps = "../../../testdata/pcaps"

// collect runs a capture through the session layer into a Collector and
// the statistics engine (export.StatsCollector) side by side.
func collect(t *testing.T, name string, maxPoints int) (*Collector, map[string]export.StreamStats) {
	t.Helper()
	path := filepath.Join(pcaps, name)
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	c := &Collector{MaxPoints: maxPoints}
	stats := map[string]export.StreamStats{}
	sc := &export.StatsCollector{OnStream: func(s export.StreamStats) { stats[s.StreamKey.String()] = s }}
	tr := session.New(session.Options{}, func(r session.Record) {
		c.Add(&r)
		sc.Add(r)
	})
	if _, err := capturetest.Run(path, event.Receiver(tr), pipeline.Config{Dissect: dissect.Options{}}); err != nil {
		t.Fatal(err)
	}
	tr.Flush(time.Time{})
	sc.Flush()
	return c, stats
}

// The series add up to the engine's totals on real captures: the bytes of
// the bitrate buckets, the frames of the frame-rate buckets, and one GOP
// point per keyframe after the first.
func TestSeriesAgreeWithStats(t *testing.T) {
	for _, name := range []string{"publish.pcap", "play.pcap", "multi.pcap", "ertmp.pcap", "fastpublish.pcap", "aac48mono.pcap", "relay.pcap", "ertmp-multitrack.pcap", "extts.pcap"} {
		t.Run(name, func(t *testing.T) {
			c, stats := collect(t, name, 0)
			streams := c.Streams()
			if len(streams) == 0 {
				t.Fatal("no streams")
			}
			for _, s := range streams {
				st, ok := stats[s.Key.String()]
				if !ok {
					t.Errorf("%s: not in stats", s.Key)
					continue
				}
				if st.Video != nil {
					if got := s.VideoBitrate.Total / 8; math.Abs(got-float64(st.Video.Bytes)) > 0.5 || sumOf(s.VideoBitrate) > s.VideoBitrate.Total+0.5 {
						t.Errorf("%s: video %v bytes, stats %d", s.Key, got, st.Video.Bytes)
					}
					if got := s.FrameRate.Total; int64(math.Round(got)) != st.Video.Frames {
						t.Errorf("%s: %v frames, stats %d", s.Key, got, st.Video.Frames)
					}
					if want := max(st.Video.Keyframes-1, 0); int64(len(s.GOP.Points)) != want {
						t.Errorf("%s: %d GOPs, stats has %d keyframes", s.Key, len(s.GOP.Points), st.Video.Keyframes)
					}
				}
				if d := st.Drift; d != nil && d.Samples > 0 {
					mean := s.Drift.Total / float64(max(s.Drift.Samples, 1))
					if s.Drift.Samples != d.Samples || math.Abs(mean-d.AvgMS) > 0.5 {
						t.Errorf("%s: drift %d samples mean %.2f ms, stats %d samples mean %.2f ms", s.Key, s.Drift.Samples, mean, d.Samples, d.AvgMS)
					}
				}
				if st.Audio != nil {
					if got := s.AudioBitrate.Total / 8; math.Abs(got-float64(st.Audio.Bytes)) > 0.5 || sumOf(s.AudioBitrate) > s.AudioBitrate.Total+0.5 {
						t.Errorf("%s: audio %v bytes, stats %d", s.Key, got, st.Audio.Bytes)
					}
				}
			}
		})
	}
}

// sumOf integrates a per-second bucketed series' points (a partial last
// bucket is left out of the points, so this is at most Total).
func sumOf(s Series) float64 {
	var t float64
	for _, p := range s.Points {
		t += p.Y * s.Step
	}
	return t
}

// A 25 fps publish reads 25 fps in every full second, and its GOP as 50
// frames (ffmpeg's default keyframe interval of publish.pcap's script).
func TestPublishShape(t *testing.T) {
	c, _ := collect(t, "publish.pcap", 0)
	s := c.Streams()[0]
	for _, p := range s.FrameRate.Points {
		if p.Y != 25 {
			t.Errorf("frame rate %v at %vs", p.Y, p.X)
		}
	}
	for _, p := range s.GOP.Points {
		if p.Y != 50 {
			t.Errorf("GOP %v frames at %vs", p.Y, p.X)
		}
	}
	conns := c.Conns()
	if len(conns) != 1 || len(conns[0].Latency.Points) == 0 {
		t.Fatalf("latency: %+v", conns)
	}
	if p := conns[0].Latency.Points[0]; p.Label != "connect" || p.Y < 40 || p.Y > 50 {
		t.Errorf("first answered request %+v, want connect after 44 ms", p)
	}
}

// Series stay within MaxPoints: buckets double in width, point series
// keep every other point.
func TestBounded(t *testing.T) {
	c, _ := collect(t, "publish.pcap", 2)
	for _, s := range c.Streams() {
		for _, x := range []Series{s.VideoBitrate, s.AudioBitrate, s.FrameRate, s.Drift, s.GOP} {
			if len(x.Points) > 2 {
				t.Errorf("%s %s: %d points", s.Key, x.Name, len(x.Points))
			}
		}
		if s.VideoBitrate.Step < 2 {
			t.Errorf("bucket width %v did not grow", s.VideoBitrate.Step)
		}
	}
}

// The players of relay.pcap get a relay latency series, the publisher none.
func TestRelaySeries(t *testing.T) {
	c, _ := collect(t, "relay.pcap", 0)
	n := 0
	for _, cn := range c.Conns() {
		if len(cn.Relay.Points) > 0 {
			n++
			if cn.ID == "c1" {
				t.Error("the publisher has a relay series")
			}
		}
	}
	if n != 2 {
		t.Errorf("%d relay series, want 2 players'", n)
	}
	if p, _ := collect(t, "publish.pcap", 0); len(p.Relay().Players) != 0 {
		t.Error("publish.pcap has players")
	}
}
