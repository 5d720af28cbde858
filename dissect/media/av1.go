package media

import "fmt"

// AV1Config is an AV1CodecConfigurationRecord (av1C, AV1-ISOBMFF 2.3.3),
// with the sequence header OBU from configOBUs decoded when present.
type AV1Config struct {
	Marker               bool               `json:"marker"`
	Version              uint8              `json:"version"`
	SeqProfile           uint8              `json:"seq_profile"`
	SeqLevelIdx          uint8              `json:"seq_level_idx_0"`
	SeqTier              uint8              `json:"seq_tier_0"`
	HighBitdepth         bool               `json:"high_bitdepth"`
	TwelveBit            bool               `json:"twelve_bit"`
	BitDepth             int                `json:"bit_depth"`
	Monochrome           bool               `json:"monochrome"`
	ChromaSubsamplingX   uint8              `json:"chroma_subsampling_x"`
	ChromaSubsamplingY   uint8              `json:"chroma_subsampling_y"`
	ChromaSamplePosition uint8              `json:"chroma_sample_position"`
	InitialDelay         *uint8             `json:"initial_presentation_delay,omitempty"`
	ConfigOBUsLen        int                `json:"config_obus_len"`
	SequenceHeader       *AV1SequenceHeader `json:"sequence_header,omitempty"`
}

// AV1SequenceHeader holds the leading fields of a sequence_header_obu (AV1
// spec 5.5), up to the maximum frame size.
type AV1SequenceHeader struct {
	SeqProfile      uint8  `json:"seq_profile"`
	StillPicture    bool   `json:"still_picture"`
	ReducedStill    bool   `json:"reduced_still_picture_header"`
	TimingInfo      bool   `json:"timing_info"`
	NumUnitsInTick  uint32 `json:"num_units_in_display_tick,omitempty"`
	TimeScale       uint32 `json:"time_scale,omitempty"`
	OperatingPoints int    `json:"operating_points"`
	SeqLevelIdx     uint8  `json:"seq_level_idx_0"`
	SeqTier         uint8  `json:"seq_tier_0"`
	MaxFrameWidth   int    `json:"max_frame_width"`
	MaxFrameHeight  int    `json:"max_frame_height"`
}

// AV1 OBU types that matter here.
const (
	obuSequenceHeader = 1
)

// DecodeAV1Config decodes an av1C record.
func DecodeAV1Config(buf []byte) (AV1Config, error) {
	var c AV1Config
	if len(buf) < 4 {
		return c, truncated(len(buf), "av1C header")
	}
	c.Marker = buf[0]>>7 == 1
	c.Version = buf[0] & 0x7f
	c.SeqProfile = buf[1] >> 5
	c.SeqLevelIdx = buf[1] & 31
	c.SeqTier = buf[2] >> 7
	c.HighBitdepth = buf[2]>>6&1 == 1
	c.TwelveBit = buf[2]>>5&1 == 1
	c.Monochrome = buf[2]>>4&1 == 1
	c.ChromaSubsamplingX = buf[2] >> 3 & 1
	c.ChromaSubsamplingY = buf[2] >> 2 & 1
	c.ChromaSamplePosition = buf[2] & 3
	c.BitDepth = 8
	if c.HighBitdepth {
		c.BitDepth = 10
		if c.TwelveBit {
			c.BitDepth = 12
		}
	}
	if buf[3]>>4&1 == 1 {
		d := buf[3]&15 + 1
		c.InitialDelay = &d
	}
	c.ConfigOBUsLen = len(buf) - 4
	if !c.Marker || c.Version != 1 {
		return c, invalid(0, "av1C marker/version", "%#02x", buf[0])
	}
	// Walk configOBUs for the sequence header.
	off := 4
	for off < len(buf) {
		typ, hdrLen, size, err := readOBUHeader(buf[off:])
		if err != nil {
			return c, rebase(err, off)
		}
		body := off + hdrLen
		if typ == obuSequenceHeader {
			sh, err := DecodeAV1SequenceHeader(buf[body : body+size])
			c.SequenceHeader = &sh
			return c, rebase(err, body)
		}
		off = body + size
	}
	return c, nil
}

// readOBUHeader returns the OBU type, header length (including the size
// field) and payload size. An OBU without a size field runs to the end.
func readOBUHeader(b []byte) (typ uint8, hdrLen, size int, err error) {
	if len(b) < 1 {
		return 0, 0, 0, truncated(0, "OBU header")
	}
	if b[0]&0x80 != 0 {
		return 0, 0, 0, invalid(0, "OBU forbidden bit", "set")
	}
	typ = b[0] >> 3 & 15
	hdrLen = 1
	if b[0]&4 != 0 {
		hdrLen++
	}
	if len(b) < hdrLen {
		return typ, 0, 0, truncated(0, "OBU extension header")
	}
	if b[0]&2 == 0 {
		return typ, hdrLen, len(b) - hdrLen, nil
	}
	var v uint64
	for i := 0; i < 8; i++ {
		if hdrLen >= len(b) {
			return typ, 0, 0, truncated(hdrLen, "OBU size")
		}
		c := b[hdrLen]
		hdrLen++
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			break
		}
	}
	if v > uint64(len(b)-hdrLen) {
		return typ, hdrLen, 0, truncated(len(b), fmt.Sprintf("OBU type %d (%d bytes)", typ, v))
	}
	return typ, hdrLen, int(v), nil
}

// DecodeAV1SequenceHeader decodes a sequence_header_obu payload.
func DecodeAV1SequenceHeader(b []byte) (AV1SequenceHeader, error) {
	var s AV1SequenceHeader
	r := &bitReader{buf: b}
	s.SeqProfile = uint8(r.u(3))
	s.StillPicture = r.flag()
	s.ReducedStill = r.flag()
	if s.ReducedStill {
		s.OperatingPoints = 1
		s.SeqLevelIdx = uint8(r.u(5))
	} else {
		s.TimingInfo = r.flag()
		decoderModel := false
		bufferDelayLen := 0
		if s.TimingInfo {
			s.NumUnitsInTick = uint32(r.u(32))
			s.TimeScale = uint32(r.u(32))
			if r.flag() { // equal_picture_interval
				r.uvlc()
			}
			decoderModel = r.flag()
			if decoderModel {
				bufferDelayLen = int(r.u(5)) + 1
				r.skip(32 + 5 + 5)
			}
		}
		initialDisplayDelay := r.flag()
		s.OperatingPoints = int(r.u(5)) + 1
		for i := 0; i < s.OperatingPoints && !r.overrun; i++ {
			r.skip(12)
			lvl := uint8(r.u(5))
			tier := uint8(0)
			if lvl > 7 {
				tier = uint8(r.u(1))
			}
			if i == 0 {
				s.SeqLevelIdx, s.SeqTier = lvl, tier
			}
			if decoderModel && r.flag() {
				r.skip(2*bufferDelayLen + 1)
			}
			if initialDisplayDelay && r.flag() {
				r.skip(4)
			}
		}
	}
	wBits := int(r.u(4)) + 1
	hBits := int(r.u(4)) + 1
	s.MaxFrameWidth = int(r.u(wBits)) + 1
	s.MaxFrameHeight = int(r.u(hBits)) + 1
	if r.overrun {
		s.MaxFrameWidth, s.MaxFrameHeight = 0, 0
		return s, truncated(r.pos/8, "AV1 sequence header")
	}
	return s, nil
}

// Summary is a compact one-line description.
func (c *AV1Config) Summary() string {
	prof := [...]string{"Main", "High", "Professional"}
	p := fmt.Sprintf("profile %d", c.SeqProfile)
	if int(c.SeqProfile) < len(prof) {
		p = prof[c.SeqProfile]
	}
	out := fmt.Sprintf("%s@L%s", p, av1LevelString(c.SeqLevelIdx))
	if c.SeqTier == 1 {
		out += " High tier"
	}
	if c.SequenceHeader != nil {
		out += fmt.Sprintf(" %dx%d", c.SequenceHeader.MaxFrameWidth, c.SequenceHeader.MaxFrameHeight)
	}
	if c.Monochrome {
		out += " mono"
	}
	if c.BitDepth != 8 {
		out += fmt.Sprintf(" %dbit", c.BitDepth)
	}
	return out
}

func av1LevelString(idx uint8) string {
	if idx == 31 {
		return "max"
	}
	return fmt.Sprintf("%d.%d", 2+idx/4, idx%4)
}
