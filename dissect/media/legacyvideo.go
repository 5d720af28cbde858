package media

import "fmt"

// H263Header is a Sorenson H.263 picture header (FLV E.4.3.3).
type H263Header struct {
	Version     uint8  `json:"version"`
	TemporalRef uint8  `json:"temporal_reference"`
	PictureSize uint8  `json:"picture_size"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	PictureType string `json:"picture_type"` // "I", "P", "disposable P"
}

var h263Sizes = [...][2]int{{0, 0}, {0, 0}, {352, 288}, {176, 144}, {128, 96}, {320, 240}, {160, 120}, {0, 0}}

// DecodeH263Header decodes the picture header at the start of buf (the
// video data after the one-byte FLV video header).
func DecodeH263Header(buf []byte) (H263Header, error) {
	var h H263Header
	r := &bitReader{buf: buf}
	if psc := r.u(17); r.overrun || psc != 1 {
		if r.overrun {
			return h, truncated(len(buf), "H.263 picture start code")
		}
		return h, invalid(0, "H.263 picture start code", "%#x", psc)
	}
	h.Version = uint8(r.u(5))
	h.TemporalRef = uint8(r.u(8))
	h.PictureSize = uint8(r.u(3))
	switch h.PictureSize {
	case 0:
		h.Width, h.Height = int(r.u(8)), int(r.u(8))
	case 1:
		h.Width, h.Height = int(r.u(16)), int(r.u(16))
	default:
		h.Width, h.Height = h263Sizes[h.PictureSize][0], h263Sizes[h.PictureSize][1]
	}
	switch r.u(2) {
	case 0:
		h.PictureType = "I"
	case 1:
		h.PictureType = "P"
	case 2:
		h.PictureType = "disposable P"
	default:
		h.PictureType = "reserved"
	}
	if r.overrun {
		return h, truncated(len(buf), "H.263 picture header")
	}
	if h.Version > 1 || h.PictureSize == 7 {
		return h, invalid(2, "H.263 version/picture size", "%d/%d", h.Version, h.PictureSize)
	}
	return h, nil
}

// VP6Header is the FLV VP6 adjustment byte plus the VP6 key frame header.
type VP6Header struct {
	HAdjust     uint8 `json:"horizontal_adjust"`
	VAdjust     uint8 `json:"vertical_adjust"`
	AlphaOffset int   `json:"alpha_offset,omitempty"` // VP6 with alpha only
	KeyFrame    bool  `json:"key_frame"`
	Quantizer   uint8 `json:"quantizer"`
	Version     uint8 `json:"version,omitempty"`
	Profile     uint8 `json:"profile,omitempty"`
	// Dimensions are only in key frames.
	MBRows int `json:"mb_rows,omitempty"`
	MBCols int `json:"mb_cols,omitempty"`
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// DecodeVP6Header decodes a VP6FLVVIDEOPACKET (alpha false) or
// VP6FLVALPHAVIDEOPACKET (alpha true) prefix.
func DecodeVP6Header(buf []byte, alpha bool) (VP6Header, error) {
	var h VP6Header
	if len(buf) < 1 {
		return h, truncated(0, "VP6 adjustment")
	}
	h.HAdjust, h.VAdjust = buf[0]>>4, buf[0]&15
	off := 1
	if alpha {
		if len(buf) < 4 {
			return h, truncated(1, "VP6 OffsetToAlpha")
		}
		h.AlphaOffset = int(be24(buf[1:]))
		off = 4
	}
	b := buf[off:]
	if len(b) < 1 {
		return h, truncated(off, "VP6 frame header")
	}
	h.KeyFrame = b[0]&0x80 == 0
	h.Quantizer = b[0] >> 1 & 0x3f
	if !h.KeyFrame {
		return h, nil
	}
	if len(b) < 2 {
		return h, truncated(off+1, "VP6 key frame header")
	}
	h.Version = b[1] >> 3
	h.Profile = b[1] >> 1 & 3
	p := 2
	if b[0]&1 == 1 || h.Profile == 0 {
		p += 2 // offset to the second coefficient partition
	}
	if len(b) < p+4 {
		return h, truncated(off+min(p, len(b)), "VP6 dimensions")
	}
	h.MBRows, h.MBCols = int(b[p]), int(b[p+1])
	h.Width = h.MBCols*16 - int(h.HAdjust)
	h.Height = h.MBRows*16 - int(h.VAdjust)
	if h.MBRows == 0 || h.MBCols == 0 {
		return h, invalid(off+p, "VP6 dimensions", "zero macroblocks")
	}
	return h, nil
}

// ScreenHeader is the Screen Video (v1/v2) image header (FLV E.4.3.4).
type ScreenHeader struct {
	BlockWidth  int `json:"block_width"`
	Width       int `json:"width"`
	BlockHeight int `json:"block_height"`
	Height      int `json:"height"`
}

// DecodeScreenHeader decodes the 4-byte Screen Video header.
func DecodeScreenHeader(buf []byte) (ScreenHeader, error) {
	var h ScreenHeader
	if len(buf) < 4 {
		return h, truncated(len(buf), "screen video header")
	}
	h.BlockWidth = (int(buf[0]>>4) + 1) * 16
	h.Width = int(be16(buf)) & 0x0fff
	h.BlockHeight = (int(buf[2]>>4) + 1) * 16
	h.Height = int(be16(buf[2:])) & 0x0fff
	return h, nil
}

func (h *ScreenHeader) summary() string {
	return fmt.Sprintf("%dx%d blocks %dx%d", h.Width, h.Height, h.BlockWidth, h.BlockHeight)
}
