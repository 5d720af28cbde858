package media

import (
	"encoding/json"
	"strconv"
)

// The JSON form of audio and video bodies is part of rtmpscope's NDJSON
// export (docs/json-schema.md) and of the names display filters use
// (docs/display-filters.md). It adds machine-friendly fields to the
// struct's own tags:
//
//   - codec: a stable, filterable codec id — the FourCC for everything that
//     has one (avc1, hvc1, av01, vp09, mp4a, .mp3, Opus, fLaC, ...), legacy
//     FLV AVC/HEVC/AV1 included, and a lowercase name for legacy codecs that
//     have none (h263, vp6, pcm, nellymoser, ...);
//   - (unchanged) video codec_id and audio sound_format: the name of the
//     legacy FLV CodecID / SoundFormat; codec_id is absent in Enhanced RTMP
//     video, whose id is the FourCC;
//   - codec_name: the human name ("AVC", "Sorenson H.263", ...);
//   - keyframe (video): frame type 1 (keyframe) or 4 (generated keyframe);
//   - nalu_types / obu_types as arrays of numbers, not base64.

// legacyVideoCodecs is the codec id of each legacy FLV video CodecID.
var legacyVideoCodecs = map[CodecID]string{
	1: "jpeg", CodecH263: "h263", CodecScreen: "screen", CodecVP6: "vp6", CodecVP6Alpha: "vp6a",
	CodecScreenV2: "screen2", CodecAVC: string(FourCCAVC), CodecHEVC: string(FourCCHEVC), CodecAV1: string(FourCCAV1),
}

// legacyAudioCodecs is the codec id of each legacy FLV SoundFormat.
var legacyAudioCodecs = [16]string{
	"pcm", "adpcm", string(FourCCMP3), "pcm_le", "nellymoser_16k", "nellymoser_8k", "nellymoser", "alaw",
	"ulaw", "exheader", string(FourCCAAC), "speex", "reserved_12", "reserved_13", string(FourCCMP3), "device",
}

// CodecKey is the video codec's machine id as the JSON "codec" field has it.
func (v *Video) CodecKey() string {
	switch {
	case v.Multitrack != nil && len(v.Tracks) > 0:
		return string(v.Tracks[0].FourCC)
	case v.Multitrack != nil:
		return "multitrack"
	case v.FourCC != "":
		return string(v.FourCC)
	case !v.Enhanced:
		if s, ok := legacyVideoCodecs[v.CodecID]; ok {
			return s
		}
		return "reserved_" + strconv.Itoa(int(v.CodecID))
	case v.Command != nil:
		return "command"
	}
	return ""
}

// CodecKey is the audio codec's machine id as the JSON "codec" field has it.
func (a *Audio) CodecKey() string {
	switch {
	case a.Silence:
		return "silence"
	case a.Multitrack != nil && len(a.Tracks) > 0:
		return string(a.Tracks[0].FourCC)
	case a.Multitrack != nil:
		return "multitrack"
	case a.FourCC != "":
		return string(a.FourCC)
	}
	return legacyAudioCodecs[a.SoundFormat&15]
}

// MarshalJSON adds codec, codec_name and keyframe to the struct's own
// fields (see the comment at the top of this file).
func (v Video) MarshalJSON() ([]byte, error) {
	type plain Video // the fields without this method
	return json.Marshal(struct {
		Keyframe  bool   `json:"keyframe"`
		Codec     string `json:"codec"`
		CodecName string `json:"codec_name"`
		plain
		NALUTypes []int `json:"nalu_types,omitempty"`
		OBUTypes  []int `json:"obu_types,omitempty"`
	}{v.Keyframe(), v.CodecKey(), v.Codec, plain(v), ints(v.NALUTypes), ints(v.OBUTypes)})
}

// MarshalJSON writes unit types as numbers and the track's codec id.
func (t VideoTrack) MarshalJSON() ([]byte, error) {
	type plain VideoTrack
	return json.Marshal(struct {
		Codec string `json:"codec"`
		plain
		NALUTypes []int `json:"nalu_types,omitempty"`
		OBUTypes  []int `json:"obu_types,omitempty"`
	}{string(t.FourCC), plain(t), ints(t.NALUTypes), ints(t.OBUTypes)})
}

// MarshalJSON adds codec and codec_name to the struct's own fields.
func (a Audio) MarshalJSON() ([]byte, error) {
	type plain Audio
	return json.Marshal(struct {
		Codec     string `json:"codec"`
		CodecName string `json:"codec_name"`
		plain
	}{a.CodecKey(), a.Codec, plain(a)})
}

// MarshalJSON adds the track's codec id.
func (t AudioTrack) MarshalJSON() ([]byte, error) {
	type plain AudioTrack
	return json.Marshal(struct {
		Codec string `json:"codec"`
		plain
	}{string(t.FourCC), plain(t)})
}

// ints widens bytes so encoding/json writes numbers, not base64.
func ints(b []uint8) []int {
	if len(b) == 0 {
		return nil
	}
	out := make([]int, len(b))
	for i, x := range b {
		out[i] = int(x)
	}
	return out
}
