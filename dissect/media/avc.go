package media

import "fmt"

// AVCConfig is an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1).
type AVCConfig struct {
	Version        uint8    `json:"version"`
	Profile        uint8    `json:"profile"`
	Compatibility  uint8    `json:"compatibility"`
	Level          uint8    `json:"level"`
	NALULengthSize int      `json:"nalu_length_size"`
	SPSCount       int      `json:"sps_count"`
	PPSCount       int      `json:"pps_count"`
	SPS            *H264SPS `json:"sps,omitempty"` // the first SPS, decoded
	SPSList        [][]byte `json:"-"`
	PPSList        [][]byte `json:"-"`
	ChromaFormat   *uint8   `json:"chroma_format,omitempty"` // high-profile extension
	BitDepthLuma   *uint8   `json:"bit_depth_luma,omitempty"`
	BitDepthChroma *uint8   `json:"bit_depth_chroma,omitempty"`
	SPSExtCount    int      `json:"sps_ext_count,omitempty"`
}

// H264SPS holds the fields of an H.264 sequence parameter set that describe
// the picture (ITU-T H.264 7.3.2.1.1, E.1.1).
type H264SPS struct {
	Profile            uint8     `json:"profile_idc"`
	ProfileName        string    `json:"profile"`
	ConstraintFlags    uint8     `json:"constraint_flags"` // constraint_set0..5 in the top six bits
	Level              uint8     `json:"level_idc"`
	ID                 uint32    `json:"sps_id"`
	ChromaFormat       uint32    `json:"chroma_format_idc"`
	SeparateColorPlane bool      `json:"separate_colour_plane,omitempty"`
	BitDepthLuma       uint32    `json:"bit_depth_luma"`
	BitDepthChroma     uint32    `json:"bit_depth_chroma"`
	POCType            uint32    `json:"pic_order_cnt_type"`
	MaxRefFrames       uint32    `json:"max_num_ref_frames"`
	FrameMBsOnly       bool      `json:"frame_mbs_only"`
	CodedWidth         int       `json:"coded_width"`
	CodedHeight        int       `json:"coded_height"`
	Crop               [4]uint32 `json:"crop,omitempty"` // left, right, top, bottom in crop units
	Width              int       `json:"width"`
	Height             int       `json:"height"`
	VUI                bool      `json:"vui"`
	SARWidth           uint16    `json:"sar_width,omitempty"`
	SARHeight          uint16    `json:"sar_height,omitempty"`
	FullRange          bool      `json:"full_range,omitempty"`
	ColourPrimaries    uint8     `json:"colour_primaries,omitempty"`
	Transfer           uint8     `json:"transfer_characteristics,omitempty"`
	Matrix             uint8     `json:"matrix_coefficients,omitempty"`
	TimingInfo         bool      `json:"timing_info"`
	NumUnitsInTick     uint32    `json:"num_units_in_tick,omitempty"`
	TimeScale          uint32    `json:"time_scale,omitempty"`
	FixedFrameRate     bool      `json:"fixed_frame_rate,omitempty"`
	FrameRate          float64   `json:"frame_rate,omitempty"` // time_scale / (2 * num_units_in_tick)
}

// H264ProfileName names profile_idc, using the constraint flags where they
// distinguish profiles (Constrained Baseline, High 10 Intra...).
func H264ProfileName(profile, constraints uint8) string {
	switch profile {
	case 66:
		if constraints&0x40 != 0 {
			return "Constrained Baseline"
		}
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		if constraints&0x10 != 0 {
			return "High 10 Intra"
		}
		return "High 10"
	case 122:
		if constraints&0x10 != 0 {
			return "High 4:2:2 Intra"
		}
		return "High 4:2:2"
	case 244:
		if constraints&0x10 != 0 {
			return "High 4:4:4 Intra"
		}
		return "High 4:4:4 Predictive"
	case 44:
		return "CAVLC 4:4:4"
	case 83:
		return "Scalable Baseline"
	case 86:
		return "Scalable High"
	case 118:
		return "Multiview High"
	case 128:
		return "Stereo High"
	case 134:
		return "MFC High"
	case 138:
		return "Multiview Depth High"
	}
	return fmt.Sprintf("profile %d", profile)
}

// LevelString formats level_idc as "3.1" (level 1b is "1b").
func (s *H264SPS) LevelString() string {
	if s.Level == 11 && s.ConstraintFlags&0x10 != 0 && (s.Profile == 66 || s.Profile == 77 || s.Profile == 88) {
		return "1b"
	}
	if s.Level == 9 {
		return "1b"
	}
	return fmt.Sprintf("%d.%d", s.Level/10, s.Level%10)
}

// DecodeAVCConfig decodes an AVCDecoderConfigurationRecord and its first SPS.
func DecodeAVCConfig(buf []byte) (AVCConfig, error) {
	var c AVCConfig
	err := c.Unmarshal(buf)
	return c, err
}

// maxParamSets bounds the SPS/PPS lists kept per record.
const maxParamSets = 32

// Unmarshal decodes buf into c.
func (c *AVCConfig) Unmarshal(buf []byte) error {
	*c = AVCConfig{}
	if len(buf) < 6 {
		return truncated(len(buf), "avcC header")
	}
	c.Version, c.Profile, c.Compatibility, c.Level = buf[0], buf[1], buf[2], buf[3]
	c.NALULengthSize = int(buf[4]&3) + 1
	c.SPSCount = int(buf[5] & 31)
	if c.Version != 1 {
		return invalid(0, "avcC configurationVersion", "%d", c.Version)
	}
	off := 6
	var err error
	if c.SPSList, off, err = readParamSets(buf, off, c.SPSCount, "avcC SPS"); err != nil {
		return err
	}
	if len(c.SPSList) > 0 {
		s, e := DecodeH264SPS(c.SPSList[0])
		c.SPS = &s
		if e != nil {
			// The first SPS starts 2 bytes after offset 6.
			return rebase(e, 8)
		}
	}
	if off >= len(buf) {
		return truncated(off, "avcC numOfPictureParameterSets")
	}
	c.PPSCount = int(buf[off])
	off++
	if c.PPSList, off, err = readParamSets(buf, off, c.PPSCount, "avcC PPS"); err != nil {
		return err
	}
	// The high-profile extension is optional in practice: many writers omit it.
	if (c.Profile == 100 || c.Profile == 110 || c.Profile == 122 || c.Profile == 144) && off+4 <= len(buf) {
		cf, bl, bc := buf[off]&3, buf[off+1]&7+8, buf[off+2]&7+8
		c.ChromaFormat, c.BitDepthLuma, c.BitDepthChroma = &cf, &bl, &bc
		c.SPSExtCount = int(buf[off+3])
	}
	return nil
}

func readParamSets(buf []byte, off, n int, what string) ([][]byte, int, error) {
	var list [][]byte
	for i := 0; i < n; i++ {
		if off+2 > len(buf) {
			return list, off, truncated(off, fmt.Sprintf("%s %d length", what, i))
		}
		l := int(be16(buf[off:]))
		off += 2
		if off+l > len(buf) {
			return list, off, truncated(off, fmt.Sprintf("%s %d (%d bytes)", what, i, l))
		}
		if len(list) < maxParamSets {
			list = append(list, buf[off:off+l])
		}
		off += l
	}
	return list, off, nil
}

// DecodeH264SPS decodes an SPS NAL unit, including its one-byte NAL header.
func DecodeH264SPS(nal []byte) (H264SPS, error) {
	var s H264SPS
	if len(nal) < 4 {
		return s, truncated(len(nal), "H.264 SPS header")
	}
	if nal[0]&0x1f != 7 {
		return s, invalid(0, "H.264 SPS nal_unit_type", "%d", nal[0]&0x1f)
	}
	rbsp := unescapeRBSP(nal[1:])
	if len(rbsp) < 3 {
		return s, truncated(len(nal), "H.264 SPS header")
	}
	s.Profile, s.ConstraintFlags, s.Level = rbsp[0], rbsp[1], rbsp[2]
	s.ProfileName = H264ProfileName(s.Profile, s.ConstraintFlags)
	r := &bitReader{buf: rbsp[3:]}
	fail := func(field string) error {
		return truncated(1+3+r.pos/8, "H.264 SPS "+field)
	}
	s.ID = r.ue()
	s.ChromaFormat, s.BitDepthLuma, s.BitDepthChroma = 1, 8, 8
	switch s.Profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		s.ChromaFormat = r.ue()
		if s.ChromaFormat > 3 {
			return s, invalid(1+3+r.pos/8, "H.264 SPS chroma_format_idc", "%d", s.ChromaFormat)
		}
		if s.ChromaFormat == 3 {
			s.SeparateColorPlane = r.flag()
		}
		s.BitDepthLuma = r.ue() + 8
		s.BitDepthChroma = r.ue() + 8
		r.skip(1) // qpprime_y_zero_transform_bypass_flag
		if r.flag() {
			n := 8
			if s.ChromaFormat == 3 {
				n = 12
			}
			for i := 0; i < n; i++ {
				if r.flag() {
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(r, size)
				}
			}
		}
	}
	r.ue() // log2_max_frame_num_minus4
	s.POCType = r.ue()
	switch s.POCType {
	case 0:
		r.ue()
	case 1:
		r.skip(1)
		r.se()
		r.se()
		n := r.ue()
		if n > 255 {
			return s, invalid(1+3+r.pos/8, "H.264 SPS num_ref_frames_in_pic_order_cnt_cycle", "%d", n)
		}
		for i := uint32(0); i < n; i++ {
			r.se()
		}
	}
	s.MaxRefFrames = r.ue()
	r.skip(1) // gaps_in_frame_num_value_allowed_flag
	wMBs := r.ue() + 1
	hMaps := r.ue() + 1
	s.FrameMBsOnly = r.flag()
	if !s.FrameMBsOnly {
		r.skip(1)
	}
	r.skip(1) // direct_8x8_inference_flag
	if r.flag() {
		s.Crop = [4]uint32{r.ue(), r.ue(), r.ue(), r.ue()}
	}
	if r.overrun {
		return s, fail("picture size")
	}
	if wMBs > 1<<14 || hMaps > 1<<14 {
		return s, invalid(1+3+r.pos/8, "H.264 SPS picture size", "%dx%d macroblocks", wMBs, hMaps)
	}
	fieldMul := 2
	if s.FrameMBsOnly {
		fieldMul = 1
	}
	s.CodedWidth = int(wMBs) * 16
	s.CodedHeight = fieldMul * int(hMaps) * 16
	cropX, cropY := 1, fieldMul
	if !s.SeparateColorPlane && s.ChromaFormat != 0 {
		if s.ChromaFormat == 1 || s.ChromaFormat == 2 {
			cropX = 2
		}
		if s.ChromaFormat == 1 {
			cropY = 2 * fieldMul
		}
	}
	s.Width = s.CodedWidth - cropX*int(s.Crop[0]+s.Crop[1])
	s.Height = s.CodedHeight - cropY*int(s.Crop[2]+s.Crop[3])
	if s.Width <= 0 || s.Height <= 0 || s.Crop[0] > 1<<16 || s.Crop[2] > 1<<16 {
		return s, invalid(1+3+r.pos/8, "H.264 SPS frame cropping", "%v leaves no picture", s.Crop)
	}
	s.VUI = r.flag()
	if !s.VUI {
		return s, nil
	}
	if r.flag() { // aspect_ratio_info_present_flag
		idc := uint8(r.u(8))
		if idc == 255 {
			s.SARWidth, s.SARHeight = uint16(r.u(16)), uint16(r.u(16))
		} else if int(idc) < len(h264SAR) {
			s.SARWidth, s.SARHeight = h264SAR[idc][0], h264SAR[idc][1]
		}
	}
	if r.flag() { // overscan_info_present_flag
		r.skip(1)
	}
	if r.flag() { // video_signal_type_present_flag
		r.skip(3)
		s.FullRange = r.flag()
		if r.flag() {
			s.ColourPrimaries, s.Transfer, s.Matrix = uint8(r.u(8)), uint8(r.u(8)), uint8(r.u(8))
		}
	}
	if r.flag() { // chroma_loc_info_present_flag
		r.ue()
		r.ue()
	}
	s.TimingInfo = r.flag()
	if s.TimingInfo {
		s.NumUnitsInTick = uint32(r.u(32))
		s.TimeScale = uint32(r.u(32))
		s.FixedFrameRate = r.flag()
		if s.NumUnitsInTick > 0 {
			s.FrameRate = float64(s.TimeScale) / float64(2*uint64(s.NumUnitsInTick))
		}
	}
	if r.overrun {
		s.TimingInfo = false
		return s, fail("VUI")
	}
	return s, nil
}

var h264SAR = [...][2]uint16{{0, 0}, {1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11},
	{32, 11}, {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3}, {3, 2}, {2, 1}}

func skipScalingList(r *bitReader, size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && !r.overrun; j++ {
		if next != 0 {
			next = (last + r.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}

// Summary is a compact one-line description, e.g. "High@L3.1 1280x720 25fps".
func (s *H264SPS) Summary() string {
	out := fmt.Sprintf("%s@L%s %dx%d", s.ProfileName, s.LevelString(), s.Width, s.Height)
	if s.ChromaFormat != 1 {
		out += fmt.Sprintf(" chroma=%s", chromaName(s.ChromaFormat))
	}
	if s.BitDepthLuma != 8 {
		out += fmt.Sprintf(" %dbit", s.BitDepthLuma)
	}
	if s.FrameRate > 0 {
		out += fmt.Sprintf(" %sfps", trimFloat(s.FrameRate))
	}
	return out
}

func chromaName(c uint32) string {
	switch c {
	case 0:
		return "4:0:0"
	case 1:
		return "4:2:0"
	case 2:
		return "4:2:2"
	case 3:
		return "4:4:4"
	}
	return fmt.Sprint(c)
}

func trimFloat(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprint(int64(f))
	}
	return fmt.Sprintf("%.3g", f)
}

// Summary is a compact one-line description.
func (c *AVCConfig) Summary() string {
	if c.SPS != nil {
		return c.SPS.Summary()
	}
	return fmt.Sprintf("%s@L%d.%d", H264ProfileName(c.Profile, c.Compatibility), c.Level/10, c.Level%10)
}
