package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// OpusHeader is the Opus identification header (RFC 7845 5.1, "OpusHead",
// little-endian) or the equivalent ISO-BMFF dOps box body (big-endian).
type OpusHeader struct {
	Form            string  `json:"form"` // "OpusHead" or "dOps"
	Version         uint8   `json:"version"`
	Channels        uint8   `json:"channels"`
	PreSkip         uint16  `json:"pre_skip"`
	InputSampleRate uint32  `json:"input_sample_rate"`
	OutputGain      int16   `json:"output_gain"` // Q7.8 dB
	MappingFamily   uint8   `json:"mapping_family"`
	StreamCount     uint8   `json:"stream_count,omitempty"`
	CoupledCount    uint8   `json:"coupled_count,omitempty"`
	ChannelMapping  []uint8 `json:"channel_mapping,omitempty"`
}

// DecodeOpusHeader decodes an OpusHead packet, or a dOps box body when the
// magic is absent.
func DecodeOpusHeader(buf []byte) (OpusHeader, error) {
	var h OpusHeader
	var order binary.ByteOrder = binary.LittleEndian
	off := 0
	h.Form = "OpusHead"
	if bytes.HasPrefix(buf, []byte("OpusHead")) {
		off = 8
	} else {
		h.Form = "dOps"
		order = binary.BigEndian
	}
	if len(buf) < off+11 {
		return h, truncated(len(buf), "Opus ID header")
	}
	b := buf[off:]
	h.Version = b[0]
	h.Channels = b[1]
	h.PreSkip = order.Uint16(b[2:])
	h.InputSampleRate = order.Uint32(b[4:])
	h.OutputGain = int16(order.Uint16(b[8:]))
	h.MappingFamily = b[10]
	if h.Form == "OpusHead" && h.Version>>4 != 0 {
		return h, unsupported(off, "Opus ID header version", "%d", h.Version)
	}
	if h.Channels == 0 {
		return h, invalid(off+1, "Opus channel count", "0")
	}
	if h.MappingFamily != 0 {
		if len(b) < 13+int(h.Channels) {
			return h, truncated(len(buf), "Opus channel mapping table")
		}
		h.StreamCount = b[11]
		h.CoupledCount = b[12]
		h.ChannelMapping = append([]uint8(nil), b[13:13+int(h.Channels)]...)
	}
	return h, nil
}

// Summary is a compact one-line description.
func (h *OpusHeader) Summary() string {
	return fmt.Sprintf("%dch pre-skip=%d input=%dHz family=%d", h.Channels, h.PreSkip, h.InputSampleRate, h.MappingFamily)
}

// FLACStreamInfo is the FLAC STREAMINFO metadata block.
type FLACStreamInfo struct {
	Form          string `json:"form"` // "fLaC+block", "block", or "raw"
	MinBlockSize  uint16 `json:"min_block_size"`
	MaxBlockSize  uint16 `json:"max_block_size"`
	MinFrameSize  uint32 `json:"min_frame_size"`
	MaxFrameSize  uint32 `json:"max_frame_size"`
	SampleRate    uint32 `json:"sample_rate"`
	Channels      uint8  `json:"channels"`
	BitsPerSample uint8  `json:"bits_per_sample"`
	TotalSamples  uint64 `json:"total_samples"`
	MD5           string `json:"md5"`
}

// DecodeFLACStreamInfo accepts the bare 34-byte STREAMINFO, the block with
// its 4-byte metadata block header, or either preceded by the "fLaC" marker:
// the E-RTMP spec names the block, and writers differ in what they prefix.
func DecodeFLACStreamInfo(buf []byte) (FLACStreamInfo, error) {
	var s FLACStreamInfo
	off := 0
	s.Form = "raw"
	if bytes.HasPrefix(buf, []byte("fLaC")) {
		off = 4
		s.Form = "fLaC+block"
	}
	if len(buf)-off >= 38 && buf[off]&0x7F == 0 && be24(buf[off+1:]) == 34 {
		off += 4
		if s.Form == "raw" {
			s.Form = "block"
		}
	} else if off == 4 {
		return s, invalid(off, "FLAC metadata block header", "first block is not STREAMINFO")
	}
	if len(buf)-off < 34 {
		return s, truncated(len(buf), "FLAC STREAMINFO")
	}
	b := buf[off:]
	s.MinBlockSize = be16(b)
	s.MaxBlockSize = be16(b[2:])
	s.MinFrameSize = be24(b[4:])
	s.MaxFrameSize = be24(b[7:])
	r := &bitReader{buf: b[10:18]}
	s.SampleRate = uint32(r.u(20))
	s.Channels = uint8(r.u(3)) + 1
	s.BitsPerSample = uint8(r.u(5)) + 1
	s.TotalSamples = r.u(36)
	s.MD5 = fmt.Sprintf("%x", b[18:34])
	if s.SampleRate == 0 {
		return s, invalid(off+10, "FLAC sample rate", "0")
	}
	return s, nil
}

// Summary is a compact one-line description.
func (s *FLACStreamInfo) Summary() string {
	return fmt.Sprintf("%dHz %dch %dbit %d samples", s.SampleRate, s.Channels, s.BitsPerSample, s.TotalSamples)
}
