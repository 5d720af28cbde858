package extract_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/extract"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

func extractCapture(t *testing.T, name string) []extract.ExtractedFile {
	t.Helper()
	var files []extract.ExtractedFile
	x := extract.NewExtractor(extract.ExtractOptions{Dir: t.TempDir(), Prefix: strings.TrimSuffix(name, ".pcap"),
		OnFile: func(f extract.ExtractedFile) { files = append(files, f) }})
	for _, r := range capturetest.Records(t, filepath.Join(capturetest.Pcaps(), name), pipeline.Config{}) {
		x.Add(r)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return files
}

// ffprobeStreams lists "codec WxH" / "codec RATE CH" and the packet count
// of each stream of a file, as ffprobe reads it.
func ffprobeStreams(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-show_entries",
		"stream=codec_name,width,height,sample_rate,channels,nb_read_packets", "-of", "compact=p=0:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// ertmp-multitrack.pcap: gortmplib's H.265 + Opus as track 0 and H.264 +
// AAC as track 1. The stream's file holds every message as received (a
// multitrack E-RTMP FLV); track 1 gets a file of its own in legacy FLV
// tags, which Debian 12's ffmpeg 5.1 reads: H.264 256x144 and AAC 44.1 kHz
// mono, every frame. The files say which players can open them.
func TestExtractPerTrack(t *testing.T) {
	files := extractCapture(t, "ertmp-multitrack.pcap")
	if len(files) != 2 {
		t.Fatalf("%d files: %+v", len(files), files)
	}
	main, t1 := files[0], files[1]
	if main.Track != 0 || t1.Track != 1 || !strings.HasSuffix(t1.Path, "-c1-c2s-1-t1.flv") {
		t.Fatalf("files %s (track %d), %s (track %d)", main.Path, main.Track, t1.Path, t1.Track)
	}
	if main.Players != extract.PlayersTracks || t1.Players != extract.PlayersAny {
		t.Errorf("players %q, %q", main.Players, t1.Players)
	}
	if !strings.HasPrefix(main.VideoCodec, "HEVC") || !strings.HasPrefix(t1.VideoCodec, "AVC") || !strings.Contains(t1.AudioCodec, "44100Hz mono") {
		t.Errorf("codecs %q %q / %q %q", main.VideoCodec, main.AudioCodec, t1.VideoCodec, t1.AudioCodec)
	}
	if t1.VideoTags < 75 || t1.AudioTags < 120 || t1.NoVideoConfig || t1.NoAudioConfig {
		t.Errorf("track file %+v", t1)
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed: the players' view not checked")
	}
	got := ffprobeStreams(t, t1.Path)
	want := []*regexp.Regexp{regexp.MustCompile(`^h264\|256\|144\|(7[4-9]|8\d)$`), regexp.MustCompile(`^aac\|44100\|1\|1[2-3]\d$`)}
	if len(got) != 2 || !want[0].MatchString(got[0]) || !want[1].MatchString(got[1]) {
		t.Errorf("ffprobe reads the track file as %q", got)
	}
	// What an older ffmpeg makes of the multitrack file, as Players says.
	if v, _ := exec.Command("ffprobe", "-version").Output(); ffmpegBefore61(string(v)) {
		if s := ffprobeStreams(t, main.Path); !strings.HasPrefix(s[0], "flashsv") {
			t.Errorf("ffmpeg < 6.1 reads the E-RTMP file as %q", s)
		}
	}
}

// ffmpegBefore61 reports a "ffprobe version 5.1.x" (or older) banner.
func ffmpegBefore61(banner string) bool {
	m := regexp.MustCompile(`version (\d+)\.(\d+)`).FindStringSubmatch(banner)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major < 6 || (major == 6 && minor < 1)
}

// A plain FLV publish opens everywhere; gortmplib's H.265 + Opus E-RTMP
// publish needs a player that reads Enhanced RTMP.
func TestExtractPlayers(t *testing.T) {
	for name, want := range map[string]string{"publish.pcap": extract.PlayersAny, "ertmp.pcap": extract.PlayersEnhanced} {
		files := extractCapture(t, name)
		if len(files) != 1 || files[0].Players != want {
			t.Errorf("%s: %+v", name, files)
		}
	}
}
