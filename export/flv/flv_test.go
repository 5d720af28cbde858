package flv

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

const mediaTestdata = "../../dissect/media/testdata"

func readFLV(t *testing.T, name string) (uint8, []Tag) {
	t.Helper()
	f, err := os.Open(filepath.Join(mediaTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, tags, err := ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return flags, tags
}

// TestRoundTrip rewrites an ffmpeg-made FLV tag by tag: the output must be
// byte-identical after the header (ffmpeg's muxer writes the same layout).
func TestRoundTrip(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(mediaTestdata, "avc_main_aac.flv"))
	if err != nil {
		t.Fatal(err)
	}
	flags, tags, err := ReadAll(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, flags)
	for _, tg := range tags {
		if !tg.PrevSizeOK() {
			t.Fatalf("tag at %d: PreviousTagSize %d", tg.Offset, tg.PrevSize)
		}
		if err := w.WriteTag(tg.Type, tg.Timestamp, tg.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), orig) {
		t.Fatalf("rewritten file differs (%d vs %d bytes)", buf.Len(), len(orig))
	}
	if w.Tags() != int64(len(tags)) || w.Bytes() != int64(len(orig)) {
		t.Errorf("counters %d tags %d bytes", w.Tags(), w.Bytes())
	}
}

func TestExtendedTimestamp(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, FlagVideo)
	if err := w.WriteTag(TagVideo, 0x12345678, []byte{0x17, 2, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	b := buf.Bytes()
	// Tag header at 13: timestamp bytes 17..19 hold the low 24 bits, 20 the top byte.
	if b[17] != 0x34 || b[18] != 0x56 || b[19] != 0x78 || b[20] != 0x12 {
		t.Fatalf("timestamp bytes % x", b[17:21])
	}
	r := NewReader(bytes.NewReader(b))
	tg, err := r.Next()
	if err != nil || tg.Timestamp != 0x12345678 || !tg.PrevSizeOK() {
		t.Fatalf("%v %+v", err, tg)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
	if err := w.WriteTag(TagVideo, 0, make([]byte, MaxBodySize+1)); err != ErrBodyTooLarge {
		t.Errorf("oversized body: %v", err)
	}
}

func TestReaderErrors(t *testing.T) {
	if _, _, err := ReadAll(bytes.NewReader([]byte("NOTFLV\x00\x00\x00\x09"))); err != ErrNotFLV {
		t.Errorf("bad signature: %v", err)
	}
	orig, _ := os.ReadFile(filepath.Join(mediaTestdata, "speex.flv"))
	for n := 0; n < len(orig); n++ {
		ReadAll(bytes.NewReader(orig[:n])) // must not panic
	}
}

type probeOut struct {
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
	Streams []struct {
		CodecType  string `json:"codec_type"`
		CodecName  string `json:"codec_name"`
		Profile    string `json:"profile"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		SampleRate string `json:"sample_rate"`
		Channels   int    `json:"channels"`
	} `json:"streams"`
}

// TestFFprobeOpensWrittenFile writes an FLV the way a capture exporter
// would (script tag passed as raw AMF0, then the stream's audio and video
// messages with their RTMP timestamps) and checks ffprobe sees the same
// streams as in the ffmpeg-made source, with a duration within one frame.
func TestFFprobeOpensWrittenFile(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not on PATH")
	}
	for _, name := range []string{"avc_main_aac.flv", "flv1_alaw.flv", "avc_high_crop_mp3.flv"} {
		t.Run(name, func(t *testing.T) {
			flags, tags := readFLV(t, name)
			out := filepath.Join(t.TempDir(), "out.flv")
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWriter(f, flags)
			for _, tg := range tags {
				if tg.Type == TagScript {
					err = w.WriteScript(tg.Timestamp, tg.Body)
				} else {
					err = w.WriteTag(tg.Type, tg.Timestamp, tg.Body)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			f.Close()
			want := probe(t, filepath.Join(mediaTestdata, name))
			got := probe(t, out)
			if len(got.Streams) != len(want.Streams) {
				t.Fatalf("%d streams, want %d", len(got.Streams), len(want.Streams))
			}
			for i := range want.Streams {
				if got.Streams[i] != want.Streams[i] {
					t.Errorf("stream %d: %+v, want %+v", i, got.Streams[i], want.Streams[i])
				}
			}
			gd, _ := strconv.ParseFloat(got.Format.Duration, 64)
			wd, _ := strconv.ParseFloat(want.Format.Duration, 64)
			if d := gd - wd; d > 0.04 || d < -0.04 {
				t.Errorf("duration %v, want %v", gd, wd)
			}
		})
	}
}

func probe(t *testing.T, path string) probeOut {
	t.Helper()
	b, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probeOut
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func BenchmarkWriteTag(b *testing.B) {
	body := make([]byte, 4096)
	w := NewWriter(io.Discard, FlagAudio|FlagVideo)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		w.WriteTag(TagVideo, uint32(i), body)
	}
}
