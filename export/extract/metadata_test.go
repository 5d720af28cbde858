package extract_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/export/extract"
	"github.com/rtmpscope/rtmpscope/export/flv"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// play.pcap: nginx relays ffmpeg's onMetaData with duration 0 and no
// filesize. The extracted file's onMetaData says what the file holds: the
// media duration written and the file's size; ffprobe reads the same
// duration.
func TestMetadataDurationAndFilesize(t *testing.T) {
	dir := t.TempDir()
	var files []extract.ExtractedFile
	x := extract.NewExtractor(extract.ExtractOptions{Dir: dir, Prefix: "play", OnFile: func(f extract.ExtractedFile) { files = append(files, f) }})
	for _, r := range capturetest.Records(t, filepath.Join(capturetest.Pcaps(), "play.pcap"), pipeline.Config{}) {
		x.Add(r)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || !files[0].MetadataRewritten {
		t.Fatalf("files %+v", files)
	}
	f := files[0]
	raw, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	_, tags, err := flv.ReadAll(fd)
	if err != nil {
		t.Fatal(err)
	}
	var dur, size float64 = -1, -1
	var first, last uint32
	media := 0
	for _, tg := range tags {
		switch tg.Type {
		case flv.TagScript:
			vals, err := amf.DecodeAll(tg.Body, 0, amf.Options{})
			if err != nil || len(vals) < 2 {
				t.Fatalf("script tag: %v", err)
			}
			for _, p := range vals[1].Props {
				switch p.Key {
				case "duration":
					dur = p.Value.Num
				case "filesize":
					size = p.Value.Num
				}
			}
		default:
			if media == 0 {
				first = tg.Timestamp
			}
			last = tg.Timestamp
			media++
		}
	}
	if want := float64(last-first) / 1000; dur != want || dur < 1 {
		t.Errorf("onMetaData duration %v, the file's media spans %v s", dur, want)
	}
	if size != float64(len(raw)) {
		t.Errorf("onMetaData filesize %v, the file has %d bytes", size, len(raw))
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed: its view of the duration not checked")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", f.Path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Format struct{ Duration string } `json:"format"`
	}
	if err := json.Unmarshal(out, &pr); err != nil {
		t.Fatal(err)
	}
	if d, _ := strconv.ParseFloat(pr.Format.Duration, 64); d < dur-0.1 || d > dur+0.1 {
		t.Errorf("ffprobe says %v s, onMetaData %v s", d, dur)
	}
}
