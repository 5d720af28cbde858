package extract_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/extract"
	"github.com/rtmpscope/rtmpscope/export/flv"
)

// The real captures (cmd/rtmpscope/extract_test.go) have no aggregate
// messages: no program here sends them. These tests build records from
// bytes laid out as the FLV and RTMP specifications describe.

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func msg(dir event.Dir, msid uint32, typ uint8, ts uint32, body []byte) session.Record {
	m := &event.Message{Dir: dir, MSID: msid, TypeID: event.MsgType(typ), Timestamp: ts, Length: uint32(len(body)), Body: body, Time: t0}
	return session.Record{
		Event: event.Event{Kind: event.KindMessage, ConnID: 1, Dir: dir, HasDir: true, Time: t0, Message: m},
		Body:  decode.Message(m),
	}
}

func userControl(ev uint16, msid uint32) session.Record {
	m := &event.Message{Dir: event.S2C, TypeID: 4, Time: t0,
		UserControl: &event.UserControl{Event: ev, StreamID: msid, Known: true}}
	return session.Record{Event: event.Event{Kind: event.KindMessage, ConnID: 1, Dir: m.Dir, HasDir: true, Time: t0, Message: m}}
}

// aggregate lays out sub-messages as FLV tags: type, 24-bit size, 24-bit
// timestamp + extended byte, 24-bit stream id 0, body, back pointer.
func aggregate(subs ...sub) []byte {
	var b []byte
	for _, s := range subs {
		n := len(s.body)
		b = append(b, s.typ, byte(n>>16), byte(n>>8), byte(n),
			byte(s.ts>>16), byte(s.ts>>8), byte(s.ts), byte(s.ts>>24), 0, 0, 0)
		b = append(b, s.body...)
		b = binary.BigEndian.AppendUint32(b, uint32(11+n))
	}
	return b
}

type sub struct {
	typ  uint8
	ts   uint32
	body []byte
}

var (
	avcKey   = []byte{0x17, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88}
	avcInter = []byte{0x27, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x41, 0x9a}
	aacRaw   = []byte{0xaf, 0x01, 0x21, 0x10}
)

func run(t *testing.T, mode extract.TimestampMode, recs ...session.Record) (string, []extract.ExtractedFile) {
	t.Helper()
	dir := t.TempDir()
	var files []extract.ExtractedFile
	x := extract.NewExtractor(extract.ExtractOptions{Dir: dir, Prefix: "t", Timestamps: mode,
		OnFile: func(f extract.ExtractedFile) { files = append(files, f) }})
	for _, r := range recs {
		x.Add(r)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func read(t *testing.T, path string) (uint8, []flv.Tag) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, tags, err := flv.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return flags, tags
}

// TestExtractAggregate: an aggregate's sub-messages become tags whose
// timestamps are the aggregate's plus each one's offset from the first
// (RTMP spec 7.1.6), and their bodies are copied unchanged.
func TestExtractAggregate(t *testing.T) {
	agg := aggregate(sub{9, 500, avcKey}, sub{8, 523, aacRaw}, sub{9, 540, avcInter})
	dir, files := run(t, extract.Absolute, msg(event.C2S, 1, 22, 10000, agg))
	if len(files) != 1 || files[0].Path != filepath.Join(dir, "t-c1-c2s-1.flv") {
		t.Fatalf("files %+v", files)
	}
	_, tags := read(t, files[0].Path)
	want := []struct {
		typ  uint8
		ts   uint32
		body []byte
	}{{9, 10000, avcKey}, {8, 10023, aacRaw}, {9, 10040, avcInter}}
	if len(tags) != len(want) {
		t.Fatalf("%d tags", len(tags))
	}
	for i, w := range want {
		if tags[i].Type != w.typ || tags[i].Timestamp != w.ts || !bytes.Equal(tags[i].Body, w.body) {
			t.Errorf("tag %d: type %d ts %d % x", i, tags[i].Type, tags[i].Timestamp, tags[i].Body)
		}
	}
	if f := files[0]; f.VideoTags != 2 || f.AudioTags != 1 || f.DurationMS != 40 || f.FirstTS != 10000 {
		t.Errorf("summary %+v", f)
	}
}

// TestExtractStreamEOF: Stream EOF closes a played stream's file; media on
// the same message stream afterwards starts a second file. Timestamps are
// rebased on each file's first coded frame; the sequence header before it
// goes to 0, as ffmpeg writes it.
func TestExtractStreamEOF(t *testing.T) {
	s2c := event.S2C
	seq := []byte{0x17, 0x00, 0, 0, 0, 1, 0x42, 0xc0, 0x0d, 0xff, 0xe0, 0x00} // avcC without SPS/PPS
	dir, files := run(t, extract.Rebase,
		msg(s2c, 1, 9, 1983, seq),
		msg(s2c, 1, 8, 1983, nil), // nginx's empty audio message
		msg(s2c, 1, 9, 2023, avcKey),
		msg(s2c, 1, 9, 2063, avcInter),
		userControl(event.UCStreamEOF, 1),
		msg(s2c, 1, 9, 5000, avcKey),
	)
	if len(files) != 2 || files[1].Path != filepath.Join(dir, "t-c1-s2c-1-2.flv") {
		t.Fatalf("files %+v", files)
	}
	flags, tags := read(t, files[0].Path)
	if flags != flv.FlagVideo {
		t.Errorf("video-only file announces %#x", flags)
	}
	var ts []uint32
	for _, tg := range tags {
		ts = append(ts, tg.Timestamp)
	}
	if len(ts) != 3 || ts[0] != 0 || ts[1] != 0 || ts[2] != 40 {
		t.Errorf("timestamps %v, want [0 0 40]", ts)
	}
	if files[0].Skipped != 1 || files[0].Role() != "play" {
		t.Errorf("summary %+v", files[0])
	}
	if _, tags := read(t, files[1].Path); len(tags) != 1 || tags[0].Timestamp != 0 {
		t.Errorf("second file: %d tags", len(tags))
	}
}

// TestExtractSetDataFrame: a publisher's @setDataFrame becomes the file's
// onMetaData script tag, without the @setDataFrame string; audio-only
// streams announce only audio.
func TestExtractSetDataFrame(t *testing.T) {
	meta := []byte{2, 0, 13}
	meta = append(meta, "@setDataFrame"...)
	inner := []byte{2, 0, 10}
	inner = append(inner, "onMetaData"...)
	inner = append(inner, 8, 0, 0, 0, 1, 0, 8)
	inner = append(inner, "duration"...)
	inner = append(inner, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9)
	meta = append(meta, inner...)
	c2s := event.C2S
	_, files := run(t, extract.Absolute, msg(c2s, 1, 18, 0, meta), msg(c2s, 1, 8, 0, aacRaw), msg(c2s, 1, 8, 23, aacRaw))
	if len(files) != 1 {
		t.Fatalf("files %+v", files)
	}
	flags, tags := read(t, files[0].Path)
	if flags != flv.FlagAudio {
		t.Errorf("flags %#x", flags)
	}
	if len(tags) != 3 || tags[0].Type != flv.TagScript || !bytes.HasPrefix(tags[0].Body, inner[:13]) {
		t.Fatalf("tags %+v", tags)
	}
	// Its duration is what the file holds (metadata.go), not the 0 sent.
	if vals, err := amf.DecodeAll(tags[0].Body, 0, amf.Options{}); err != nil || vals[1].Props[0].Key != "duration" || vals[1].Props[0].Value.Num != 0.023 {
		t.Errorf("onMetaData %v %v", vals, err)
	}
}

// FuzzExtract feeds arbitrary bodies as audio, video, data and aggregate
// messages: the extractor must not panic, and whatever it writes must read
// back as FLV.
func FuzzExtract(f *testing.F) {
	f.Add(uint8(22), aggregate(sub{9, 500, avcKey}, sub{8, 523, aacRaw}))
	f.Add(uint8(9), avcKey)
	f.Add(uint8(8), aacRaw)
	f.Add(uint8(18), []byte{2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 8, 0, 0, 0, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		dir := t.TempDir()
		var files []extract.ExtractedFile
		x := extract.NewExtractor(extract.ExtractOptions{Dir: dir, Prefix: "f", OnFile: func(e extract.ExtractedFile) { files = append(files, e) }})
		for i, ts := range []uint32{0, 40, 20, 1 << 31} {
			x.Add(msg(event.Dir(i&1), 1, typ%32, ts, body))
		}
		x.Add(userControl(event.UCStreamEOF, 1))
		if err := x.Close(); err != nil {
			t.Fatal(err)
		}
		for _, e := range files {
			if _, tags := read(t, e.Path); int64(len(tags)) != e.Tags {
				t.Fatalf("%s: %d tags read, %d written", e.Path, len(tags), e.Tags)
			}
		}
	})
}
