package media

import (
	"fmt"
	"strconv"
)

// Audio is a decoded RTMP audio message body (an FLV AUDIODATA tag body),
// legacy or Enhanced RTMP.
type Audio struct {
	SoundFormat SoundFormat `json:"sound_format"`
	Codec       string      `json:"codec"`
	// Legacy header bits (FLV E.4.2.1); zero in Enhanced RTMP messages.
	SoundRate uint8 `json:"sound_rate"` // 0=5.5k 1=11k 2=22k 3=44k
	SoundSize uint8 `json:"sound_size"` // 0=8-bit 1=16-bit
	SoundType uint8 `json:"sound_type"` // 0=mono 1=stereo
	// Effective values: from the codec configuration or frame header when
	// there is one, else what the header bits or the format imply. AAC's
	// header bits are fixed (44 kHz stereo whatever the stream is), so an
	// AAC coded frame has none of its own: Formats fills them in from the
	// stream's AudioSpecificConfig (FromConfig), and they stay 0 when no
	// sequence header was seen.
	SampleRate    int `json:"sample_rate,omitempty"`
	BitsPerSample int `json:"bits_per_sample,omitempty"`
	Channels      int `json:"channels,omitempty"`
	// FromConfig says the effective values of a coded frame come from the
	// stream's last sequence header (see Formats).
	FromConfig bool `json:"from_config,omitempty"`

	// Silence is the undocumented empty audio message (no header at all).
	Silence bool `json:"silence,omitempty"`

	Enhanced bool `json:"enhanced,omitempty"`
	// ModEx lists the E-RTMP packet modifiers, in wire order.
	ModEx []ModEx `json:"modex,omitempty"`
	// Multitrack is set for E-RTMP multitrack messages; Tracks then holds
	// every track and the embedded payload is left empty.
	Multitrack *MultitrackType `json:"multitrack,omitempty"`
	Tracks     []AudioTrack    `json:"tracks,omitempty"`

	AudioPayload
}

// AudioTrack is one track of an E-RTMP multitrack audio message.
type AudioTrack struct {
	TrackID uint8 `json:"track_id"`
	// Size is sizeOfAudioTrack; -1 for OneTrack, which carries none.
	Size int `json:"size"`
	AudioPayload
}

// AudioPayload is what follows the header of one (track of an) audio message.
type AudioPayload struct {
	FourCC FourCC `json:"fourcc,omitempty"`
	// PacketType is the E-RTMP AudioPacketType or, for legacy AAC, the
	// AACPacketType (0 sequence header, 1 raw). Other legacy formats carry
	// only coded frames.
	PacketType   AudioPacketType     `json:"packet_type"`
	AAC          *AACConfig          `json:"aac_config,omitempty"`
	MP3          *MP3Header          `json:"mp3,omitempty"`
	Opus         *OpusHeader         `json:"opus_header,omitempty"`
	FLAC         *FLACStreamInfo     `json:"flac_streaminfo,omitempty"`
	Multichannel *MultichannelConfig `json:"multichannel,omitempty"`
	DataOffset   int                 `json:"data_offset"` // of Data within the message body
	DataLen      int                 `json:"data_len"`
	Data         []byte              `json:"-"`
}

// MultichannelConfig is the E-RTMP AudioPacketType.MultichannelConfig body.
type MultichannelConfig struct {
	Order        uint8   `json:"order"` // 0 unspecified, 1 native, 2 custom
	OrderName    string  `json:"order_name"`
	ChannelCount uint8   `json:"channel_count"`
	Mapping      []uint8 `json:"mapping,omitempty"`       // custom: AudioChannel per channel
	Flags        uint32  `json:"channel_flags,omitempty"` // native: AudioChannelMask bits
}

var legacyRates = [4]int{5512, 11025, 22050, 44100}

// maxTracks bounds the multitrack loop; a track needs at least two bytes
// so a 16 MB message could otherwise announce millions of them.
const maxTracks = 256

// DecodeAudio decodes an audio message body.
func DecodeAudio(buf []byte) (Audio, error) {
	var a Audio
	err := a.Unmarshal(buf)
	return a, err
}

// Unmarshal decodes buf into a, replacing its contents. On error a keeps
// every field decoded before the problem.
func (a *Audio) Unmarshal(buf []byte) error {
	*a = Audio{}
	if len(buf) == 0 {
		a.Silence = true
		a.Codec = "silence"
		return nil
	}
	a.SoundFormat = SoundFormat(buf[0] >> 4)
	if a.SoundFormat == SoundExHeader {
		return a.unmarshalEx(buf)
	}
	a.Codec = legacyAudioCodec(a.SoundFormat)
	a.SoundRate = buf[0] >> 2 & 3
	a.SoundSize = buf[0] >> 1 & 1
	a.SoundType = buf[0] & 1
	a.SampleRate = legacyRates[a.SoundRate]
	a.BitsPerSample = 8 << a.SoundSize
	a.Channels = 1 + int(a.SoundType)
	a.PacketType = AudioCodedFrames
	switch a.SoundFormat {
	case SoundNellymoser16k:
		a.SampleRate, a.Channels = 16000, 1
	case SoundNellymoser8k:
		a.SampleRate, a.Channels = 8000, 1
	case SoundMP38k, SoundG711ALaw, SoundG711MuLaw:
		a.SampleRate = 8000
	case SoundSpeex:
		a.SampleRate, a.Channels = 16000, 1
	}
	switch a.SoundFormat {
	case SoundNellymoser16k, SoundNellymoser8k, SoundNellymoser, SoundSpeex, SoundMP3, SoundMP38k, SoundAAC, SoundADPCM:
		a.BitsPerSample = 0 // compressed: the size bit says nothing useful
	}
	if a.SoundFormat == SoundAAC {
		if len(buf) < 2 {
			return truncated(1, "AACPacketType")
		}
		a.PacketType = AudioPacketType(buf[1])
		a.setData(buf, 2, len(buf))
		// The header bits of AAC are always 3/1 (FLV E.4.2.1): they say
		// nothing about the stream, only the AudioSpecificConfig does.
		a.SampleRate, a.Channels = 0, 0
		switch a.PacketType {
		case AudioSequenceStart:
			c, err := DecodeAACConfig(a.Data)
			a.AAC = &c
			if c.SampleRate > 0 {
				a.SampleRate = c.SampleRate
				if c.ExtSampleRate > 0 {
					a.SampleRate = c.ExtSampleRate
				}
			}
			if c.Channels > 0 {
				a.Channels = c.Channels
				if c.PS && c.Channels == 1 {
					a.Channels = 2
				}
			}
			return rebase(err, 2)
		case AudioCodedFrames:
			return nil
		default:
			return invalid(1, "AACPacketType", "%d", buf[1])
		}
	}
	a.setData(buf, 1, len(buf))
	if (a.SoundFormat == SoundMP3 || a.SoundFormat == SoundMP38k) && len(a.Data) > 0 {
		h, err := DecodeMP3Header(a.Data)
		a.MP3 = &h
		if err != nil {
			return rebase(err, 1)
		}
		a.SampleRate, a.Channels = h.SampleRate, h.Channels
	}
	if a.SoundFormat == 12 || a.SoundFormat == 13 {
		return unsupported(0, "SoundFormat", "reserved %d", a.SoundFormat)
	}
	return nil
}

func (p *AudioPayload) setData(buf []byte, from, to int) {
	p.DataOffset = from
	p.Data = buf[from:to]
	p.DataLen = to - from
}

func legacyAudioCodec(f SoundFormat) string {
	switch f {
	case SoundLPCMPlatform, SoundLPCMLE:
		return "LPCM"
	case SoundADPCM:
		return "ADPCM"
	case SoundMP3, SoundMP38k:
		return "MP3"
	case SoundNellymoser16k, SoundNellymoser8k, SoundNellymoser:
		return "Nellymoser"
	case SoundG711ALaw:
		return "G.711 A-law"
	case SoundG711MuLaw:
		return "G.711 mu-law"
	case SoundAAC:
		return "AAC"
	case SoundSpeex:
		return "Speex"
	case SoundDevice:
		return "device-specific"
	}
	return f.String()
}

func (a *Audio) unmarshalEx(buf []byte) error {
	a.Enhanced = true
	pt := buf[0] & 15
	off := 1
	var err error
	pt, off, err = readModEx(buf, off, pt, uint8(AudioModEx), &a.ModEx)
	a.PacketType = AudioPacketType(pt)
	if err != nil {
		return err
	}
	if a.PacketType != AudioMultitrack {
		if off+4 > len(buf) {
			return truncated(off, "audio FourCC")
		}
		a.FourCC = fourCCFrom(buf[off : off+4])
		a.Codec = a.FourCC.CodecName()
		off += 4
		err := a.AudioPayload.decode(buf, off, len(buf))
		a.fillEffective(&a.AudioPayload)
		return err
	}
	mt, tpt, fourcc, off, read, err := readMultitrackHeader(buf, off, uint8(AudioMultitrack), "audio")
	if read {
		a.Multitrack = &mt
		a.PacketType = AudioPacketType(tpt)
	}
	if err != nil {
		return err
	}
	for off < len(buf) {
		if len(a.Tracks) >= maxTracks {
			return invalid(off, "audio tracks", "more than %d", maxTracks)
		}
		h, next, end, err := readTrackHeader(buf, off, mt, fourcc, "audio", "sizeOfAudioTrack")
		t := AudioTrack{Size: h.size}
		t.PacketType, t.FourCC, t.TrackID = a.PacketType, h.fourCC, h.trackID
		if err != nil {
			if h.sized {
				a.Tracks = append(a.Tracks, t)
			}
			return err
		}
		off = next
		err = t.decode(buf, off, end)
		a.Tracks = append(a.Tracks, t)
		if err != nil {
			return err
		}
		off = end
		if mt == OneTrack {
			break
		}
	}
	a.Codec = "multitrack"
	if len(a.Tracks) > 0 {
		a.Codec = a.Tracks[0].FourCC.CodecName()
		a.fillEffective(&a.Tracks[0].AudioPayload)
	}
	return nil
}

// fillEffective copies the rate and channels of a decoded configuration to
// the message level.
func (a *Audio) fillEffective(p *AudioPayload) {
	switch {
	case p.AAC != nil:
		a.SampleRate, a.Channels = p.AAC.SampleRate, p.AAC.Channels
		if p.AAC.ExtSampleRate > 0 {
			a.SampleRate = p.AAC.ExtSampleRate
		}
	case p.Opus != nil:
		// Opus always decodes at 48 kHz; the input rate is informational.
		a.SampleRate, a.Channels = 48000, int(p.Opus.Channels)
	case p.FLAC != nil:
		a.SampleRate, a.Channels, a.BitsPerSample = int(p.FLAC.SampleRate), int(p.FLAC.Channels), int(p.FLAC.BitsPerSample)
	case p.MP3 != nil:
		a.SampleRate, a.Channels = p.MP3.SampleRate, p.MP3.Channels
	case p.Multichannel != nil:
		a.Channels = int(p.Multichannel.ChannelCount)
	}
}

// decode decodes buf[off:end] as the payload for p.PacketType and p.FourCC.
func (p *AudioPayload) decode(buf []byte, off, end int) error {
	p.setData(buf, off, end)
	var err error
	switch p.PacketType {
	case AudioSequenceStart:
		switch p.FourCC {
		case FourCCAAC:
			c, e := DecodeAACConfig(p.Data)
			p.AAC, err = &c, e
		case FourCCOpus:
			h, e := DecodeOpusHeader(p.Data)
			p.Opus, err = &h, e
		case FourCCFLAC:
			s, e := DecodeFLACStreamInfo(p.Data)
			p.FLAC, err = &s, e
		}
	case AudioCodedFrames:
		if p.FourCC == FourCCMP3 && len(p.Data) > 0 {
			h, e := DecodeMP3Header(p.Data)
			p.MP3, err = &h, e
		}
	case AudioSequenceEnd:
	case AudioMultichannelConfig:
		m, e := decodeMultichannel(p.Data)
		p.Multichannel, err = &m, e
	default:
		err = unsupported(0, "AudioPacketType", "%d", uint8(p.PacketType))
		return rebase(err, off-1)
	}
	if err == nil && !p.FourCC.Known() {
		err = unsupported(0, "audio FourCC", "%s", p.FourCC)
		return rebase(err, off-4)
	}
	return rebase(err, off)
}

var channelOrderNames = [...]string{"unspecified", "native", "custom"}

func decodeMultichannel(b []byte) (MultichannelConfig, error) {
	var m MultichannelConfig
	if len(b) < 2 {
		return m, truncated(len(b), "MultichannelConfig")
	}
	m.Order, m.ChannelCount = b[0], b[1]
	if int(m.Order) < len(channelOrderNames) {
		m.OrderName = channelOrderNames[m.Order]
	} else {
		m.OrderName = fmt.Sprintf("reserved (%d)", m.Order)
	}
	switch m.Order {
	case 1:
		if len(b) < 6 {
			return m, truncated(len(b), "audioChannelFlags")
		}
		m.Flags = be32(b[2:])
	case 2:
		if len(b) < 2+int(m.ChannelCount) {
			return m, truncated(len(b), "audioChannelMapping")
		}
		m.Mapping = append([]uint8(nil), b[2:2+int(m.ChannelCount)]...)
	case 0:
	default:
		return m, invalid(0, "AudioChannelOrder", "%d", m.Order)
	}
	return m, nil
}

// Summary is a compact one-line description, e.g. "AAC raw 44100Hz stereo".
func (a *Audio) Summary() string {
	var buf [64]byte // most summaries fit: one allocation, the string's
	return string(a.AppendSummary(buf[:0]))
}

// AppendSummary appends Summary to dst. It is the one-line views' way in:
// a line built in a buffer needs no string of its own per message.
func (a *Audio) AppendSummary(dst []byte) []byte {
	if a.Silence {
		return append(dst, "audio silence (empty message)"...)
	}
	if !a.Enhanced {
		dst = append(dst, a.Codec...)
		if a.SoundFormat == SoundAAC {
			if a.PacketType == AudioSequenceStart {
				dst = append(dst, " seq hdr"...)
				if a.AAC != nil {
					return append(append(dst, ' '), a.AAC.Summary()...)
				}
			} else {
				dst = append(dst, " raw"...)
			}
		}
		if a.MP3 != nil {
			return append(append(dst, ' '), a.MP3.Summary()...)
		}
		if a.SampleRate == 0 && a.Channels == 0 {
			return dst // AAC without its sequence header: unknown
		}
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(a.SampleRate), 10)
		dst = append(dst, "Hz "...)
		dst = appendChannels(dst, a.Channels)
		if a.BitsPerSample > 0 {
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, int64(a.BitsPerSample), 10)
			dst = append(dst, "bit"...)
		}
		return dst
	}
	if a.Multitrack != nil {
		dst = append(dst, "multitrack "...)
		dst = append(dst, a.Multitrack.String()...)
		dst = appendModEx(dst, a.ModEx)
		for i := range a.Tracks {
			t := &a.Tracks[i]
			dst = append(dst, "; #"...)
			dst = strconv.AppendUint(dst, uint64(t.TrackID), 10)
			dst = append(dst, ' ')
			dst = t.appendSummary(dst)
		}
		return dst
	}
	dst = a.AudioPayload.appendSummary(dst)
	return appendModEx(dst, a.ModEx)
}

// appendSummary appends an Enhanced RTMP payload's part of Summary.
func (p *AudioPayload) appendSummary(dst []byte) []byte {
	dst = append(dst, p.FourCC.CodecName()...)
	dst = append(dst, ' ')
	dst = append(dst, packetTypeShort(p.PacketType)...)
	// Configurations come with sequence headers only, so their summaries
	// stay strings.
	switch {
	case p.AAC != nil:
		dst = append(append(dst, ' '), p.AAC.Summary()...)
	case p.Opus != nil:
		dst = append(append(dst, ' '), p.Opus.Summary()...)
	case p.FLAC != nil:
		dst = append(append(dst, ' '), p.FLAC.Summary()...)
	case p.MP3 != nil:
		dst = append(append(dst, ' '), p.MP3.Summary()...)
	case p.Multichannel != nil:
		dst = append(dst, ' ')
		dst = append(dst, p.Multichannel.OrderName...)
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(p.Multichannel.ChannelCount), 10)
		dst = append(dst, "ch"...)
	case p.PacketType == AudioCodedFrames:
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(p.DataLen), 10)
		dst = append(dst, 'B')
	}
	return dst
}

func packetTypeShort(t AudioPacketType) string {
	switch t {
	case AudioSequenceStart:
		return "seq start"
	case AudioCodedFrames:
		return "coded"
	case AudioSequenceEnd:
		return "seq end"
	case AudioMultichannelConfig:
		return "multichannel"
	}
	return t.String()
}
