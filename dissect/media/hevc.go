package media

import "fmt"

// HEVCConfig is an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1).
type HEVCConfig struct {
	Version            uint8      `json:"version"`
	ProfileSpace       uint8      `json:"profile_space"`
	Tier               uint8      `json:"tier"` // 0 Main, 1 High
	Profile            uint8      `json:"profile_idc"`
	ProfileName        string     `json:"profile"`
	CompatibilityFlags uint32     `json:"compatibility_flags"`
	ConstraintFlags    uint64     `json:"constraint_flags"` // 48 bits
	Level              uint8      `json:"level_idc"`        // 30 x level number
	MinSpatialSeg      uint16     `json:"min_spatial_segmentation"`
	ParallelismType    uint8      `json:"parallelism_type"`
	ChromaFormat       uint8      `json:"chroma_format_idc"`
	BitDepthLuma       uint8      `json:"bit_depth_luma"`
	BitDepthChroma     uint8      `json:"bit_depth_chroma"`
	AvgFrameRate       uint16     `json:"avg_frame_rate"` // frames per 256 s
	ConstantFrameRate  uint8      `json:"constant_frame_rate"`
	NumTemporalLayers  uint8      `json:"num_temporal_layers"`
	TemporalIDNested   bool       `json:"temporal_id_nested"`
	NALULengthSize     int        `json:"nalu_length_size"`
	Arrays             []NALArray `json:"arrays"`
	SPS                *HEVCSPS   `json:"sps,omitempty"`
	sps                []byte
}

// NALArray is one array of parameter sets in an hvcC or vvcC record.
type NALArray struct {
	Completeness bool  `json:"completeness"`
	NALType      uint8 `json:"nal_type"`
	Count        int   `json:"count"`
	Sizes        []int `json:"sizes,omitempty"`
}

// HEVCSPS holds the picture-describing fields of an H.265 SPS (7.3.2.2).
type HEVCSPS struct {
	MaxSubLayers       int       `json:"max_sub_layers"`
	Tier               uint8     `json:"tier"`
	Profile            uint8     `json:"profile_idc"`
	Level              uint8     `json:"level_idc"`
	ID                 uint32    `json:"sps_id"`
	ChromaFormat       uint32    `json:"chroma_format_idc"`
	SeparateColorPlane bool      `json:"separate_colour_plane,omitempty"`
	CodedWidth         int       `json:"coded_width"`
	CodedHeight        int       `json:"coded_height"`
	Conformance        [4]uint32 `json:"conformance_window,omitempty"` // left, right, top, bottom
	Width              int       `json:"width"`
	Height             int       `json:"height"`
	BitDepthLuma       uint32    `json:"bit_depth_luma"`
	BitDepthChroma     uint32    `json:"bit_depth_chroma"`
}

// HEVCProfileName names general_profile_idc.
func HEVCProfileName(p uint8) string {
	switch p {
	case 1:
		return "Main"
	case 2:
		return "Main 10"
	case 3:
		return "Main Still Picture"
	case 4:
		return "Rext"
	case 5:
		return "High Throughput"
	case 9:
		return "SCC"
	}
	return fmt.Sprintf("profile %d", p)
}

// HEVCLevelString formats general_level_idc (30 x level) as "3.1".
func HEVCLevelString(l uint8) string {
	if l%30 == 0 {
		return fmt.Sprint(l / 30)
	}
	return fmt.Sprintf("%d.%d", l/30, l%30/3)
}

// DecodeHEVCConfig decodes an hvcC record and its first SPS.
func DecodeHEVCConfig(buf []byte) (HEVCConfig, error) {
	var c HEVCConfig
	err := c.Unmarshal(buf)
	return c, err
}

// Unmarshal decodes buf into c.
func (c *HEVCConfig) Unmarshal(buf []byte) error {
	*c = HEVCConfig{}
	if len(buf) < 23 {
		return truncated(len(buf), "hvcC header")
	}
	c.Version = buf[0]
	c.ProfileSpace = buf[1] >> 6
	c.Tier = buf[1] >> 5 & 1
	c.Profile = buf[1] & 31
	c.ProfileName = HEVCProfileName(c.Profile)
	c.CompatibilityFlags = be32(buf[2:])
	c.ConstraintFlags = uint64(be16(buf[6:]))<<32 | uint64(be32(buf[8:]))
	c.Level = buf[12]
	c.MinSpatialSeg = be16(buf[13:]) & 0x0fff
	c.ParallelismType = buf[15] & 3
	c.ChromaFormat = buf[16] & 3
	c.BitDepthLuma = buf[17]&7 + 8
	c.BitDepthChroma = buf[18]&7 + 8
	c.AvgFrameRate = be16(buf[19:])
	c.ConstantFrameRate = buf[21] >> 6
	c.NumTemporalLayers = buf[21] >> 3 & 7
	c.TemporalIDNested = buf[21]>>2&1 == 1
	c.NALULengthSize = int(buf[21]&3) + 1
	if c.Version != 1 {
		return invalid(0, "hvcC configurationVersion", "%d", c.Version)
	}
	n := int(buf[22])
	off := 23
	var spsOff int
	for i := 0; i < n; i++ {
		if off+3 > len(buf) {
			return truncated(off, fmt.Sprintf("hvcC array %d header", i))
		}
		a := NALArray{Completeness: buf[off]>>7 == 1, NALType: buf[off] & 0x3f, Count: int(be16(buf[off+1:]))}
		off += 3
		for j := 0; j < a.Count; j++ {
			if off+2 > len(buf) {
				c.Arrays = append(c.Arrays, a)
				return truncated(off, fmt.Sprintf("hvcC array %d NAL %d length", i, j))
			}
			l := int(be16(buf[off:]))
			off += 2
			if off+l > len(buf) {
				c.Arrays = append(c.Arrays, a)
				return truncated(off, fmt.Sprintf("hvcC array %d NAL %d (%d bytes)", i, j, l))
			}
			if len(a.Sizes) < maxParamSets {
				a.Sizes = append(a.Sizes, l)
			}
			if a.NALType == 33 && c.sps == nil {
				c.sps, spsOff = buf[off:off+l], off
			}
			off += l
		}
		if len(c.Arrays) < maxParamSets {
			c.Arrays = append(c.Arrays, a)
		}
	}
	if c.sps != nil {
		s, err := DecodeHEVCSPS(c.sps)
		c.SPS = &s
		return rebase(err, spsOff)
	}
	return nil
}

// DecodeHEVCSPS decodes an H.265 SPS NAL unit (with its 2-byte NAL header)
// as far as the bit depths.
func DecodeHEVCSPS(nal []byte) (HEVCSPS, error) {
	var s HEVCSPS
	if len(nal) < 3 {
		return s, truncated(len(nal), "H.265 SPS header")
	}
	if t := nal[0] >> 1 & 0x3f; t != 33 {
		return s, invalid(0, "H.265 SPS nal_unit_type", "%d", t)
	}
	r := &bitReader{buf: unescapeRBSP(nal[2:])}
	fail := func(field string) error { return truncated(2+r.pos/8, "H.265 SPS "+field) }
	r.skip(4) // sps_video_parameter_set_id
	s.MaxSubLayers = int(r.u(3)) + 1
	r.skip(1)
	// profile_tier_level(1, sps_max_sub_layers_minus1)
	r.skip(2)
	s.Tier = uint8(r.u(1))
	s.Profile = uint8(r.u(5))
	r.skip(32 + 48)
	s.Level = uint8(r.u(8))
	sub := s.MaxSubLayers - 1
	var profPresent, levelPresent [8]bool
	for i := 0; i < sub; i++ {
		profPresent[i] = r.flag()
		levelPresent[i] = r.flag()
	}
	if sub > 0 {
		r.skip(2 * (8 - sub))
	}
	for i := 0; i < sub; i++ {
		if profPresent[i] {
			r.skip(88)
		}
		if levelPresent[i] {
			r.skip(8)
		}
	}
	s.ID = r.ue()
	s.ChromaFormat = r.ue()
	if s.ChromaFormat > 3 {
		return s, invalid(2+r.pos/8, "H.265 SPS chroma_format_idc", "%d", s.ChromaFormat)
	}
	if s.ChromaFormat == 3 {
		s.SeparateColorPlane = r.flag()
	}
	s.CodedWidth = int(r.ue())
	s.CodedHeight = int(r.ue())
	if r.flag() {
		s.Conformance = [4]uint32{r.ue(), r.ue(), r.ue(), r.ue()}
	}
	s.BitDepthLuma = r.ue() + 8
	s.BitDepthChroma = r.ue() + 8
	if r.overrun {
		return s, fail("picture size")
	}
	subW, subH := 1, 1
	if !s.SeparateColorPlane {
		if s.ChromaFormat == 1 || s.ChromaFormat == 2 {
			subW = 2
		}
		if s.ChromaFormat == 1 {
			subH = 2
		}
	}
	s.Width = s.CodedWidth - subW*int(s.Conformance[0]+s.Conformance[1])
	s.Height = s.CodedHeight - subH*int(s.Conformance[2]+s.Conformance[3])
	if s.CodedWidth == 0 || s.CodedHeight == 0 || s.Width <= 0 || s.Height <= 0 ||
		s.Conformance[0] > 1<<16 || s.Conformance[2] > 1<<16 {
		return s, invalid(2+r.pos/8, "H.265 SPS picture size", "%dx%d window %v", s.CodedWidth, s.CodedHeight, s.Conformance)
	}
	return s, nil
}

// Summary is a compact one-line description, e.g. "Main@L3.1 1280x720".
func (c *HEVCConfig) Summary() string {
	tier := ""
	if c.Tier == 1 {
		tier = " High tier"
	}
	out := fmt.Sprintf("%s@L%s%s", c.ProfileName, HEVCLevelString(c.Level), tier)
	if c.SPS != nil {
		out += fmt.Sprintf(" %dx%d", c.SPS.Width, c.SPS.Height)
	}
	if c.ChromaFormat != 1 {
		out += " chroma=" + chromaName(uint32(c.ChromaFormat))
	}
	if c.BitDepthLuma != 8 {
		out += fmt.Sprintf(" %dbit", c.BitDepthLuma)
	}
	return out
}
