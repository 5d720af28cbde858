package main

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/internal/promtest"
)

// The metrics endpoint as a user meets it: the binary serving a file
// replay (--metrics-linger) or a live capture of ffmpeg publishing to
// nginx-rtmp, scraped over HTTP, checked with promtool and against
// `rtmpscope stats` for the same packets.

// statsTrack is the part of `stats -T ndjson`'s track objects compared.
type statsTrack struct {
	Codec      string  `json:"codec"`
	Bytes      float64 `json:"bytes"`
	Messages   float64 `json:"messages"`
	Frames     float64 `json:"frames"`
	Keyframes  float64 `json:"keyframes"`
	FrameRate  float64 `json:"frame_rate"`
	Bitrate    float64 `json:"bitrate_avg_bps"`
	GOPFrames  float64 `json:"gop_frames_avg"`
	GOPMS      float64 `json:"gop_ms_avg"`
	DurationMS float64 `json:"duration_ms"`
	Jumps      float64 `json:"timestamp_jumps"`
	Backwards  float64 `json:"timestamps_backwards"`
	RTF        float64 `json:"realtime_factor"`
}

type statsStream struct {
	Conn  string      `json:"conn"`
	MSID  uint32      `json:"msid"`
	Track uint8       `json:"track"`
	Role  string      `json:"role"`
	Name  string      `json:"name"`
	Video *statsTrack `json:"video"`
	Audio *statsTrack `json:"audio"`
	Drift *struct {
		LastMS float64 `json:"last_ms"`
	} `json:"av_drift"`
}

func statsStreams(t *testing.T, pcap string) []statsStream {
	t.Helper()
	out, errOut, code := rtmpscope(t, "stats", "-T", "ndjson", "-r", pcap)
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, errOut)
	}
	var ss []statsStream
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var s statsStream
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	return ss
}

func closeTo(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// compareWithStats checks that every stream `rtmpscope stats` reports has
// the same figures in the scrape (after its connection ended: stream_open
// 0), and that the scrape has no stream stats does not report.
func compareWithStats(t *testing.T, got promtest.Series, want []statsStream) {
	t.Helper()
	find := got.Find
	if streams := got.Count("rtmpscope_stream_open"); streams != len(want) {
		t.Errorf("%d streams in the scrape, stats reports %d", streams, len(want))
	}
	for _, s := range want {
		id := map[string]string{"conn": s.Conn, "msid": strconv.FormatUint(uint64(s.MSID), 10),
			"track": strconv.Itoa(int(s.Track)), "role": s.Role}
		v, l, ok := find("rtmpscope_stream_open", id)
		if !ok || v != 0 {
			t.Errorf("%v: stream_open %v (present %v), want 0 after its connection ended", id, v, ok)
			continue
		}
		if l["stream"] != s.Name || l["app"] == "" {
			t.Errorf("%v: labels %v, stats names the stream %q", id, l, s.Name)
		}
		for _, tr := range []struct {
			name string
			t    *statsTrack
		}{{"video", s.Video}, {"audio", s.Audio}} {
			if tr.t == nil {
				continue
			}
			m := map[string]string{"media": tr.name}
			for a, b := range id {
				m[a] = b
			}
			checks := map[string]float64{
				"rtmpscope_stream_bytes_total":                tr.t.Bytes,
				"rtmpscope_stream_messages_total":             tr.t.Messages,
				"rtmpscope_stream_frames_total":               tr.t.Frames,
				"rtmpscope_stream_frames_per_second":          tr.t.FrameRate,
				"rtmpscope_stream_bitrate_bytes_per_second":   tr.t.Bitrate / 8,
				"rtmpscope_stream_media_duration_seconds":     tr.t.DurationMS / 1000,
				"rtmpscope_stream_timestamp_jumps_total":      tr.t.Jumps,
				"rtmpscope_stream_timestamps_backwards_total": tr.t.Backwards,
			}
			if tr.t.RTF > 0 {
				checks["rtmpscope_stream_realtime_factor"] = tr.t.RTF
			}
			if tr.name == "video" {
				checks["rtmpscope_stream_keyframes_total"] = tr.t.Keyframes
				checks["rtmpscope_stream_gop_frames"] = tr.t.GOPFrames
				checks["rtmpscope_stream_gop_seconds"] = tr.t.GOPMS / 1000
			}
			for name, want := range checks {
				v, l, ok := find(name, m)
				switch {
				case !ok:
					t.Errorf("%v %s: no %s", id, tr.name, name)
				case !closeTo(v, want):
					t.Errorf("%v %s: %s = %v, stats says %v", id, tr.name, name, v, want)
				case tr.t.Codec != "" && l["codec"] != tr.t.Codec:
					t.Errorf("%v %s: codec label %q, stats says %q", id, tr.name, l["codec"], tr.t.Codec)
				}
			}
		}
		if s.Drift != nil {
			if v, _, ok := find("rtmpscope_stream_av_drift_seconds", id); !ok || !closeTo(v, s.Drift.LastMS/1000) {
				t.Errorf("%v: av drift %v, stats says %v ms", id, v, s.Drift.LastMS)
			}
		}
	}
}

// lingerScrape runs the binary on a file with --metrics-linger and args,
// scrapes it once the file has ended, then interrupts it (Ctrl-C must end
// it with status 0). It returns the page and what the command said.
func lingerScrape(t *testing.T, pcap string, args ...string) (page []byte, said string) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"-r", pcap, "-q", "--metrics", "127.0.0.1:0", "--metrics-linger"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The command says where it serves, then that the file ended.
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`serving its final metrics on (http://\S+/metrics)`)
	url := ""
	var lines []string
	for url == "" && sc.Scan() {
		lines = append(lines, sc.Text())
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no final metrics announced; stderr:\n%s", strings.Join(lines, "\n"))
	}
	go io.Copy(io.Discard, stderr)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %s", resp.Status)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after Ctrl-C: %v", err)
	}
	return page, strings.Join(lines, "\n")
}

// TestMetricsReplay serves a file replay with --metrics-linger, scrapes it
// once the file has ended, and compares with `rtmpscope stats`.
func TestMetricsReplay(t *testing.T) {
	for _, name := range []string{"multi.pcap", "publish.pcap", "ertmp.pcap", "rtmpt-publish.pcap", "ertmp-multitrack.pcap"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pcap := need(t, name)
			page, _ := lingerScrape(t, pcap)
			promtest.Promtool(t, page)
			got := promtest.Parse(t, page)
			compareWithStats(t, got, statsStreams(t, pcap))
			if got["rtmpscope_capture_packets_total|"] == 0 || got["rtmpscope_capture_refused_connections_total|"] != 0 {
				t.Errorf("capture counters: packets %v, refused %v", got["rtmpscope_capture_packets_total|"], got["rtmpscope_capture_refused_connections_total|"])
			}
		})
	}
}

// TestMetricsRefused: with room for one connection (--max-flows 1) the
// refused connections and their packets are served as the summary counts
// them.
func TestMetricsRefused(t *testing.T) {
	page, said := lingerScrape(t, need(t, "multi.pcap"), "--max-flows", "1")
	m := regexp.MustCompile(`(\d+) connections not followed \(limit\), (\d+) of their packets`).FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("the summary counts no refused connection: %s", said)
	}
	got := promtest.Parse(t, page)
	conns, _ := strconv.ParseFloat(m[1], 64)
	pkts, _ := strconv.ParseFloat(m[2], 64)
	if got["rtmpscope_capture_refused_connections_total|"] != conns || got["rtmpscope_capture_refused_packets_total|"] != pkts {
		t.Errorf("refused connections %v, packets %v; the summary says %v, %v", got["rtmpscope_capture_refused_connections_total|"],
			got["rtmpscope_capture_refused_packets_total|"], conns, pkts)
	}
}

// TestMetricsLive: ffmpeg publishes to nginx-rtmp on the loopback of a
// network namespace of the test's own (live_test.go's helpers) while
// `rtmpscope -i lo --metrics -w FILE` watches. A scrape while the publish
// runs has the stream open; one after the publisher's connection closed
// has the figures `rtmpscope stats` finds in the packets the same run
// wrote with -w. The same process writes -T parquet with --parquet-roll 1s:
// a file of messages is complete while the publish runs, and at the end the
// rows per kind are those of the NDJSON of the same packets. Waits are
// polls with generous deadlines: nothing is timed.
func TestMetricsLive(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	ns := newLiveNamespace(t)
	dir := t.TempDir()
	ns.startNginx(t, dir)
	pcap := filepath.Join(dir, "live.pcapng")
	pqDir := filepath.Join(dir, "parquet")
	scope := ns.startScope(t, "metrics", binPath, "-i", "lo", "--no-tui", "-q", "-f", "tcp port 1935",
		"-w", pcap, "--metrics", "127.0.0.1:9464", "-T", "parquet", "-o", pqDir, "--parquet-roll", "1s")
	ns.waitCapturing(t, 1)
	scrape := func() []byte {
		out, _ := ns.command("curl", "-sf", "http://127.0.0.1:9464/metrics").Output()
		return out
	}
	// The server starts once the capture is set up (filter, ring): the
	// publish must not begin before, or its handshake is not captured.
	for deadline := time.Now().Add(30 * time.Second); len(scrape()) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the metrics server did not start")
		}
	}

	// make-captures.sh's publish: a stream key that looks like a secret.
	ff := ns.command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
		"-t", "4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-t", "4", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
		"-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "50", "-b:v", "300k", "-threads", "1",
		"-c:a", "aac", "-ar", "44100", "-ac", "2", "-b:a", "64k",
		"-f", "flv", "rtmp://127.0.0.1:1935/live/live_8f3a2c1d9e7b4a06?token=s3cr3t-5d41402abc4b2a76")
	ffLog, _ := os.Create(filepath.Join(dir, "ffmpeg.log"))
	ff.Stdout, ff.Stderr = ffLog, ffLog
	if err := ff.Start(); err != nil {
		t.Fatal(err)
	}
	ffDone := make(chan error, 1)
	go func() { ffDone <- ff.Wait() }()

	publishing := regexp.MustCompile(`(?m)^rtmpscope_stream_open\{.*role="publish".*\} (\d)$`)
	state := func(page []byte) string {
		if m := publishing.FindSubmatch(page); m != nil {
			return string(m[1])
		}
		return ""
	}
	var during []byte
	for during == nil {
		select {
		case err := <-ffDone:
			b, _ := os.ReadFile(filepath.Join(dir, "ffmpeg.log"))
			t.Fatalf("ffmpeg exited (%v) before a scrape showed the stream open\nffmpeg: %s\nrtmpscope: %s", err, b, scope.stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
		if p := scrape(); state(p) == "1" {
			during = p
		}
	}
	// -T parquet --parquet-roll 1s: message rows become readable while the
	// publish runs (a file is complete once rolled over).
	var rolled bool
	for !rolled {
		select {
		case err := <-ffDone:
			t.Fatalf("ffmpeg exited (%v) before a Parquet file of messages was complete", err)
		case <-time.After(200 * time.Millisecond):
		}
		m, _ := filepath.Glob(filepath.Join(pqDir, "kind=message", "*.parquet"))
		rolled = len(m) > 0
	}
	if err := <-ffDone; err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "ffmpeg.log"))
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	var after []byte
	for deadline := time.Now().Add(30 * time.Second); after == nil; time.Sleep(200 * time.Millisecond) {
		if p := scrape(); state(p) == "0" {
			after = p
		} else if time.Now().After(deadline) {
			t.Fatalf("the stream is still open 30 s after ffmpeg exited:\n%s", p)
		}
	}
	scope.cmd.Process.Signal(os.Interrupt)
	if err := scope.cmd.Wait(); err != nil {
		t.Fatalf("rtmpscope: %v\n%s", err, scope.stderr.String())
	}

	promtest.Promtool(t, during)
	promtest.Promtool(t, after)
	d := promtest.Parse(t, during)
	for k := range d {
		if strings.HasPrefix(k, "rtmpscope_connection_state|") && !strings.Contains(k, "state=publishing") {
			t.Errorf("during the publish: %s", k)
		}
		if strings.Contains(k, "s3cr3t") || strings.Contains(k, "8f3a2c1d") {
			t.Errorf("a secret in a label: %s", k)
		}
	}
	if d["rtmpscope_capture_packets_total|"] == 0 {
		t.Error("no capture counters during a live capture")
	}
	if _, ok := d["rtmpscope_capture_kernel_dropped_total|"]; !ok {
		t.Error("no kernel drop counter during a live capture")
	}
	if _, ok := d["rtmpscope_capture_refused_connections_total|"]; !ok {
		t.Error("no refused-connection counter during a live capture")
	}
	got := promtest.Parse(t, after)
	compareWithStats(t, got, statsStreams(t, pcap))
	// The live Parquet rows: as many as the NDJSON of the packets -w wrote
	// (diagnostics aside: a live capture may add capture.live_loss).
	events, _, _ := rtmpscope(t, "-r", pcap, "-T", "ndjson")
	streams, _, _ := rtmpscope(t, "stats", "-r", pcap, "-T", "ndjson")
	want := ndjsonKinds(t, events+streams)
	rows := parquetRows(t, pqDir)
	for _, k := range []string{"conn", "handshake", "message", "stream"} {
		if rows[k] != want[k] || want[k] == 0 {
			t.Errorf("live Parquet: %d %s rows, the NDJSON of the same packets has %d", rows[k], k, want[k])
		}
	}
	if got["rtmpscope_handshake_rtt_seconds_count|"] != 1 || got["rtmpscope_command_latency_seconds_count|command=connect"] != 1 {
		t.Errorf("handshake %v, connect latency %v: want one of each", got["rtmpscope_handshake_rtt_seconds_count|"], got["rtmpscope_command_latency_seconds_count|command=connect"])
	}
}
