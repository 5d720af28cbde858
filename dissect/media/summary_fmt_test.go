package media

import (
	"fmt"
	"strings"
)

// The summaries as they were written with fmt, before they were built with
// strconv into one buffer: the fuzz targets hold the two equal.

func fmtVideoSummary(v *Video) string {
	var b strings.Builder
	if v.Command != nil {
		fmt.Fprintf(&b, "%s command: %s", v.Codec, v.Command)
		return b.String()
	}
	if v.Multitrack != nil {
		fmt.Fprintf(&b, "%s multitrack %s%s", v.FrameType, v.Multitrack, fmtModExSummary(v.ModEx))
		for i := range v.Tracks {
			fmt.Fprintf(&b, "; #%d %s %s", v.Tracks[i].TrackID, v.Tracks[i].FourCC.CodecName(), fmtVideoPayloadSummary(&v.Tracks[i].VideoPayload, true))
		}
		return b.String()
	}
	b.WriteString(v.Codec)
	// An H.263 picture header names its own type ("disposable P"), which
	// says what the frame type would say again.
	if !(v.Enhanced && v.PacketType == VideoMetadata) && v.H263 == nil {
		b.WriteString(" " + frameTypeShort(v.FrameType))
	}
	b.WriteString(" " + fmtVideoPayloadSummary(&v.VideoPayload, v.Enhanced))
	b.WriteString(fmtModExSummary(v.ModEx))
	return strings.TrimRight(b.String(), " ")
}

func fmtVideoPayloadSummary(p *VideoPayload, enhanced bool) string {
	var s string
	switch p.PacketType {
	case VideoSequenceStart:
		if enhanced {
			s = "seq start"
		} else {
			s = "seq hdr"
		}
	case VideoCodedFrames:
		if enhanced {
			s = "coded"
		} else {
			s = "NALU"
		}
	case VideoCodedFramesX:
		s = "codedX"
	case VideoSequenceEnd:
		s = "seq end"
	case VideoMetadata:
		return fmt.Sprintf("metadata %dB AMF", p.DataLen)
	case VideoMPEG2TSSequenceStart:
		return fmt.Sprintf("MPEG-2 TS seq start %dB", p.DataLen)
	}
	switch {
	case p.AVC != nil:
		s += " " + p.AVC.Summary()
	case p.HEVC != nil:
		s += " " + p.HEVC.Summary()
	case p.AV1 != nil:
		s += " " + p.AV1.Summary()
	case p.VP != nil:
		s += " " + p.VP.Summary()
	case p.VVC != nil:
		s += " " + p.VVC.Summary()
	case p.H263 != nil:
		return fmt.Sprintf("%s-picture %dx%d", p.H263.PictureType, p.H263.Width, p.H263.Height)
	case p.VP6 != nil:
		if p.VP6.KeyFrame {
			return fmt.Sprintf("%dx%d q=%d", p.VP6.Width, p.VP6.Height, p.VP6.Quantizer)
		}
		return fmt.Sprintf("q=%d", p.VP6.Quantizer)
	case p.Screen != nil:
		return p.Screen.summary()
	}
	if p.PacketType == VideoCodedFrames || p.PacketType == VideoCodedFramesX {
		if p.CompositionTime != 0 || p.PacketType == VideoCodedFrames && (p.FourCC == FourCCAVC || p.FourCC == FourCCHEVC || p.FourCC == FourCCVVC) {
			s += fmt.Sprintf(" cts=%dms", p.CompositionTime)
		}
		switch {
		case len(p.NALUTypes) > 0:
			s += " " + fmtJoinTypes(p.NALUTypes, p.UnitCount)
		case len(p.OBUTypes) > 0:
			s += " OBUs" + fmtJoinTypes(p.OBUTypes, p.UnitCount)
		default:
			s += fmt.Sprintf(" %dB", p.DataLen)
		}
	}
	return s
}

func fmtJoinTypes(t []uint8, total int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range t {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, x)
	}
	if total > len(t) {
		fmt.Fprintf(&b, ",+%d", total-len(t))
	}
	b.WriteByte(']')
	return b.String()
}

func fmtAudioSummary(a *Audio) string {
	if a.Silence {
		return "audio silence (empty message)"
	}
	var b strings.Builder
	if !a.Enhanced {
		b.WriteString(a.Codec)
		if a.SoundFormat == SoundAAC {
			if a.PacketType == AudioSequenceStart {
				b.WriteString(" seq hdr")
				if a.AAC != nil {
					b.WriteString(" " + fmtAACSummary(a.AAC))
					return b.String()
				}
			} else {
				b.WriteString(" raw")
			}
		}
		if a.MP3 != nil {
			b.WriteString(" " + a.MP3.Summary())
			return b.String()
		}
		if a.SampleRate == 0 && a.Channels == 0 {
			return b.String() // AAC without its sequence header: unknown
		}
		fmt.Fprintf(&b, " %dHz %s", a.SampleRate, fmtChannelsName(a.Channels))
		if a.BitsPerSample > 0 {
			fmt.Fprintf(&b, " %dbit", a.BitsPerSample)
		}
		return b.String()
	}
	if a.Multitrack != nil {
		fmt.Fprintf(&b, "multitrack %s%s", a.Multitrack, fmtModExSummary(a.ModEx))
		for _, t := range a.Tracks {
			fmt.Fprintf(&b, "; #%d %s", t.TrackID, fmtAudioPayloadSummary(&t.AudioPayload))
		}
		return b.String()
	}
	b.WriteString(fmtAudioPayloadSummary(&a.AudioPayload))
	b.WriteString(fmtModExSummary(a.ModEx))
	return b.String()
}

func fmtAudioPayloadSummary(p *AudioPayload) string {
	s := p.FourCC.CodecName() + " " + packetTypeShort(p.PacketType)
	switch {
	case p.AAC != nil:
		s += " " + fmtAACSummary(p.AAC)
	case p.Opus != nil:
		s += " " + p.Opus.Summary()
	case p.FLAC != nil:
		s += " " + p.FLAC.Summary()
	case p.MP3 != nil:
		s += " " + p.MP3.Summary()
	case p.Multichannel != nil:
		s += fmt.Sprintf(" %s %dch", p.Multichannel.OrderName, p.Multichannel.ChannelCount)
	case p.PacketType == AudioCodedFrames:
		s += fmt.Sprintf(" %dB", p.DataLen)
	}
	return s
}

func fmtModExSummary(m []ModEx) string {
	var b strings.Builder
	for _, x := range m {
		if x.Type == 0 {
			fmt.Fprintf(&b, " +%dns", x.TimestampOffsetNano)
		} else {
			fmt.Fprintf(&b, " modex%d", x.Type)
		}
	}
	return b.String()
}

func fmtSubMessageSummary(m *SubMessage) string {
	s := fmt.Sprintf("type %d ts=%d %dB", m.TypeID, m.Timestamp, m.Size)
	switch {
	case m.Audio != nil:
		s += " " + fmtAudioSummary(m.Audio)
	case m.Video != nil:
		s += " " + fmtVideoSummary(m.Video)
	}
	return s
}

func fmtAACSummary(c *AACConfig) string {
	s := fmt.Sprintf("%s %dHz %s", c.ObjectTypeName, c.SampleRate, fmtChannelsName(c.Channels))
	if c.PS {
		s += " +SBR+PS"
	} else if c.SBR {
		s += " +SBR"
	}
	return s
}

func fmtChannelsName(n int) string {
	switch n {
	case 0:
		return "PCE"
	case 1:
		return "mono"
	case 2:
		return "stereo"
	}
	return fmt.Sprintf("%dch", n)
}
