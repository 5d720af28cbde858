package media

import (
	"errors"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/flv"
)

// No program available here emits aggregate messages, so this test builds
// one from the FLV tag layout (FLV v10.1 E.4.1: type, 24-bit size, 24-bit
// timestamp + extended byte, 24-bit stream id, body, 32-bit back pointer)
// around real tag bodies from an ffmpeg-made FLV.
func buildAggregate(tags []flv.Tag, tsBase uint32) []byte {
	var agg []byte
	for _, t := range tags {
		ts := tsBase + t.Timestamp
		n := len(t.Body)
		agg = append(agg, t.Type)
		agg = append(agg, u24(n)...)
		agg = append(agg, byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24))
		agg = append(agg, 0, 0, 0)
		agg = append(agg, t.Body...)
		p := 11 + n
		agg = append(agg, byte(p>>24), byte(p>>16), byte(p>>8), byte(p))
	}
	return agg
}

func TestAggregate(t *testing.T) {
	tags := loadTags(t, "avc_main_aac.flv")[:8]
	// Sub-message timestamps start at 0x01FFFF00 so the extended byte and
	// the carry into it are exercised.
	agg := buildAggregate(tags, 0x01FFFF00)
	const msgTS = 5000
	subs, err := DecodeAggregate(agg, msgTS)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != len(tags) {
		t.Fatalf("%d sub-messages, want %d", len(subs), len(tags))
	}
	for i, s := range subs {
		if uint8(s.TypeID) != tags[i].Type || s.Size != len(tags[i].Body) || !s.BackPointerOK || s.Err != nil {
			t.Fatalf("sub %d: %+v", i, s)
		}
		if want := msgTS + tags[i].Timestamp - tags[0].Timestamp; s.Timestamp != want {
			t.Errorf("sub %d timestamp %d, want %d", i, s.Timestamp, want)
		}
		if s.RawTimestamp != 0x01FFFF00+tags[i].Timestamp {
			t.Errorf("sub %d raw timestamp %#x", i, s.RawTimestamp)
		}
		switch s.TypeID {
		case event.TypeAudio:
			if s.Audio == nil || s.Audio.Codec != "AAC" {
				t.Errorf("sub %d: %+v", i, s.Audio)
			}
		case event.TypeVideo:
			if s.Video == nil || s.Video.Codec != "AVC" {
				t.Errorf("sub %d: %+v", i, s.Video)
			}
		case event.TypeDataAMF0:
			if s.Audio != nil || s.Video != nil || len(s.Body) != s.Size {
				t.Errorf("data sub %d decoded: %+v", i, s)
			}
		}
		t.Log(s.Summary())
	}

	// Missing final back pointer is accepted; a cut body is a truncation
	// at the body's offset.
	if subs, err := DecodeAggregate(agg[:len(agg)-4], msgTS); err != nil || len(subs) != len(tags) || subs[len(subs)-1].BackPointerOK {
		t.Errorf("no final back pointer: %v", err)
	}
	cut := len(agg) - 4 - len(tags[len(tags)-1].Body) + 3
	subs, err = DecodeAggregate(agg[:cut], msgTS)
	var e *Error
	if !errors.Is(err, ErrTruncated) || !errors.As(err, &e) || e.Offset != subs[len(subs)-1].Offset+11 {
		t.Errorf("cut body: %v", err)
	}
	for n := 0; n <= len(agg); n += 7 {
		_, err := DecodeAggregate(agg[:n], 0)
		checkErr(t, err, n)
	}
}
