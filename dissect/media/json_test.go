package media

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCodecKeys checks the filterable codec ids against the FLV and
// Enhanced RTMP specifications' code points.
func TestCodecKeys(t *testing.T) {
	for _, c := range []struct {
		v    Video
		want string
	}{
		{Video{CodecID: CodecH263}, "h263"},
		{Video{CodecID: CodecVP6}, "vp6"},
		{Video{CodecID: CodecVP6Alpha}, "vp6a"},
		{Video{CodecID: CodecAVC, VideoPayload: VideoPayload{FourCC: FourCCAVC}}, "avc1"},
		{Video{CodecID: CodecAVC}, "avc1"},
		{Video{CodecID: CodecHEVC}, "hvc1"},
		{Video{CodecID: 9}, "reserved_9"},
		{Video{Enhanced: true, VideoPayload: VideoPayload{FourCC: FourCCVP9}}, "vp09"},
		{Video{Enhanced: true, Multitrack: new(MultitrackType), Tracks: []VideoTrack{{VideoPayload: VideoPayload{FourCC: FourCCAV1}}}}, "av01"},
	} {
		if got := c.v.CodecKey(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.v, got, c.want)
		}
	}
	for f, want := range map[SoundFormat]string{SoundLPCMPlatform: "pcm", SoundMP3: ".mp3", SoundMP38k: ".mp3",
		SoundAAC: "mp4a", SoundG711ALaw: "alaw", SoundG711MuLaw: "ulaw", SoundSpeex: "speex", SoundNellymoser8k: "nellymoser_8k"} {
		if got := (&Audio{SoundFormat: f}).CodecKey(); got != want {
			t.Errorf("sound format %d: %q, want %q", f, got, want)
		}
	}
	if got := (&Audio{Silence: true}).CodecKey(); got != "silence" {
		t.Errorf("silence: %q", got)
	}
}

// TestJSONAddedFields checks what MarshalJSON adds to the struct's fields.
func TestJSONAddedFields(t *testing.T) {
	v := Video{FrameType: FrameKey, CodecID: CodecAVC, Codec: "AVC", VideoPayload: VideoPayload{FourCC: FourCCAVC, NALUTypes: []uint8{6, 5}}}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"keyframe":true`, `"codec":"avc1"`, `"codec_name":"AVC"`, `"codec_id":"AVC"`, `"nalu_types":[6,5]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %s in %s", want, b)
		}
	}
	if strings.Count(string(b), `"codec":`) != 1 || strings.Count(string(b), `"nalu_types":`) != 1 {
		t.Errorf("duplicate keys in %s", b)
	}
	tr := VideoTrack{TrackID: 1, VideoPayload: VideoPayload{FourCC: FourCCHEVC, NALUTypes: []uint8{1}}}
	b, _ = json.Marshal(Video{Enhanced: true, Multitrack: new(MultitrackType), Tracks: []VideoTrack{tr}})
	if !strings.Contains(string(b), `"tracks":[{"codec":"hvc1","track_id":1`) || !strings.Contains(string(b), `"nalu_types":[1]`) {
		t.Errorf("track: %s", b)
	}
	b, _ = json.Marshal(Audio{SoundFormat: SoundAAC, Codec: "AAC"})
	if !strings.HasPrefix(string(b), `{"codec":"mp4a","codec_name":"AAC","sound_format":"AAC"`) {
		t.Errorf("audio: %s", b)
	}
}
