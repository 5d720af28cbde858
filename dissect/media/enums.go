package media

import (
	"fmt"
	"strconv"
)

// FourCC is an Enhanced RTMP codec identifier, four ASCII bytes on the wire.
type FourCC string

// FourCCs defined by Enhanced RTMP v1/v2.
const (
	FourCCAVC  FourCC = "avc1"
	FourCCHEVC FourCC = "hvc1"
	FourCCVVC  FourCC = "vvc1"
	FourCCAV1  FourCC = "av01"
	FourCCVP8  FourCC = "vp08"
	FourCCVP9  FourCC = "vp09"
	FourCCOpus FourCC = "Opus"
	FourCCFLAC FourCC = "fLaC"
	FourCCAC3  FourCC = "ac-3"
	FourCCEAC3 FourCC = "ec-3"
	FourCCAAC  FourCC = "mp4a"
	FourCCMP3  FourCC = ".mp3"
)

var fourCCNames = map[FourCC]string{
	FourCCAVC: "AVC", FourCCHEVC: "HEVC", FourCCVVC: "VVC", FourCCAV1: "AV1", FourCCVP8: "VP8",
	FourCCVP9: "VP9", FourCCOpus: "Opus", FourCCFLAC: "FLAC", FourCCAC3: "AC-3", FourCCEAC3: "E-AC-3",
	FourCCAAC: "AAC", FourCCMP3: "MP3",
}

// Known reports whether f is a FourCC the specification defines.
func (f FourCC) Known() bool { _, ok := fourCCNames[f]; return ok }

// CodecName is the human name of the codec, or the quoted FourCC.
func (f FourCC) CodecName() string {
	if n, ok := fourCCNames[f]; ok {
		return n
	}
	return fmt.Sprintf("%q", string(f))
}

func fourCCFrom(b []byte) FourCC {
	// Unprintable bytes are escaped so the value stays valid in JSON and text.
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return FourCC(fmt.Sprintf("0x%08x", be32(b)))
		}
	}
	return FourCC(b)
}

// SoundFormat is the legacy FLV SoundFormat (UB[4]).
type SoundFormat uint8

// SoundFormat values (FLV v10.1 E.4.2.1, E-RTMP ExHeader).
const (
	SoundLPCMPlatform  SoundFormat = 0
	SoundADPCM         SoundFormat = 1
	SoundMP3           SoundFormat = 2
	SoundLPCMLE        SoundFormat = 3
	SoundNellymoser16k SoundFormat = 4
	SoundNellymoser8k  SoundFormat = 5
	SoundNellymoser    SoundFormat = 6
	SoundG711ALaw      SoundFormat = 7
	SoundG711MuLaw     SoundFormat = 8
	SoundExHeader      SoundFormat = 9
	SoundAAC           SoundFormat = 10
	SoundSpeex         SoundFormat = 11
	SoundMP38k         SoundFormat = 14
	SoundDevice        SoundFormat = 15
)

var soundFormatNames = [16]string{
	"Linear PCM, platform endian", "ADPCM", "MP3", "Linear PCM, little endian",
	"Nellymoser 16 kHz mono", "Nellymoser 8 kHz mono", "Nellymoser", "G.711 A-law",
	"G.711 mu-law", "ExHeader", "AAC", "Speex", "reserved (12)", "reserved (13)",
	"MP3 8 kHz", "Device-specific sound",
}

func (f SoundFormat) String() string { return soundFormatNames[f&15] }

// MarshalText emits the name, so JSON reads "AAC" rather than 10.
func (f SoundFormat) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// AudioPacketType is the E-RTMP AudioPacketType; legacy AACPacketType 0/1
// share its values (sequence header / raw).
type AudioPacketType uint8

// AudioPacketType values.
const (
	AudioSequenceStart      AudioPacketType = 0
	AudioCodedFrames        AudioPacketType = 1
	AudioSequenceEnd        AudioPacketType = 2
	AudioMultichannelConfig AudioPacketType = 4
	AudioMultitrack         AudioPacketType = 5
	AudioModEx              AudioPacketType = 7
)

func (t AudioPacketType) String() string {
	switch t {
	case AudioSequenceStart:
		return "SequenceStart"
	case AudioCodedFrames:
		return "CodedFrames"
	case AudioSequenceEnd:
		return "SequenceEnd"
	case AudioMultichannelConfig:
		return "MultichannelConfig"
	case AudioMultitrack:
		return "Multitrack"
	case AudioModEx:
		return "ModEx"
	}
	return fmt.Sprintf("reserved (%d)", uint8(t))
}

// MarshalText emits the name.
func (t AudioPacketType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// VideoPacketType is the E-RTMP VideoPacketType; legacy AVCPacketType 0/1/2
// share its values.
type VideoPacketType uint8

// VideoPacketType values.
const (
	VideoSequenceStart        VideoPacketType = 0
	VideoCodedFrames          VideoPacketType = 1
	VideoSequenceEnd          VideoPacketType = 2
	VideoCodedFramesX         VideoPacketType = 3
	VideoMetadata             VideoPacketType = 4
	VideoMPEG2TSSequenceStart VideoPacketType = 5
	VideoMultitrack           VideoPacketType = 6
	VideoModEx                VideoPacketType = 7
)

var videoPacketTypeNames = [...]string{"SequenceStart", "CodedFrames", "SequenceEnd", "CodedFramesX",
	"Metadata", "MPEG2TSSequenceStart", "Multitrack", "ModEx"}

func (t VideoPacketType) String() string {
	if int(t) < len(videoPacketTypeNames) {
		return videoPacketTypeNames[t]
	}
	return fmt.Sprintf("reserved (%d)", uint8(t))
}

// MarshalText emits the name.
func (t VideoPacketType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// FrameType is the video FrameType (UB[3]).
type FrameType uint8

// FrameType values.
const (
	FrameKey          FrameType = 1
	FrameInter        FrameType = 2
	FrameDisposable   FrameType = 3
	FrameGeneratedKey FrameType = 4
	FrameCommand      FrameType = 5
)

var frameTypeNames = [8]string{"reserved (0)", "keyframe", "inter frame", "disposable inter frame",
	"generated keyframe", "video info/command frame", "reserved (6)", "reserved (7)"}

func (t FrameType) String() string { return frameTypeNames[t&7] }

// MarshalText emits the name.
func (t FrameType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// CodecID is the legacy FLV video CodecID (UB[4]).
type CodecID uint8

// CodecID values, including the non-standard 12 and 13 some servers use.
const (
	CodecH263     CodecID = 2
	CodecScreen   CodecID = 3
	CodecVP6      CodecID = 4
	CodecVP6Alpha CodecID = 5
	CodecScreenV2 CodecID = 6
	CodecAVC      CodecID = 7
	CodecHEVC     CodecID = 12
	CodecAV1      CodecID = 13
)

func (c CodecID) String() string {
	switch c {
	case 1:
		return "JPEG"
	case CodecH263:
		return "Sorenson H.263"
	case CodecScreen:
		return "Screen video"
	case CodecVP6:
		return "On2 VP6"
	case CodecVP6Alpha:
		return "On2 VP6 with alpha"
	case CodecScreenV2:
		return "Screen video v2"
	case CodecAVC:
		return "AVC"
	case CodecHEVC:
		return "HEVC"
	case CodecAV1:
		return "AV1"
	}
	return fmt.Sprintf("reserved (%d)", uint8(c))
}

// MarshalText emits the name.
func (c CodecID) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// MultitrackType is the E-RTMP AvMultitrackType.
type MultitrackType uint8

// MultitrackType values.
const (
	OneTrack             MultitrackType = 0
	ManyTracks           MultitrackType = 1
	ManyTracksManyCodecs MultitrackType = 2
)

func (t MultitrackType) String() string {
	switch t {
	case OneTrack:
		return "OneTrack"
	case ManyTracks:
		return "ManyTracks"
	case ManyTracksManyCodecs:
		return "ManyTracksManyCodecs"
	}
	return fmt.Sprintf("reserved (%d)", uint8(t))
}

// MarshalText emits the name.
func (t MultitrackType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ModEx is one E-RTMP packet modifier extension.
type ModEx struct {
	Type                uint8  `json:"type"` // 0 = TimestampOffsetNano
	DataLen             int    `json:"data_len"`
	TimestampOffsetNano uint32 `json:"timestamp_offset_nano,omitempty"`
	Data                []byte `json:"-"`
}

// readModEx reads ModEx blocks while pt (the low nibble just read) is ModEx.
// off points just after the byte holding pt. It returns the final packet
// type and the new offset.
func readModEx(buf []byte, off int, pt uint8, modex uint8, dst *[]ModEx) (uint8, int, error) {
	for pt == modex {
		if len(*dst) >= 16 {
			return pt, off, invalid(off, "ModEx", "more than 16 modifiers")
		}
		if off >= len(buf) {
			return pt, off, truncated(off, "ModEx data size")
		}
		size := int(buf[off]) + 1
		off++
		if size == 256 {
			if off+2 > len(buf) {
				return pt, off, truncated(off, "ModEx 16-bit data size")
			}
			size = int(be16(buf[off:])) + 1
			off += 2
		}
		if off+size > len(buf) {
			return pt, off, truncated(off, "ModEx data")
		}
		m := ModEx{DataLen: size, Data: buf[off : off+size]}
		off += size
		if off >= len(buf) {
			return pt, off, truncated(off, "ModEx type")
		}
		m.Type = buf[off] >> 4
		pt = buf[off] & 15
		off++
		if m.Type == 0 {
			if size < 3 {
				*dst = append(*dst, m)
				return pt, off, invalid(off-1-size, "TimestampOffsetNano", "needs 3 bytes, has %d", size)
			}
			m.TimestampOffsetNano = be24(m.Data)
		}
		*dst = append(*dst, m)
	}
	return pt, off, nil
}

// appendModEx appends the modifiers of a summary: " +500ns", " modex1".
func appendModEx(dst []byte, m []ModEx) []byte {
	for _, x := range m {
		if x.Type == 0 {
			dst = append(dst, " +"...)
			dst = strconv.AppendUint(dst, uint64(x.TimestampOffsetNano), 10)
			dst = append(dst, "ns"...)
		} else {
			dst = append(dst, " modex"...)
			dst = strconv.AppendUint(dst, uint64(x.Type), 10)
		}
	}
	return dst
}
