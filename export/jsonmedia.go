package export

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/media"
)

// Audio and video bodies are most of an NDJSON export's lines. The common
// shape — one coded frame of a legacy or Enhanced RTMP stream, no codec
// configuration, no multitrack, no modifiers — is written here by hand,
// field for field as media's MarshalJSON (through encoding/json) writes it;
// every other shape goes through MarshalJSON.
//
// The hand-written form knows the fields of media.Audio and media.Video as
// they are declared now. mediaFastPath compares that knowledge with the
// types themselves when the program starts: a field added, removed or
// renamed in dissect/media turns the fast path off (the output stays
// right, only slower) and TestMediaFastPathCurrent fails until this file is
// brought up to date.

// The JSON fields, in declaration order, that the writers below handle.
var (
	audioFields = []string{"sound_format", "codec", "sound_rate", "sound_size", "sound_type", "sample_rate", "bits_per_sample",
		"channels", "from_config", "silence", "enhanced", "modex", "multitrack", "tracks",
		"fourcc", "packet_type", "aac_config", "mp3", "opus_header", "flac_streaminfo", "multichannel", "data_offset", "data_len", "-"}
	videoFields = []string{"enhanced", "frame_type", "codec_id", "codec", "command", "modex", "multitrack", "tracks",
		"fourcc", "packet_type", "composition_time", "avc_config", "hevc_config", "av1_config", "vp_config", "vvc_config",
		"nalu_types", "obu_types", "unit_count", "h263", "vp6", "screen", "data_offset", "data_len", "-"}
)

// mediaFastPath is true when audioFields and videoFields still describe
// media.Audio and media.Video.
var mediaFastPath = sameFields(reflect.TypeFor[media.Audio](), audioFields) && sameFields(reflect.TypeFor[media.Video](), videoFields)

// jsonFields lists t's JSON field names in declaration order, embedded
// structs inlined.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

func sameFields(t reflect.Type, want []string) bool {
	got := jsonFields(t)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// appendAudio appends a's JSON; ok is false when a is not of the shape
// written by hand (the caller then uses MarshalJSON).
func appendAudio(b []byte, a *media.Audio) ([]byte, bool) {
	if !mediaFastPath || a.ModEx != nil || a.Multitrack != nil || a.Tracks != nil || a.AAC != nil || a.MP3 != nil ||
		a.Opus != nil || a.FLAC != nil || a.Multichannel != nil {
		return b, false
	}
	b = append(b, `{"codec":`...)
	b = appendJSONString(b, a.CodecKey())
	b = append(b, `,"codec_name":`...)
	b = appendJSONString(b, a.Codec)
	b = append(b, `,"sound_format":`...)
	b = appendJSONString(b, a.SoundFormat.String())
	b = append(b, `,"sound_rate":`...)
	b = strconv.AppendUint(b, uint64(a.SoundRate), 10)
	b = append(b, `,"sound_size":`...)
	b = strconv.AppendUint(b, uint64(a.SoundSize), 10)
	b = append(b, `,"sound_type":`...)
	b = strconv.AppendUint(b, uint64(a.SoundType), 10)
	b = appendIntOmit(b, `,"sample_rate":`, a.SampleRate)
	b = appendIntOmit(b, `,"bits_per_sample":`, a.BitsPerSample)
	b = appendIntOmit(b, `,"channels":`, a.Channels)
	b = appendTrueOmit(b, `,"from_config":true`, a.FromConfig)
	b = appendTrueOmit(b, `,"silence":true`, a.Silence)
	b = appendTrueOmit(b, `,"enhanced":true`, a.Enhanced)
	if a.FourCC != "" {
		b = append(b, `,"fourcc":`...)
		b = appendJSONString(b, string(a.FourCC))
	}
	b = append(b, `,"packet_type":`...)
	b = appendJSONString(b, a.PacketType.String())
	b = append(b, `,"data_offset":`...)
	b = strconv.AppendInt(b, int64(a.DataOffset), 10)
	b = append(b, `,"data_len":`...)
	b = strconv.AppendInt(b, int64(a.DataLen), 10)
	return append(b, '}'), true
}

// appendVideo appends v's JSON; ok is false when v is not of the shape
// written by hand.
func appendVideo(b []byte, v *media.Video) ([]byte, bool) {
	if !mediaFastPath || v.Command != nil || v.ModEx != nil || v.Multitrack != nil || v.Tracks != nil ||
		v.AVC != nil || v.HEVC != nil || v.AV1 != nil || v.VP != nil || v.VVC != nil || v.H263 != nil || v.VP6 != nil || v.Screen != nil {
		return b, false
	}
	b = append(b, `{"keyframe":`...)
	b = strconv.AppendBool(b, v.Keyframe())
	b = append(b, `,"codec":`...)
	b = appendJSONString(b, v.CodecKey())
	b = append(b, `,"codec_name":`...)
	b = appendJSONString(b, v.Codec)
	b = appendTrueOmit(b, `,"enhanced":true`, v.Enhanced)
	b = append(b, `,"frame_type":`...)
	b = appendJSONString(b, v.FrameType.String())
	if v.CodecID != 0 {
		b = append(b, `,"codec_id":`...)
		b = appendJSONString(b, v.CodecID.String())
	}
	if v.FourCC != "" {
		b = append(b, `,"fourcc":`...)
		b = appendJSONString(b, string(v.FourCC))
	}
	b = append(b, `,"packet_type":`...)
	b = appendJSONString(b, v.PacketType.String())
	b = append(b, `,"composition_time":`...)
	b = strconv.AppendInt(b, int64(v.CompositionTime), 10)
	b = appendIntOmit(b, `,"unit_count":`, v.UnitCount)
	b = append(b, `,"data_offset":`...)
	b = strconv.AppendInt(b, int64(v.DataOffset), 10)
	b = append(b, `,"data_len":`...)
	b = strconv.AppendInt(b, int64(v.DataLen), 10)
	b = appendUnits(b, `,"nalu_types":[`, v.NALUTypes)
	b = appendUnits(b, `,"obu_types":[`, v.OBUTypes)
	return append(b, '}'), true
}

func appendIntOmit(b []byte, key string, v int) []byte {
	if v == 0 {
		return b
	}
	b = append(b, key...)
	return strconv.AppendInt(b, int64(v), 10)
}

func appendTrueOmit(b []byte, field string, v bool) []byte {
	if v {
		b = append(b, field...)
	}
	return b
}

func appendUnits(b []byte, key string, units []uint8) []byte {
	if len(units) == 0 {
		return b
	}
	b = append(b, key...)
	for i, u := range units {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(u), 10)
	}
	return append(b, ']')
}
