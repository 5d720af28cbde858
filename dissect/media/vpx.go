package media

import "fmt"

// VPConfig is a VPCodecConfigurationRecord (vpcC, "VP Codec ISO Media File
// Format Binding" 2.2), used for both VP8 and VP9.
type VPConfig struct {
	// FullBox is set when the record starts with the vpcC box's version and
	// flags, as ffmpeg's FLV muxer writes it.
	FullBox           bool  `json:"full_box"`
	Profile           uint8 `json:"profile"`
	Level             uint8 `json:"level"` // 10 x level, e.g. 31 = 3.1
	BitDepth          uint8 `json:"bit_depth"`
	ChromaSubsampling uint8 `json:"chroma_subsampling"` // 0 4:2:0 vertical, 1 4:2:0 colocated, 2 4:2:2, 3 4:4:4
	FullRange         bool  `json:"full_range"`
	ColourPrimaries   uint8 `json:"colour_primaries"`
	Transfer          uint8 `json:"transfer_characteristics"`
	Matrix            uint8 `json:"matrix_coefficients"`
	InitDataLen       int   `json:"codec_init_data_len"`
}

var vpChroma = [...]string{"4:2:0 vertical", "4:2:0 colocated", "4:2:2", "4:4:4"}

// DecodeVPConfig decodes a vpcC record, with or without its FullBox header.
func DecodeVPConfig(buf []byte) (VPConfig, error) {
	var c VPConfig
	off := 0
	// The bare record starts with profile 0-3, level and a bit-depth nibble
	// of 8/10/12, so a leading 0x01 0x00 0x00 0x00 can only be version 1
	// with zero flags.
	if len(buf) >= 12 && buf[0] == 1 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0 {
		c.FullBox = true
		off = 4
	}
	if len(buf)-off < 8 {
		return c, truncated(len(buf), "vpcC record")
	}
	b := buf[off:]
	c.Profile, c.Level = b[0], b[1]
	c.BitDepth = b[2] >> 4
	c.ChromaSubsampling = b[2] >> 1 & 7
	c.FullRange = b[2]&1 == 1
	c.ColourPrimaries, c.Transfer, c.Matrix = b[3], b[4], b[5]
	c.InitDataLen = int(be16(b[6:]))
	if 8+c.InitDataLen > len(b) {
		return c, truncated(len(buf), "vpcC codecInitializationData")
	}
	if c.BitDepth != 8 && c.BitDepth != 10 && c.BitDepth != 12 {
		return c, invalid(off+2, "vpcC bitDepth", "%d", c.BitDepth)
	}
	return c, nil
}

// Summary is a compact one-line description.
func (c *VPConfig) Summary() string {
	ch := fmt.Sprint(c.ChromaSubsampling)
	if int(c.ChromaSubsampling) < len(vpChroma) {
		ch = vpChroma[c.ChromaSubsampling]
	}
	return fmt.Sprintf("profile %d level %d.%d %dbit %s", c.Profile, c.Level/10, c.Level%10, c.BitDepth, ch)
}
