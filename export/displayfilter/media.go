package displayfilter

import (
	"github.com/rtmpscope/rtmpscope/dissect/media"
)

// Audio and video messages are most of a capture, so their objects are
// built directly rather than through encoding/json (~30x faster). Only the
// plain shape of a coded frame is built here; a message with anything
// more (a codec configuration, ModEx, multitrack, a legacy codec header,
// a video command) falls back to the JSON form. The test
// TestFieldsAgreeWithJSON holds these maps to the JSON export.

func videoValue(v *media.Video) any {
	if v.Command != nil || v.ModEx != nil || v.Multitrack != nil || v.Tracks != nil || v.AVC != nil ||
		v.HEVC != nil || v.AV1 != nil || v.VP != nil || v.VVC != nil || v.H263 != nil || v.VP6 != nil || v.Screen != nil {
		return toJSONValue(v)
	}
	m := make(map[string]any, 14)
	m["keyframe"] = v.Keyframe()
	m["codec"] = v.CodecKey()
	m["codec_name"] = v.Codec
	m["frame_type"] = v.FrameType.String()
	if v.Enhanced {
		m["enhanced"] = true
	}
	if v.CodecID != 0 {
		m["codec_id"] = v.CodecID.String()
	}
	if v.FourCC != "" {
		m["fourcc"] = string(v.FourCC)
	}
	m["packet_type"] = v.PacketType.String()
	m["composition_time"] = v.CompositionTime
	if len(v.NALUTypes) > 0 {
		m["nalu_types"] = unitTypes(v.NALUTypes)
	}
	if len(v.OBUTypes) > 0 {
		m["obu_types"] = unitTypes(v.OBUTypes)
	}
	if v.UnitCount != 0 {
		m["unit_count"] = v.UnitCount
	}
	m["data_offset"] = v.DataOffset
	m["data_len"] = v.DataLen
	return m
}

func audioValue(a *media.Audio) any {
	if a.ModEx != nil || a.Multitrack != nil || a.Tracks != nil || a.AAC != nil || a.MP3 != nil ||
		a.Opus != nil || a.FLAC != nil || a.Multichannel != nil {
		return toJSONValue(a)
	}
	m := make(map[string]any, 14)
	m["codec"] = a.CodecKey()
	m["codec_name"] = a.Codec
	m["sound_format"] = a.SoundFormat.String()
	m["sound_rate"] = a.SoundRate
	m["sound_size"] = a.SoundSize
	m["sound_type"] = a.SoundType
	if a.SampleRate != 0 {
		m["sample_rate"] = a.SampleRate
	}
	if a.BitsPerSample != 0 {
		m["bits_per_sample"] = a.BitsPerSample
	}
	if a.Channels != 0 {
		m["channels"] = a.Channels
	}
	if a.FromConfig {
		m["from_config"] = true
	}
	if a.Silence {
		m["silence"] = true
	}
	if a.Enhanced {
		m["enhanced"] = true
	}
	if a.FourCC != "" {
		m["fourcc"] = string(a.FourCC)
	}
	m["packet_type"] = a.PacketType.String()
	m["data_offset"] = a.DataOffset
	m["data_len"] = a.DataLen
	return m
}

func unitTypes(b []uint8) []any {
	out := make([]any, len(b))
	for i, x := range b {
		out[i] = int(x)
	}
	return out
}
