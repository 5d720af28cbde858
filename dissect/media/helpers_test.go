package media

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// probeStream is the subset of `ffprobe -show_streams -of json` that
// testdata/make.sh records next to every file.
type probeStream struct {
	CodecType     string `json:"codec_type"`
	CodecName     string `json:"codec_name"`
	Profile       string `json:"profile"`
	Level         *int   `json:"level"`
	Width         int    `json:"width"`
	Height        int    `json:"height"`
	PixFmt        string `json:"pix_fmt"`
	RFrameRate    string `json:"r_frame_rate"`
	SampleRate    string `json:"sample_rate"`
	Channels      int    `json:"channels"`
	BitsPerRawStr string `json:"bits_per_raw_sample"`
}

type probeFile struct {
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
	Streams []probeStream `json:"streams"`
}

func loadProbe(t testing.TB, name string) probeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".probe.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p probeFile
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probeFile) stream(kind string) (probeStream, bool) {
	for _, s := range p.Streams {
		if s.CodecType == kind {
			return s, true
		}
	}
	return probeStream{}, false
}

func (s probeStream) sampleRate() int { n, _ := strconv.Atoi(s.SampleRate); return n }
func (s probeStream) bitsPerRaw() int { n, _ := strconv.Atoi(s.BitsPerRawStr); return n }

// loadTags reads the tags of an ffmpeg-made FLV file in testdata.
func loadTags(t testing.TB, name string) []flv.Tag {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, tags, err := flv.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

func tagsOfType(tags []flv.Tag, typ uint8) [][]byte {
	var out [][]byte
	for _, t := range tags {
		if t.Type == typ {
			out = append(out, t.Body)
		}
	}
	return out
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mp4Box finds the first box of the given type anywhere in an MP4 file
// made by ffmpeg and returns its payload. It walks containers by name and
// skips the fixed part of visual/audio sample entries.
func mp4Box(t testing.TB, data []byte, typ string) []byte {
	t.Helper()
	if b := findBox(data, typ); b != nil {
		return b
	}
	t.Fatalf("box %q not found", typ)
	return nil
}

func findBox(data []byte, typ string) []byte {
	containers := map[string]int{"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0,
		"stsd": 8, "hvc1": 78, "hev1": 78, "av01": 78, "vp09": 78, "avc1": 78, "mp4a": 28, "Opus": 28}
	for len(data) >= 8 {
		size := int(binary.BigEndian.Uint32(data))
		name := string(data[4:8])
		if size < 8 || size > len(data) {
			return nil
		}
		body := data[8:size]
		if name == typ {
			return body
		}
		if skip, ok := containers[name]; ok && len(body) >= skip {
			if b := findBox(body[skip:], typ); b != nil {
				return b
			}
		}
		data = data[size:]
	}
	return nil
}

// mp4FirstSample returns the first sample of the (only) track, located with
// stsz and stco.
func mp4FirstSample(t testing.TB, data []byte) []byte {
	t.Helper()
	stsz := mp4Box(t, data, "stsz")
	stco := mp4Box(t, data, "stco")
	size := binary.BigEndian.Uint32(stsz[4:])
	if size == 0 {
		size = binary.BigEndian.Uint32(stsz[12:])
	}
	off := binary.BigEndian.Uint32(stco[8:])
	return data[off : off+size]
}

// oggFirstPacket returns the first packet of the first Ogg page (RFC 3533),
// which in an Opus file is the OpusHead ID header.
func oggFirstPacket(t testing.TB, data []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("OggS")) || len(data) < 27 {
		t.Fatal("not an Ogg file")
	}
	nseg := int(data[26])
	segs := data[27 : 27+nseg]
	n := 0
	for _, s := range segs {
		n += int(s)
		if s < 255 {
			break
		}
	}
	start := 27 + nseg
	return data[start : start+n]
}

// exVideo builds an Enhanced RTMP video tag from the spec layout:
// [IsExHeader|FrameType|PacketType] FourCC [SI24 cts] body.
func exVideo(frameType FrameType, pt VideoPacketType, fourcc FourCC, cts []byte, body []byte) []byte {
	b := []byte{0x80 | byte(frameType)<<4 | byte(pt)}
	b = append(b, fourcc...)
	b = append(b, cts...)
	return append(b, body...)
}

// exAudio builds an Enhanced RTMP audio tag: [9<<4|PacketType] FourCC body.
func exAudio(pt AudioPacketType, fourcc FourCC, body []byte) []byte {
	b := []byte{0x90 | byte(pt)}
	b = append(b, fourcc...)
	return append(b, body...)
}

func u24(n int) []byte { return []byte{byte(n >> 16), byte(n >> 8), byte(n)} }

// firstSeqHeader returns the first video (or audio) body that is a sequence
// header in a legacy FLV.
func firstVideoSeqHeader(t testing.TB, tags []flv.Tag) []byte {
	t.Helper()
	for _, b := range tagsOfType(tags, flv.TagVideo) {
		if len(b) > 1 && b[1] == 0 {
			return b
		}
	}
	t.Fatal("no video sequence header")
	return nil
}
