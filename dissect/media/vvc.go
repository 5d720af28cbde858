package media

import "fmt"

// VVCConfig holds the leading fields of a VvcDecoderConfigurationRecord
// (ISO/IEC 14496-15 11.2.4.2): enough to name the stream.
type VVCConfig struct {
	FullBox           bool       `json:"full_box"`
	NALULengthSize    int        `json:"nalu_length_size"`
	PTLPresent        bool       `json:"ptl_present"`
	OLSIdx            uint16     `json:"ols_idx,omitempty"`
	NumSublayers      uint8      `json:"num_sublayers,omitempty"`
	ConstantFrameRate uint8      `json:"constant_frame_rate,omitempty"`
	ChromaFormat      uint8      `json:"chroma_format_idc,omitempty"`
	BitDepth          uint8      `json:"bit_depth,omitempty"`
	Profile           uint8      `json:"profile_idc,omitempty"`
	Tier              uint8      `json:"tier,omitempty"`
	Level             uint8      `json:"level_idc,omitempty"`
	MaxWidth          uint16     `json:"max_picture_width,omitempty"`
	MaxHeight         uint16     `json:"max_picture_height,omitempty"`
	AvgFrameRate      uint16     `json:"avg_frame_rate,omitempty"`
	Arrays            []NALArray `json:"arrays,omitempty"`
}

// DecodeVVCConfig decodes a vvcC record, with or without its FullBox header.
func DecodeVVCConfig(buf []byte) (VVCConfig, error) {
	var c VVCConfig
	off := 0
	// The record's first byte has five reserved bits set to 1, so a zero
	// byte can only be a FullBox version.
	if len(buf) >= 5 && buf[0] == 0 {
		c.FullBox = true
		off = 4
	}
	if len(buf) <= off {
		return c, truncated(len(buf), "vvcC header")
	}
	r := &bitReader{buf: buf[off:]}
	r.skip(5)
	c.NALULengthSize = int(r.u(2)) + 1
	c.PTLPresent = r.flag()
	if c.PTLPresent {
		c.OLSIdx = uint16(r.u(9))
		c.NumSublayers = uint8(r.u(3))
		c.ConstantFrameRate = uint8(r.u(2))
		c.ChromaFormat = uint8(r.u(2))
		c.BitDepth = uint8(r.u(3)) + 8
		r.skip(5)
		// VvcPTLRecord
		r.skip(2)
		nConstraint := int(r.u(6))
		c.Profile = uint8(r.u(7))
		c.Tier = uint8(r.u(1))
		c.Level = uint8(r.u(8))
		r.skip(2)
		if nConstraint > 0 {
			r.skip(8*nConstraint - 2)
		}
		if c.NumSublayers > 1 {
			present := make([]bool, c.NumSublayers-1)
			for i := int(c.NumSublayers) - 2; i >= 0; i-- {
				present[i] = r.flag()
			}
			for j := int(c.NumSublayers); j <= 8; j++ {
				r.skip(1)
			}
			for i := int(c.NumSublayers) - 2; i >= 0; i-- {
				if present[i] {
					r.skip(8)
				}
			}
		}
		subProfiles := int(r.u(8))
		r.skip(32 * subProfiles)
		c.MaxWidth = uint16(r.u(16))
		c.MaxHeight = uint16(r.u(16))
		c.AvgFrameRate = uint16(r.u(16))
	}
	if r.overrun {
		c.MaxWidth, c.MaxHeight = 0, 0
		return c, truncated(off+r.pos/8, "vvcC profile_tier_level")
	}
	// Arrays: num_of_arrays, then per array completeness/type and NALs.
	p := off + r.pos/8
	if p >= len(buf) {
		return c, truncated(p, "vvcC num_of_arrays")
	}
	n := int(buf[p])
	p++
	for i := 0; i < n; i++ {
		if p >= len(buf) {
			return c, truncated(p, "vvcC array header")
		}
		a := NALArray{Completeness: buf[p]>>7 == 1, NALType: buf[p] & 31, Count: 1}
		p++
		// DCI and OPI NAL units are single, without a count.
		if a.NALType != 13 && a.NALType != 12 {
			if p+2 > len(buf) {
				return c, truncated(p, "vvcC num_nalus")
			}
			a.Count = int(be16(buf[p:]))
			p += 2
		}
		for j := 0; j < a.Count; j++ {
			if p+2 > len(buf) {
				return c, truncated(p, "vvcC NAL length")
			}
			l := int(be16(buf[p:]))
			p += 2 + l
			if p > len(buf) {
				return c, truncated(len(buf), "vvcC NAL unit")
			}
			if len(a.Sizes) < maxParamSets {
				a.Sizes = append(a.Sizes, l)
			}
		}
		if len(c.Arrays) < maxParamSets {
			c.Arrays = append(c.Arrays, a)
		}
	}
	return c, nil
}

// Summary is a compact one-line description.
func (c *VVCConfig) Summary() string {
	if !c.PTLPresent {
		return "no PTL"
	}
	return fmt.Sprintf("profile %d@L%d.%d %dx%d %dbit", c.Profile, c.Level/16, c.Level%16/3, c.MaxWidth, c.MaxHeight, c.BitDepth)
}
