package media

import (
	"fmt"
	"strconv"
)

// Video is a decoded RTMP video message body (an FLV VIDEODATA tag body),
// legacy or Enhanced RTMP.
type Video struct {
	Enhanced  bool      `json:"enhanced,omitempty"`
	FrameType FrameType `json:"frame_type"`
	// CodecID is the legacy codec id; zero in Enhanced RTMP messages.
	CodecID CodecID `json:"codec_id,omitempty"`
	Codec   string  `json:"codec"`
	// Command is set for video info/command frames (frame type 5).
	Command *VideoCommand `json:"command,omitempty"`
	ModEx   []ModEx       `json:"modex,omitempty"`
	// Multitrack is set for E-RTMP multitrack messages; Tracks then holds
	// every track and the embedded payload is left empty.
	Multitrack *MultitrackType `json:"multitrack,omitempty"`
	Tracks     []VideoTrack    `json:"tracks,omitempty"`

	VideoPayload
}

// VideoCommand is the UI8 of a video info/command frame.
type VideoCommand uint8

func (c VideoCommand) String() string {
	switch c {
	case 0:
		return "start of client-side seek"
	case 1:
		return "end of client-side seek"
	}
	return fmt.Sprintf("reserved (%d)", uint8(c))
}

// MarshalText emits the name.
func (c VideoCommand) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// VideoTrack is one track of an E-RTMP multitrack video message.
type VideoTrack struct {
	TrackID uint8 `json:"track_id"`
	// Size is sizeOfVideoTrack; -1 for OneTrack, which carries none.
	Size int `json:"size"`
	VideoPayload
}

// VideoPayload is what follows the header of one (track of a) video message.
type VideoPayload struct {
	FourCC FourCC `json:"fourcc,omitempty"`
	// PacketType is the E-RTMP VideoPacketType or, for legacy AVC/HEVC/AV1,
	// the AVCPacketType (0 sequence header, 1 NALU, 2 end of sequence).
	PacketType      VideoPacketType `json:"packet_type"`
	CompositionTime int32           `json:"composition_time"` // ms, signed 24-bit

	AVC  *AVCConfig  `json:"avc_config,omitempty"`
	HEVC *HEVCConfig `json:"hevc_config,omitempty"`
	AV1  *AV1Config  `json:"av1_config,omitempty"`
	VP   *VPConfig   `json:"vp_config,omitempty"`
	VVC  *VVCConfig  `json:"vvc_config,omitempty"`

	// NALUTypes lists the nal_unit_type of each NAL unit (AVC, HEVC, VVC)
	// or the obu_type of each OBU (AV1) in a coded frame, at most
	// maxUnits of them; UnitCount counts all.
	NALUTypes []uint8 `json:"nalu_types,omitempty"`
	OBUTypes  []uint8 `json:"obu_types,omitempty"`
	UnitCount int     `json:"unit_count,omitempty"`

	H263   *H263Header   `json:"h263,omitempty"`
	VP6    *VP6Header    `json:"vp6,omitempty"`
	Screen *ScreenHeader `json:"screen,omitempty"`

	DataOffset int    `json:"data_offset"`
	DataLen    int    `json:"data_len"`
	Data       []byte `json:"-"`
}

// maxUnits bounds the NAL unit/OBU type list kept per frame.
const maxUnits = 64

// VideoOptions carries stream state a single message cannot tell.
type VideoOptions struct {
	// NALULengthSize is the NAL unit length field size from the stream's
	// sequence header (1, 2 or 4); 0 means 4, what every encoder uses.
	NALULengthSize int
}

// DecodeVideo decodes a video message body, assuming 4-byte NAL unit
// lengths.
func DecodeVideo(buf []byte) (Video, error) {
	var v Video
	err := v.UnmarshalOptions(buf, VideoOptions{})
	return v, err
}

// Unmarshal decodes buf into v, replacing its contents.
func (v *Video) Unmarshal(buf []byte) error { return v.UnmarshalOptions(buf, VideoOptions{}) }

// UnmarshalOptions decodes buf into v with stream state from opts. On error
// v keeps every field decoded before the problem.
func (v *Video) UnmarshalOptions(buf []byte, opts VideoOptions) error {
	*v = Video{}
	if len(buf) == 0 {
		return truncated(0, "video tag header")
	}
	v.FrameType = FrameType(buf[0] >> 4 & 7)
	if buf[0]&0x80 != 0 {
		return v.unmarshalEx(buf, opts)
	}
	v.CodecID = CodecID(buf[0] & 15)
	v.Codec = v.CodecID.String()
	if v.FrameType == FrameCommand {
		if len(buf) < 2 {
			return truncated(1, "video command")
		}
		c := VideoCommand(buf[1])
		v.Command = &c
		v.setData(buf, 2, len(buf))
		return nil
	}
	switch v.CodecID {
	case CodecAVC, CodecHEVC, CodecAV1:
		// A switch, not a map literal: the literal was built per frame.
		switch v.CodecID {
		case CodecAVC:
			v.FourCC = FourCCAVC
		case CodecHEVC:
			v.FourCC = FourCCHEVC
		default:
			v.FourCC = FourCCAV1
		}
		if len(buf) < 5 {
			return truncated(len(buf), "AVCPacketType and CompositionTime")
		}
		v.PacketType = VideoPacketType(buf[1])
		v.CompositionTime = si24(buf[2:])
		if v.PacketType > VideoSequenceEnd {
			return invalid(1, "AVCPacketType", "%d", buf[1])
		}
		return v.VideoPayload.decodeBody(buf, 5, len(buf), opts)
	case CodecH263:
		v.PacketType = VideoCodedFrames
		v.setData(buf, 1, len(buf))
		h, err := DecodeH263Header(v.Data)
		v.H263 = &h
		return rebase(err, 1)
	case CodecVP6, CodecVP6Alpha:
		v.PacketType = VideoCodedFrames
		v.setData(buf, 1, len(buf))
		h, err := DecodeVP6Header(v.Data, v.CodecID == CodecVP6Alpha)
		v.VP6 = &h
		return rebase(err, 1)
	case CodecScreen, CodecScreenV2:
		v.PacketType = VideoCodedFrames
		v.setData(buf, 1, len(buf))
		h, err := DecodeScreenHeader(v.Data)
		v.Screen = &h
		return rebase(err, 1)
	}
	v.setData(buf, 1, len(buf))
	return unsupported(0, "video CodecID", "%d", uint8(v.CodecID))
}

func (p *VideoPayload) setData(buf []byte, from, to int) {
	p.DataOffset = from
	p.Data = buf[from:to]
	p.DataLen = to - from
}

func (v *Video) unmarshalEx(buf []byte, opts VideoOptions) error {
	v.Enhanced = true
	pt := buf[0] & 15
	off := 1
	var err error
	pt, off, err = readModEx(buf, off, pt, uint8(VideoModEx), &v.ModEx)
	v.PacketType = VideoPacketType(pt)
	if err != nil {
		return err
	}
	if v.PacketType != VideoMetadata && v.FrameType == FrameCommand {
		if off >= len(buf) {
			return truncated(off, "video command")
		}
		c := VideoCommand(buf[off])
		v.Command = &c
		v.Codec = "command"
		v.setData(buf, off+1, len(buf))
		return nil
	}
	if v.PacketType != VideoMultitrack {
		if off+4 > len(buf) {
			return truncated(off, "video FourCC")
		}
		v.FourCC = fourCCFrom(buf[off : off+4])
		v.Codec = v.FourCC.CodecName()
		return v.VideoPayload.decodeEx(buf, off+4, len(buf), opts)
	}
	mt, tpt, fourcc, off, read, err := readMultitrackHeader(buf, off, uint8(VideoMultitrack), "video")
	if read {
		v.Multitrack = &mt
		v.PacketType = VideoPacketType(tpt)
	}
	if err != nil {
		return err
	}
	for off < len(buf) {
		if len(v.Tracks) >= maxTracks {
			return invalid(off, "video tracks", "more than %d", maxTracks)
		}
		h, next, end, err := readTrackHeader(buf, off, mt, fourcc, "video", "sizeOfVideoTrack")
		t := VideoTrack{Size: h.size}
		t.PacketType, t.FourCC, t.TrackID = v.PacketType, h.fourCC, h.trackID
		if err != nil {
			if h.sized {
				v.Tracks = append(v.Tracks, t)
			}
			return err
		}
		off = next
		err = t.decodeEx(buf, off, end, opts)
		v.Tracks = append(v.Tracks, t)
		if err != nil {
			return err
		}
		off = end
		if mt == OneTrack {
			break
		}
	}
	v.Codec = "multitrack"
	if len(v.Tracks) > 0 {
		v.Codec = v.Tracks[0].FourCC.CodecName()
	}
	return nil
}

// decodeEx decodes one E-RTMP video payload in buf[off:end].
func (p *VideoPayload) decodeEx(buf []byte, off, end int, opts VideoOptions) error {
	if !p.FourCC.Known() || p.FourCC == FourCCOpus || p.FourCC == FourCCFLAC || p.FourCC == FourCCAAC ||
		p.FourCC == FourCCMP3 || p.FourCC == FourCCAC3 || p.FourCC == FourCCEAC3 {
		p.setData(buf, off, end)
		return unsupported(off-4, "video FourCC", "%s", p.FourCC)
	}
	switch p.PacketType {
	case VideoCodedFrames:
		switch p.FourCC {
		case FourCCAVC, FourCCHEVC, FourCCVVC:
			if end-off < 3 {
				p.setData(buf, off, end)
				return truncated(off, "CompositionTime")
			}
			p.CompositionTime = si24(buf[off:])
			off += 3
		}
	case VideoSequenceStart, VideoSequenceEnd, VideoCodedFramesX, VideoMetadata, VideoMPEG2TSSequenceStart:
	default:
		p.setData(buf, off, end)
		return unsupported(off, "VideoPacketType", "%d", uint8(p.PacketType))
	}
	return p.decodeBody(buf, off, end, opts)
}

// decodeBody decodes the codec data once the packet type, FourCC and
// composition time are known.
func (p *VideoPayload) decodeBody(buf []byte, off, end int, opts VideoOptions) error {
	p.setData(buf, off, end)
	var err error
	switch p.PacketType {
	case VideoSequenceStart:
		switch p.FourCC {
		case FourCCAVC:
			c, e := DecodeAVCConfig(p.Data)
			p.AVC, err = &c, e
		case FourCCHEVC:
			c, e := DecodeHEVCConfig(p.Data)
			p.HEVC, err = &c, e
		case FourCCAV1:
			c, e := DecodeAV1Config(p.Data)
			p.AV1, err = &c, e
		case FourCCVP8, FourCCVP9:
			c, e := DecodeVPConfig(p.Data)
			p.VP, err = &c, e
		case FourCCVVC:
			c, e := DecodeVVCConfig(p.Data)
			p.VVC, err = &c, e
		}
	case VideoCodedFrames, VideoCodedFramesX:
		switch p.FourCC {
		case FourCCAVC, FourCCHEVC, FourCCVVC:
			err = p.listNALUs(opts.NALULengthSize)
		case FourCCAV1:
			err = p.listOBUs()
		}
	}
	return rebase(err, off)
}

func (p *VideoPayload) listNALUs(lengthSize int) error {
	if lengthSize == 0 {
		lengthSize = 4
	}
	if lengthSize != 1 && lengthSize != 2 && lengthSize != 4 {
		return invalid(0, "NALU length size", "%d", lengthSize)
	}
	b := p.Data
	off := 0
	for off < len(b) {
		if off+lengthSize > len(b) {
			return truncated(off, "NALU length")
		}
		var l int
		switch lengthSize {
		case 1:
			l = int(b[off])
		case 2:
			l = int(be16(b[off:]))
		case 4:
			l = int(be32(b[off:]))
		}
		off += lengthSize
		if l == 0 || l > len(b)-off {
			return truncated(off, fmt.Sprintf("NAL unit %d (%d bytes)", p.UnitCount, l))
		}
		var t uint8
		switch p.FourCC {
		case FourCCAVC:
			t = b[off] & 0x1f
		case FourCCHEVC:
			t = b[off] >> 1 & 0x3f
		case FourCCVVC:
			if l < 2 {
				return truncated(off+1, "VVC NAL header")
			}
			t = b[off+1] >> 3
		}
		if len(p.NALUTypes) < maxUnits {
			p.NALUTypes = append(p.NALUTypes, t)
		}
		p.UnitCount++
		off += l
	}
	return nil
}

func (p *VideoPayload) listOBUs() error {
	b := p.Data
	off := 0
	for off < len(b) {
		typ, hdr, size, err := readOBUHeader(b[off:])
		if err != nil {
			return rebase(err, off)
		}
		if len(p.OBUTypes) < maxUnits {
			p.OBUTypes = append(p.OBUTypes, typ)
		}
		p.UnitCount++
		off += hdr + size
	}
	return nil
}

// Keyframe reports whether the message carries a seekable frame.
func (v *Video) Keyframe() bool { return v.FrameType == FrameKey || v.FrameType == FrameGeneratedKey }

// IsSequenceHeader reports whether the message (or any track) starts a
// sequence with a codec configuration.
func (v *Video) IsSequenceHeader() bool {
	if v.Multitrack != nil {
		for i := range v.Tracks {
			if v.Tracks[i].PacketType == VideoSequenceStart {
				return true
			}
		}
		return false
	}
	return v.Command == nil && v.PacketType == VideoSequenceStart &&
		(v.Enhanced || v.CodecID == CodecAVC || v.CodecID == CodecHEVC || v.CodecID == CodecAV1)
}

// Dimensions reports the picture size from whatever header carries it
// (configuration record, H.263/VP6/screen header), or 0.
func (p *VideoPayload) Dimensions() (int, int) {
	switch {
	case p.AVC != nil && p.AVC.SPS != nil:
		return p.AVC.SPS.Width, p.AVC.SPS.Height
	case p.HEVC != nil && p.HEVC.SPS != nil:
		return p.HEVC.SPS.Width, p.HEVC.SPS.Height
	case p.AV1 != nil && p.AV1.SequenceHeader != nil:
		return p.AV1.SequenceHeader.MaxFrameWidth, p.AV1.SequenceHeader.MaxFrameHeight
	case p.VVC != nil:
		return int(p.VVC.MaxWidth), int(p.VVC.MaxHeight)
	case p.H263 != nil:
		return p.H263.Width, p.H263.Height
	case p.VP6 != nil:
		return p.VP6.Width, p.VP6.Height
	case p.Screen != nil:
		return p.Screen.Width, p.Screen.Height
	}
	return 0, 0
}

// Summary is a compact one-line description, e.g.
// "AVC keyframe NALU cts=40ms [5,6]" or "HEVC seq start Main@L3.1 1280x720".
func (v *Video) Summary() string {
	var buf [64]byte // most summaries fit: one allocation, the string's
	return string(v.AppendSummary(buf[:0]))
}

// AppendSummary appends Summary to dst. It is the one-line views' way in:
// a line built in a buffer needs no string of its own per message.
func (v *Video) AppendSummary(dst []byte) []byte {
	if v.Command != nil {
		dst = append(dst, v.Codec...)
		dst = append(dst, " command: "...)
		return append(dst, v.Command.String()...)
	}
	if v.Multitrack != nil {
		dst = append(dst, v.FrameType.String()...)
		dst = append(dst, " multitrack "...)
		dst = append(dst, v.Multitrack.String()...)
		dst = appendModEx(dst, v.ModEx)
		for i := range v.Tracks {
			t := &v.Tracks[i]
			dst = append(dst, "; #"...)
			dst = strconv.AppendUint(dst, uint64(t.TrackID), 10)
			dst = append(dst, ' ')
			dst = append(dst, t.FourCC.CodecName()...)
			dst = append(dst, ' ')
			dst = t.appendSummary(dst, true)
		}
		return dst
	}
	start := len(dst)
	dst = append(dst, v.Codec...)
	// An H.263 picture header names its own type ("disposable P"), which
	// says what the frame type would say again.
	if !(v.Enhanced && v.PacketType == VideoMetadata) && v.H263 == nil {
		dst = append(dst, ' ')
		dst = append(dst, frameTypeShort(v.FrameType)...)
	}
	dst = append(dst, ' ')
	dst = v.VideoPayload.appendSummary(dst, v.Enhanced)
	dst = appendModEx(dst, v.ModEx)
	for len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

func frameTypeShort(t FrameType) string {
	switch t {
	case FrameKey:
		return "keyframe"
	case FrameInter:
		return "inter"
	case FrameDisposable:
		return "disposable"
	case FrameGeneratedKey:
		return "generated-keyframe"
	}
	return t.String()
}

// appendSummary appends the payload's part of Summary: packet type,
// configuration or picture header, and a coded frame's units.
func (p *VideoPayload) appendSummary(dst []byte, enhanced bool) []byte {
	start := len(dst)
	switch p.PacketType {
	case VideoSequenceStart:
		if enhanced {
			dst = append(dst, "seq start"...)
		} else {
			dst = append(dst, "seq hdr"...)
		}
	case VideoCodedFrames:
		if enhanced {
			dst = append(dst, "coded"...)
		} else {
			dst = append(dst, "NALU"...)
		}
	case VideoCodedFramesX:
		dst = append(dst, "codedX"...)
	case VideoSequenceEnd:
		dst = append(dst, "seq end"...)
	case VideoMetadata:
		dst = append(dst, "metadata "...)
		dst = strconv.AppendInt(dst, int64(p.DataLen), 10)
		return append(dst, "B AMF"...)
	case VideoMPEG2TSSequenceStart:
		dst = append(dst, "MPEG-2 TS seq start "...)
		dst = strconv.AppendInt(dst, int64(p.DataLen), 10)
		return append(dst, 'B')
	}
	// Configurations come with sequence headers only, so their summaries
	// stay strings.
	switch {
	case p.AVC != nil:
		dst = append(append(dst, ' '), p.AVC.Summary()...)
	case p.HEVC != nil:
		dst = append(append(dst, ' '), p.HEVC.Summary()...)
	case p.AV1 != nil:
		dst = append(append(dst, ' '), p.AV1.Summary()...)
	case p.VP != nil:
		dst = append(append(dst, ' '), p.VP.Summary()...)
	case p.VVC != nil:
		dst = append(append(dst, ' '), p.VVC.Summary()...)
	case p.H263 != nil:
		// A picture header replaces the packet type.
		dst = append(dst[:start], p.H263.PictureType...)
		dst = append(dst, "-picture "...)
		return appendSize(dst, p.H263.Width, p.H263.Height)
	case p.VP6 != nil:
		dst = dst[:start]
		if p.VP6.KeyFrame {
			dst = appendSize(dst, p.VP6.Width, p.VP6.Height)
			dst = append(dst, ' ')
		}
		dst = append(dst, "q="...)
		return strconv.AppendUint(dst, uint64(p.VP6.Quantizer), 10)
	case p.Screen != nil:
		return append(dst[:start], p.Screen.summary()...)
	}
	if p.PacketType == VideoCodedFrames || p.PacketType == VideoCodedFramesX {
		if p.CompositionTime != 0 || p.PacketType == VideoCodedFrames && (p.FourCC == FourCCAVC || p.FourCC == FourCCHEVC || p.FourCC == FourCCVVC) {
			dst = append(dst, " cts="...)
			dst = strconv.AppendInt(dst, int64(p.CompositionTime), 10)
			dst = append(dst, "ms"...)
		}
		switch {
		case len(p.NALUTypes) > 0:
			dst = appendTypes(append(dst, ' '), p.NALUTypes, p.UnitCount)
		case len(p.OBUTypes) > 0:
			dst = appendTypes(append(dst, " OBUs"...), p.OBUTypes, p.UnitCount)
		default:
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, int64(p.DataLen), 10)
			dst = append(dst, 'B')
		}
	}
	return dst
}

// appendTypes appends "[5,6]", or "[1,1,...,+3]" when total is more than
// the types listed.
func appendTypes(dst []byte, t []uint8, total int) []byte {
	dst = append(dst, '[')
	for i, x := range t {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(x), 10)
	}
	if total > len(t) {
		dst = append(dst, ",+"...)
		dst = strconv.AppendInt(dst, int64(total-len(t)), 10)
	}
	return append(dst, ']')
}

// appendSize appends "1280x720".
func appendSize(dst []byte, w, h int) []byte {
	dst = strconv.AppendInt(dst, int64(w), 10)
	dst = append(dst, 'x')
	return strconv.AppendInt(dst, int64(h), 10)
}
