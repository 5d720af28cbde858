package metrics

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/internal/promtest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

var key = promtest.Key

// gather scrapes the registry as a Prometheus server would read it: the
// page and its series.
func gather(t *testing.T, reg *prometheus.Registry) (promtest.Series, []byte) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&text, mf); err != nil {
			t.Fatal(err)
		}
	}
	return promtest.Parse(t, text.Bytes()), text.Bytes()
}

// feed runs a capture through a session tracker into the sink, with the
// tracker's state for open connections, as the command does.
func feed(t *testing.T, path string, s *Sink, cfg pipeline.Config) {
	t.Helper()
	tr := session.New(cfg.Session, func(r session.Record) {
		if err := s.Record(&r); err != nil {
			t.Fatal(err)
		}
	})
	s.opts.State = tr.StateByName
	s.col.State = tr.StateByName
	if _, err := capturetest.Run(path, tr, cfg); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// statsOf is what `rtmpscope stats` reports for the capture.
func statsOf(t *testing.T, path string, cfg pipeline.Config) []export.StreamStats {
	t.Helper()
	var out []export.StreamStats
	col := &export.StatsCollector{OnStream: func(s export.StreamStats) { out = append(out, s) }}
	for _, r := range capturetest.Records(t, path, cfg) {
		col.Add(r)
	}
	col.Flush()
	return out
}

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// checkStreams compares every stream's series with the statistics of
// `rtmpscope stats` for the same capture.
func checkStreams(t *testing.T, got promtest.Series, want []export.StreamStats, app func(conn string) string) {
	t.Helper()
	for _, st := range want {
		base := map[string]string{"conn": st.Conn, "msid": strconv.FormatUint(uint64(st.MSID), 10),
			"track": strconv.Itoa(int(st.Track)), "role": st.Role(), "app": app(st.Conn), "stream": st.Name}
		if v, ok := got[key("rtmpscope_stream_open", base)]; !ok || v != 0 {
			t.Errorf("%s: stream_open %v (present %v), want 0 after the end", st.StreamKey, v, ok)
		}
		for _, tr := range []struct {
			name string
			t    *export.TrackStats
		}{{"video", st.Video}, {"audio", st.Audio}} {
			if tr.t == nil {
				continue
			}
			l := map[string]string{"media": tr.name, "codec": tr.t.Codec}
			for k, v := range base {
				l[k] = v
			}
			if l["codec"] == "" {
				l["codec"] = "unknown"
			}
			checks := map[string]float64{
				"rtmpscope_stream_bytes_total":                float64(tr.t.Bytes),
				"rtmpscope_stream_messages_total":             float64(tr.t.Messages),
				"rtmpscope_stream_frames_total":               float64(tr.t.Frames),
				"rtmpscope_stream_timestamp_jumps_total":      float64(tr.t.Jumps),
				"rtmpscope_stream_timestamps_backwards_total": float64(tr.t.Backwards),
				"rtmpscope_stream_frames_per_second":          tr.t.FrameRate,
				"rtmpscope_stream_bitrate_bytes_per_second":   tr.t.BitrateAvg / 8,
				"rtmpscope_stream_media_duration_seconds":     float64(tr.t.DurationMS) / 1000,
			}
			if tr.t.RealTimeFactor > 0 {
				checks["rtmpscope_stream_realtime_factor"] = tr.t.RealTimeFactor
			}
			if tr.name == "video" {
				checks["rtmpscope_stream_keyframes_total"] = float64(tr.t.Keyframes)
				checks["rtmpscope_stream_gop_frames"] = tr.t.GOPFramesAvg
				checks["rtmpscope_stream_gop_seconds"] = tr.t.GOPMSAvg / 1000
			}
			for name, want := range checks {
				k := key(name, l)
				v, ok := got[k]
				if !ok {
					t.Errorf("%s: no %s", st.StreamKey, k)
				} else if !near(v, want) {
					t.Errorf("%s: %s = %v, stats says %v", st.StreamKey, k, v, want)
				}
			}
		}
		if d := st.Drift; d != nil {
			if v := got[key("rtmpscope_stream_av_drift_seconds", base)]; !near(v, float64(d.LastMS)/1000) {
				t.Errorf("%s: drift %v, stats says %d ms", st.StreamKey, v, d.LastMS)
			}
		}
	}
}

func appOfClosed(t *testing.T, path string, cfg pipeline.Config) func(string) string {
	apps := map[string]string{}
	for _, r := range capturetest.Records(t, path, cfg) {
		if r.Session != nil {
			apps[r.ConnID.String()] = r.Session.App
		}
	}
	return func(c string) string { return apps[c] }
}

// TestCapturesEqualStats: after a replay, every stream's series equal the
// statistics `rtmpscope stats` reports for it, and promtool accepts the
// exposition, on the committed captures that carry media.
func TestCapturesEqualStats(t *testing.T) {
	for _, name := range []string{"publish.pcap", "play.pcap", "multi.pcap", "ertmp.pcap", "extts.pcap",
		"midstream.pcap", "rtmpt-publish.pcap", "rtmfp-publish.pcap", "aac48mono.pcap", "relay.pcap", "ertmp-multitrack.pcap"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(capturetest.Pcaps(), name)
			var cfg pipeline.Config
			want := statsOf(t, path, cfg)
			if len(want) == 0 {
				t.Skipf("%s: no media streams", name)
			}
			s := New(Options{})
			feed(t, path, s, cfg)
			got, text := gather(t, s.Registry())
			checkStreams(t, got, want, appOfClosed(t, path, cfg))
			promtest.Promtool(t, text)
			if got[key("rtmpscope_events_total", map[string]string{"kind": "message"})] == 0 {
				t.Error("no message events counted")
			}
			// Every connection has ended: none open, as many closed as opened.
			for k, v := range got {
				name, labels, _ := strings.Cut(k, "|")
				switch name {
				case "rtmpscope_connections_open":
					if v != 0 {
						t.Errorf("%s = %v after the end", k, v)
					}
				case "rtmpscope_connections_opened_total":
					if c := got["rtmpscope_connections_closed_total|"+labels]; c != v {
						t.Errorf("%s: %v opened, %v closed", labels, v, c)
					}
				}
			}
		})
	}
}

// TestLabelCap: with room for one stream, multi.pcap's other streams are
// counted as overflow while the first is open, and take the place of an
// ended one afterwards. (A snapshot after every record, so that the open
// streams are seen overlapping.)
func TestLabelCap(t *testing.T) {
	path := filepath.Join(capturetest.Pcaps(), "multi.pcap")
	s := New(Options{MaxStreams: 1, MaxConns: 1, Refresh: time.Nanosecond})
	feed(t, path, s, pipeline.Config{})
	got, text := gather(t, s.Registry())
	promtest.Promtool(t, text)
	if open := got.Count("rtmpscope_stream_open"); open != 1 {
		t.Errorf("%d streams exported, cap 1", open)
	}
	// multi.pcap: two publishers and a player overlap (stats reports 3
	// streams); with one label set, at least one was refused.
	if got[key("rtmpscope_metrics_streams_overflow_total", nil)] < 1 {
		t.Errorf("overflow %v, want >= 1", got[key("rtmpscope_metrics_streams_overflow_total", nil)])
	}
	if got[key("rtmpscope_metrics_connections_overflow_total", nil)] < 1 {
		t.Errorf("connection overflow %v, want >= 1", got[key("rtmpscope_metrics_connections_overflow_total", nil)])
	}
}

// TestScrapeDuringReplay scrapes over HTTP in a loop while a capture is
// fed: the race detector sees the pipeline's and the scrapes' goroutines
// share nothing unguarded, every page passes promtool's parser, and the
// counters never go down between scrapes.
func TestScrapeDuringReplay(t *testing.T) {
	path := filepath.Join(capturetest.Pcaps(), "multi.pcap")
	s := New(Options{Refresh: time.Nanosecond, Capture: func() CaptureCounters { return CaptureCounters{Packets: 1} }})
	srv, err := Listen("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := fmt.Sprintf("http://%s/metrics", srv.Addr())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var pages [][]byte
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := http.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d: %s", resp.StatusCode, b.String())
				return
			}
			pages = append(pages, b.Bytes())
		}
	}()
	feed(t, path, s, pipeline.Config{})
	close(stop)
	wg.Wait()
	if len(pages) == 0 {
		t.Fatal("no scrape completed")
	}
	last := map[string]float64{}
	for _, p := range pages {
		parser := expfmt.NewTextParser(model.LegacyValidation)
		mfs, err := parser.TextToMetricFamilies(bytes.NewReader(p))
		if err != nil {
			t.Fatalf("unparsable page: %v", err)
		}
		for name, mf := range mfs {
			if !strings.HasSuffix(name, "_total") || mf.GetType().String() != "COUNTER" {
				continue
			}
			for _, m := range mf.Metric {
				var ls []string
				for _, l := range m.Label {
					ls = append(ls, l.GetName()+"="+l.GetValue())
				}
				k := name + strings.Join(ls, ",")
				if v := m.Counter.GetValue(); v < last[k] {
					t.Errorf("%s went down: %v after %v", k, v, last[k])
				} else {
					last[k] = v
				}
			}
		}
	}
	promtest.Promtool(t, pages[len(pages)-1])
}

// TestHostileNames: names from the wire that are not UTF-8, or very long,
// become valid, bounded label values (client_golang would refuse the
// sample and fail the scrape). publish.pcap, with its app and stream name
// replaced by such bytes in the records before the sink sees them.
func TestHostileNames(t *testing.T) {
	path := filepath.Join(capturetest.Pcaps(), "publish.pcap")
	s := New(Options{})
	bad := "\xff\xfe" + strings.Repeat("é", 400)
	for _, r := range capturetest.Records(t, path, pipeline.Config{}) {
		if r.Session != nil {
			st := r.Session.Clone()
			st.App = bad
			for i := range st.Streams {
				st.Streams[i].Name = bad
			}
			r.Session = st
		}
		if err := s.Record(&r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	got, text := gather(t, s.Registry())
	promtest.Promtool(t, text)
	_, l, ok := got.Find("rtmpscope_stream_bytes_total", map[string]string{"media": "video"})
	if !ok {
		t.Fatalf("no video series:\n%s", text)
	}
	for _, k := range []string{"app", "stream"} {
		if v := l[k]; !utf8.ValidString(v) || len(v) > maxLabel+len("…") || !strings.HasPrefix(v, "\uFFFD") {
			t.Errorf("label %s = %q (%d bytes)", k, v, len(v))
		}
	}
}

// TestTick: with no snapshot due from records (Refresh of an hour), Tick
// publishes the open streams' figures as they are: those the collector
// reports for the same records (publish.pcap, cut in the middle of its
// media).
func TestTick(t *testing.T) {
	path := filepath.Join(capturetest.Pcaps(), "publish.pcap")
	recs := capturetest.Records(t, path, pipeline.Config{})
	half := len(recs) / 2
	s := New(Options{Refresh: time.Hour})
	ref := &export.StatsCollector{}
	for i := range recs[:half] {
		if err := s.Record(&recs[i]); err != nil {
			t.Fatal(err)
		}
		ref.Add(recs[i])
	}
	before, _ := gather(t, s.Registry())
	if n := before.Count("rtmpscope_stream_open"); n != 0 {
		t.Fatalf("%d streams before any snapshot was due", n)
	}
	s.Tick()
	got, text := gather(t, s.Registry())
	promtest.Promtool(t, text)
	var want []export.StreamStats
	ref.Snapshot(func(st export.StreamStats) { want = append(want, st) })
	if len(want) != 1 || want[0].Video == nil {
		t.Fatalf("the collector reports %d streams half way", len(want))
	}
	v, _, ok := got.Find("rtmpscope_stream_bytes_total", map[string]string{"media": "video"})
	if !ok || v != float64(want[0].Video.Bytes) {
		t.Errorf("video bytes %v after Tick, the collector says %d", v, want[0].Video.Bytes)
	}
	if v, _, _ := got.Find("rtmpscope_stream_open", nil); v != 1 {
		t.Errorf("stream_open %v half way", v)
	}
}
