package displayfilter

import (
	"reflect"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/media"
)

// TestMediaFastPathShapes holds the hand-built audio/video objects to the
// JSON export for shapes the committed captures lack (Enhanced RTMP coded
// frames, legacy codecs without a header decoder, silence). The values are
// arbitrary: only the agreement of the two forms is under test.
func TestMediaFastPathShapes(t *testing.T) {
	videos := []media.Video{
		{Enhanced: true, FrameType: media.FrameKey, Codec: "HEVC", VideoPayload: media.VideoPayload{FourCC: media.FourCCHEVC, PacketType: 1, CompositionTime: -40, NALUTypes: []uint8{19, 1}, UnitCount: 2, DataOffset: 8, DataLen: 100}},
		{Enhanced: true, FrameType: media.FrameInter, Codec: "AV1", VideoPayload: media.VideoPayload{FourCC: media.FourCCAV1, PacketType: 3, OBUTypes: []uint8{2, 6}, UnitCount: 2, DataOffset: 5, DataLen: 9}},
		{FrameType: media.FrameDisposable, CodecID: media.CodecVP6, Codec: "On2 VP6", VideoPayload: media.VideoPayload{DataOffset: 2, DataLen: 3}},
		{FrameType: media.FrameGeneratedKey, CodecID: 0, Codec: "reserved (0)"},
	}
	for i := range videos {
		if got, want := normalize(videoValue(&videos[i])), normalize(toJSONValue(&videos[i])); !reflect.DeepEqual(got, want) {
			t.Errorf("video %d: fast %v, JSON %v", i, got, want)
		}
	}
	audios := []media.Audio{
		{Silence: true, Codec: "silence"},
		{Enhanced: true, SoundFormat: media.SoundExHeader, Codec: "Opus", SampleRate: 48000, Channels: 2, AudioPayload: media.AudioPayload{FourCC: media.FourCCOpus, PacketType: 1, DataOffset: 5, DataLen: 7}},
		{SoundFormat: media.SoundG711MuLaw, Codec: "G.711 mu-law", SoundRate: 1, SoundType: 0, SampleRate: 8000, BitsPerSample: 16, Channels: 1, AudioPayload: media.AudioPayload{PacketType: 1, DataOffset: 1, DataLen: 160}},
	}
	for i := range audios {
		if got, want := normalize(audioValue(&audios[i])), normalize(toJSONValue(&audios[i])); !reflect.DeepEqual(got, want) {
			t.Errorf("audio %d: fast %v, JSON %v", i, got, want)
		}
	}
}
