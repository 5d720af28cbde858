package tree

import (
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/media"
)

// The media decoder reports where each payload (and each multitrack
// track's payload) starts — DataOffset — but not where every header field
// is. Header fields whose position is fixed by the FLV / Enhanced RTMP
// layout get their bytes computed here; the rest (ModEx entries, bit
// fields inside SPS NAL units) are NoBytes. base is added to every offset:
// 0 for a message body, the record's body offset inside an aggregate.

// at returns a Body node at base+off when the decoder's state shows the
// field was on the wire (ok), else a NoBytes node.
func (a *Arena) at(ok bool, label, value string, base, off, n int) *Node {
	if !ok {
		return a.field(label, value)
	}
	return a.bodyField(label, value, base+off, n)
}

func (a *Arena) audio(au *media.Audio, base int) []*Node {
	if au.Silence {
		return a.app(nil, a.field("Audio", "empty message (no header: silence)"))
	}
	var out []*Node
	if !au.Enhanced {
		out = a.app(out,
			a.bodyField("Sound format", a.numName(uint64(au.SoundFormat), au.SoundFormat.String()), base, 1),
			a.bodyField("Sound rate (header bits)", a.numNameThen(uint64(au.SoundRate), soundRates[au.SoundRate&3], fixedForAAC(au)), base, 1),
			a.bodyField("Sound size (header bits)", a.numName(uint64(au.SoundSize), soundSizes[au.SoundSize&1]), base, 1),
			a.bodyField("Sound type (header bits)", a.numNameThen(uint64(au.SoundType), soundTypes[au.SoundType&1], fixedForAAC(au)), base, 1),
		)
		if au.SoundFormat == media.SoundAAC {
			ok := au.DataOffset == 2
			out = a.app(out, a.at(ok, "AAC packet type", a.numName(uint64(au.PacketType), aacPacketType(au.PacketType)), base, 1, 1))
		}
	} else {
		out = a.app(out,
			a.bodyField("Sound format", a.numName(uint64(au.SoundFormat), au.SoundFormat.String()), base, 1),
			a.field("Enhanced RTMP", "yes (ExHeader)"),
		)
		out = a.app(out, a.modEx(au.ModEx)...)
		if au.Multitrack != nil {
			out = a.app(out, a.field("Multitrack type", au.Multitrack.String()))
		}
		out = a.app(out, a.field("Packet type", a.numName(uint64(au.PacketType), au.PacketType.String())))
	}
	out = a.app(out, a.effectiveAudio(au)...)
	if au.Multitrack != nil {
		for i := range au.Tracks {
			t := &au.Tracks[i]
			tn := a.field(a.numbered("Track ", i+1), a.join("id ", a.utoa(uint64(t.TrackID)), ", ", t.FourCC.CodecName())).expand()
			a.add(tn, a.field("Track ID", a.utoa(uint64(t.TrackID))), a.field("FourCC", fourCC(t.FourCC)))
			if t.Size >= 0 {
				a.add(tn, a.field("Track size", a.itoa(int64(t.Size))))
			}
			a.add(tn, a.field("Packet type", a.numName(uint64(t.PacketType), t.PacketType.String())))
			a.add(tn, a.audioPayload(&t.AudioPayload, base)...)
			out = a.app(out, tn)
		}
		return out
	}
	if au.Enhanced {
		// FourCC sits right before the payload when nothing failed early.
		out = a.app(out, a.at(au.FourCC != "" && au.DataOffset >= 5, "FourCC", fourCC(au.FourCC), base, au.DataOffset-4, 4))
	}
	return a.app(out, a.audioPayload(&au.AudioPayload, base)...)
}

// The meanings of the legacy audio header's bit fields.
var (
	soundRates = [4]string{"5.5 kHz", "11 kHz", "22 kHz", "44 kHz"}
	soundSizes = [2]string{"8-bit", "16-bit"}
	soundTypes = [2]string{"mono", "stereo"}
)

// fixedForAAC notes that AAC's rate and type bits are fixed (3 and 1)
// and say nothing about the stream.
func fixedForAAC(au *media.Audio) string {
	if au.SoundFormat == media.SoundAAC {
		return ", fixed for AAC"
	}
	return ""
}

func aacPacketType(t media.AudioPacketType) string {
	switch t {
	case 0:
		return "sequence header"
	case 1:
		return "raw"
	}
	return "invalid"
}

func fourCC(f media.FourCC) string {
	if f == "" {
		return "none"
	}
	return fmt.Sprintf("%q (%s)", string(f), f.CodecName())
}

func (a *Arena) effectiveAudio(au *media.Audio) []*Node {
	var buf textBuf
	parts := buf[:0]
	sep := func() {
		if len(parts) > 0 {
			parts = append(parts, ", "...)
		}
	}
	if au.SampleRate > 0 {
		parts = append(strconv.AppendInt(parts, int64(au.SampleRate), 10), " Hz"...)
	}
	if au.Channels > 0 {
		sep()
		parts = appendCount(parts, au.Channels, "channel")
	}
	if au.BitsPerSample > 0 {
		sep()
		parts = append(strconv.AppendInt(parts, int64(au.BitsPerSample), 10), "-bit"...)
	}
	if len(parts) == 0 {
		if !au.Enhanced && au.SoundFormat == media.SoundAAC && au.PacketType == media.AudioCodedFrames {
			return a.app(nil, a.field("Effective format", "unknown (no AAC sequence header seen on this stream)"))
		}
		return nil
	}
	label := "Effective format"
	if au.FromConfig {
		label = "Effective format (from the sequence header)"
	}
	return a.app(nil, a.field(label, a.str(parts)))
}

func (a *Arena) modEx(ms []media.ModEx) []*Node {
	var out []*Node
	for i, m := range ms {
		n := a.field(a.numbered("ModEx ", i+1), fmt.Sprintf("type %d, %d data bytes", m.Type, m.DataLen))
		if m.Type == 0 {
			n.Value = fmt.Sprintf("TimestampOffsetNano %d ns", m.TimestampOffsetNano)
		}
		out = a.app(out, n)
	}
	return out
}

func (a *Arena) audioPayload(p *media.AudioPayload, base int) []*Node {
	var out []*Node
	cfg := func(label, summary string) *Node {
		return a.bodyField(label, summary, base+p.DataOffset, p.DataLen).expand()
	}
	switch {
	case p.AAC != nil:
		c := p.AAC
		n := a.add(cfg("AudioSpecificConfig", c.Summary()),
			a.field("Audio object type", fmt.Sprintf("%d (%s)", c.ObjectType, c.ObjectTypeName)),
			a.field("Sampling frequency index", fmt.Sprintf("%d (%d Hz)", c.FrequencyIndex, c.SampleRate)),
			a.field("Channel configuration", fmt.Sprintf("%d (%s)", c.ChannelConfig, count(c.Channels, "channel"))),
		)
		if c.FrameLength > 0 {
			a.add(n, a.field("Frame length", fmt.Sprint(c.FrameLength)))
		}
		a.add(n, a.field("Depends on core coder", yesNo(c.DependsOnCore)), a.field("Extension flag", yesNo(c.ExtensionFlag)))
		if c.HasPCE {
			a.add(n, a.field("Program config element", "present (not decoded)"))
		}
		if c.SBR || c.PS || c.ExtObjectType != 0 {
			a.add(n, a.field("SBR", yesNo(c.SBR)), a.field("PS", yesNo(c.PS)),
				a.field("Extension object type", fmt.Sprint(c.ExtObjectType)),
				a.field("Extension sample rate", fmt.Sprintf("%d Hz", c.ExtSampleRate)))
		}
		a.add(n, a.field("Signalling", c.Signalling))
		out = a.app(out, n)
	case p.Opus != nil:
		h := p.Opus
		out = a.app(out, a.add(cfg("Opus header", h.Summary()),
			a.field("Form", h.Form), a.field("Version", fmt.Sprint(h.Version)),
			a.field("Channels", fmt.Sprint(h.Channels)), a.field("Pre-skip", fmt.Sprint(h.PreSkip)),
			a.field("Input sample rate", fmt.Sprintf("%d Hz", h.InputSampleRate)),
			a.field("Output gain", fmt.Sprintf("%.2f dB", float64(h.OutputGain)/256)),
			a.field("Mapping family", fmt.Sprint(h.MappingFamily)),
		))
	case p.FLAC != nil:
		s := p.FLAC
		out = a.app(out, a.add(cfg("FLAC STREAMINFO", s.Summary()),
			a.field("Form", s.Form),
			a.field("Block size", fmt.Sprintf("%d–%d", s.MinBlockSize, s.MaxBlockSize)),
			a.field("Frame size", fmt.Sprintf("%d–%d", s.MinFrameSize, s.MaxFrameSize)),
			a.field("Sample rate", fmt.Sprintf("%d Hz", s.SampleRate)),
			a.field("Channels", fmt.Sprint(s.Channels)), a.field("Bits per sample", fmt.Sprint(s.BitsPerSample)),
			a.field("Total samples", fmt.Sprint(s.TotalSamples)), a.field("MD5", s.MD5),
		))
	case p.MP3 != nil:
		h := p.MP3
		out = a.app(out, a.add(a.bodyField("MPEG audio frame header", h.Summary(), base+p.DataOffset, min(4, p.DataLen)),
			a.field("Version", h.Version), a.field("Layer", fmt.Sprint(h.Layer)),
			a.field("Bitrate", fmt.Sprintf("%d kbit/s", h.Bitrate)), a.field("Sample rate", fmt.Sprintf("%d Hz", h.SampleRate)),
			a.field("Channel mode", h.ChannelMode), a.field("Padding", yesNo(h.Padding)), a.field("CRC", yesNo(h.CRC)),
		))
	case p.Multichannel != nil:
		mc := p.Multichannel
		n := a.add(cfg("Multichannel configuration", fmt.Sprintf("%s order, %s", mc.OrderName, count(int(mc.ChannelCount), "channel"))),
			a.field("Channel order", fmt.Sprintf("%d (%s)", mc.Order, mc.OrderName)),
			a.field("Channel count", fmt.Sprint(mc.ChannelCount)),
		)
		if len(mc.Mapping) > 0 {
			a.add(n, a.field("Mapping", fmt.Sprint(mc.Mapping)))
		}
		if mc.Flags != 0 {
			a.add(n, a.field("Channel flags", fmt.Sprintf("0x%08x", mc.Flags)))
		}
		out = a.app(out, n)
	}
	out = a.app(out, a.bodyField("Data", a.itoaThen(int64(p.DataLen), " bytes"), base+p.DataOffset, p.DataLen))
	return out
}

// n is the length of the video body starting at base.
func (a *Arena) video(v *media.Video, base, n int) []*Node {
	var out []*Node
	out = a.app(out, a.at(n >= 1, "Frame type", a.numName(uint64(v.FrameType), v.FrameType.String()), base, 0, 1))
	if !v.Enhanced {
		out = a.app(out, a.at(n >= 1, "Codec ID", a.numName(uint64(v.CodecID), v.CodecID.String()), base, 0, 1))
	} else {
		out = a.app(out, a.field("Enhanced RTMP", "yes (ExHeader)"))
		out = a.app(out, a.modEx(v.ModEx)...)
	}
	if v.Command != nil {
		return a.app(out, a.at(!v.Enhanced && n >= 2, "Video command", a.numName(uint64(*v.Command), v.Command.String()), base, 1, 1))
	}
	if v.Multitrack != nil {
		out = a.app(out, a.field("Multitrack type", v.Multitrack.String()),
			a.field("Packet type", a.numName(uint64(v.PacketType), v.PacketType.String())))
		for i := range v.Tracks {
			t := &v.Tracks[i]
			tn := a.field(a.numbered("Track ", i+1), a.join("id ", a.utoa(uint64(t.TrackID)), ", ", t.FourCC.CodecName())).expand()
			a.add(tn, a.field("Track ID", a.utoa(uint64(t.TrackID))), a.field("FourCC", fourCC(t.FourCC)))
			if t.Size >= 0 {
				a.add(tn, a.field("Track size", a.itoa(int64(t.Size))))
			}
			a.add(tn, a.videoPayload(&t.VideoPayload, base, false, true)...)
			out = a.app(out, tn)
		}
		return a.app(out, a.field("Codec", v.Codec))
	}
	legacyAVC := !v.Enhanced && (v.CodecID == media.CodecAVC || v.CodecID == media.CodecHEVC || v.CodecID == media.CodecAV1)
	if legacyAVC {
		ok := v.DataOffset == 5
		out = a.app(out,
			a.at(ok, "AVC packet type", a.numName(uint64(v.PacketType), avcPacketType(v.PacketType)), base, 1, 1),
			a.at(ok, "Composition time", a.itoaThen(int64(v.CompositionTime), " ms"), base, 2, 3))
	}
	if v.Enhanced {
		out = a.app(out, a.field("Packet type", a.numName(uint64(v.PacketType), v.PacketType.String())))
	}
	out = a.app(out, a.videoPayload(&v.VideoPayload, base, v.Enhanced, false)...)
	return out
}

func avcPacketType(t media.VideoPacketType) string {
	switch t {
	case 0:
		return "sequence header"
	case 1:
		return "NALU"
	case 2:
		return "end of sequence"
	}
	return "invalid"
}

// hasCTS reports whether an Enhanced RTMP payload carries a composition
// time: coded frames of the codecs with B-frames.
func hasCTS(p *media.VideoPayload) bool {
	return p.PacketType == media.VideoCodedFrames &&
		(p.FourCC == media.FourCCAVC || p.FourCC == media.FourCCHEVC || p.FourCC == media.FourCCVVC)
}

// videoPayload is the codec part of a video message or track. exHeader says
// the FourCC (and composition time) directly precede the payload, as in a
// single-track Enhanced RTMP message; track says p is a multitrack track
// (whose header layout this package does not locate).
func (a *Arena) videoPayload(p *media.VideoPayload, base int, exHeader, track bool) []*Node {
	var out []*Node
	if exHeader {
		cts := 0
		if hasCTS(p) {
			cts = 3
		}
		ok := p.FourCC != "" && p.DataOffset-cts-4 >= 1
		out = a.app(out, a.at(ok, "FourCC", fourCC(p.FourCC), base, p.DataOffset-cts-4, 4))
		if cts > 0 {
			out = a.app(out, a.at(ok, "Composition time", a.itoaThen(int64(p.CompositionTime), " ms"), base, p.DataOffset-3, 3))
		}
	} else if track && hasCTS(p) {
		out = a.app(out, a.field("Composition time", a.itoaThen(int64(p.CompositionTime), " ms")))
	}
	cfgBase := base + p.DataOffset
	cfg := func(label, summary string) *Node {
		return a.bodyField(label, summary, cfgBase, p.DataLen).expand()
	}
	switch {
	case p.AVC != nil:
		out = a.app(out, a.avcConfig(p.AVC, cfg, cfgBase, p.DataLen))
	case p.HEVC != nil:
		out = a.app(out, a.hevcConfig(p.HEVC, cfg, cfgBase, p.DataLen))
	case p.AV1 != nil:
		out = a.app(out, a.av1Config(p.AV1, cfg))
	case p.VP != nil:
		c := p.VP
		out = a.app(out, a.add(cfg("VP codec configuration (vpcC)", c.Summary()),
			a.field("Full box header", yesNo(c.FullBox)),
			a.field("Profile", fmt.Sprint(c.Profile)), a.field("Level", fmt.Sprintf("%d (%d.%d)", c.Level, c.Level/10, c.Level%10)),
			a.field("Bit depth", fmt.Sprint(c.BitDepth)), a.field("Chroma subsampling", fmt.Sprint(c.ChromaSubsampling)),
			a.field("Full range", yesNo(c.FullRange)), a.field("Colour primaries", fmt.Sprint(c.ColourPrimaries)),
			a.field("Transfer characteristics", fmt.Sprint(c.Transfer)), a.field("Matrix coefficients", fmt.Sprint(c.Matrix)),
			a.field("Codec init data", fmt.Sprintf("%d bytes", c.InitDataLen)),
		))
	case p.VVC != nil:
		c := p.VVC
		n := a.add(cfg("VVC decoder configuration (vvcC)", c.Summary()),
			a.field("NALU length size", fmt.Sprint(c.NALULengthSize)),
			a.field("Profile", fmt.Sprint(c.Profile)), a.field("Tier", fmt.Sprint(c.Tier)), a.field("Level", fmt.Sprint(c.Level)),
			a.field("Chroma format", fmt.Sprint(c.ChromaFormat)), a.field("Bit depth", fmt.Sprint(c.BitDepth)),
			a.field("Max picture size", fmt.Sprintf("%dx%d", c.MaxWidth, c.MaxHeight)),
		)
		a.add(n, a.nalArrays(c.Arrays))
		out = a.app(out, n)
	case p.H263 != nil:
		h := p.H263
		out = a.app(out, a.add(a.field("H.263 picture header", fmt.Sprintf("%dx%d %s", h.Width, h.Height, h.PictureType)),
			a.field("Version", fmt.Sprint(h.Version)), a.field("Temporal reference", fmt.Sprint(h.TemporalRef)),
			a.field("Picture size", fmt.Sprintf("%d (%dx%d)", h.PictureSize, h.Width, h.Height)),
			a.field("Picture type", h.PictureType),
		))
	case p.VP6 != nil:
		h := p.VP6
		n := a.add(a.field("VP6 header", fmt.Sprintf("key frame %s", yesNo(h.KeyFrame))),
			a.field("Horizontal adjust", fmt.Sprint(h.HAdjust)), a.field("Vertical adjust", fmt.Sprint(h.VAdjust)),
			a.field("Key frame", yesNo(h.KeyFrame)), a.field("Quantizer", fmt.Sprint(h.Quantizer)),
		)
		if h.Width > 0 {
			a.add(n, a.field("Size", fmt.Sprintf("%dx%d (%d×%d macroblocks)", h.Width, h.Height, h.MBCols, h.MBRows)))
		}
		out = a.app(out, n)
	case p.Screen != nil:
		h := p.Screen
		out = a.app(out, a.add(a.field("Screen video header", fmt.Sprintf("%dx%d", h.Width, h.Height)),
			a.field("Block size", fmt.Sprintf("%dx%d", h.BlockWidth, h.BlockHeight)),
			a.field("Image size", fmt.Sprintf("%dx%d", h.Width, h.Height)),
		))
	}
	if p.UnitCount > 0 {
		if len(p.NALUTypes) > 0 {
			out = a.app(out, a.units("NAL units", p.UnitCount, p.NALUTypes, nalName(p.FourCC)))
		}
		if len(p.OBUTypes) > 0 {
			out = a.app(out, a.units("OBUs", p.UnitCount, p.OBUTypes, obuName))
		}
	}
	out = a.app(out, a.bodyField("Data", a.itoaThen(int64(p.DataLen), " bytes"), base+p.DataOffset, p.DataLen))
	return out
}

// units lists NAL unit or OBU types.
func (a *Arena) units(label string, n int, types []uint8, name func(uint8) string) *Node {
	g := a.field(label, a.itoa(int64(n)))
	for i, t := range types {
		a.add(g, a.field(a.index(i), a.numName(uint64(t), name(t))))
	}
	if n > len(types) {
		a.add(g, a.field("…", fmt.Sprintf("%d more not listed", n-len(types))))
	}
	g.Expanded = len(types) <= expandLimit
	return g
}

func (a *Arena) avcConfig(c *media.AVCConfig, cfg func(string, string) *Node, off, n int) *Node {
	fixed := n >= 6
	fixedAt := func(label, value string, o, l int) *Node { return a.at(fixed, label, value, off, o, l) }
	g := a.add(cfg("AVC decoder configuration (avcC)", c.Summary()),
		fixedAt("Version", fmt.Sprint(c.Version), 0, 1),
		fixedAt("Profile", fmt.Sprintf("%d (%s)", c.Profile, media.H264ProfileName(c.Profile, c.Compatibility)), 1, 1),
		fixedAt("Profile compatibility", fmt.Sprintf("0x%02x", c.Compatibility), 2, 1),
		fixedAt("Level", fmt.Sprintf("%d", c.Level), 3, 1),
		fixedAt("NALU length size", fmt.Sprint(c.NALULengthSize), 4, 1),
		fixedAt("SPS count", fmt.Sprint(c.SPSCount), 5, 1),
	)
	// Parameter sets: a 16-bit length then the NAL unit, SPSs first, then
	// the PPS count byte and the PPSs.
	p := 6
	for i, s := range c.SPSList {
		sn := a.field(fmt.Sprintf("SPS %d", i+1), fmt.Sprintf("%d bytes", len(s)))
		if fixed && p+2+len(s) <= n {
			sn.Space, sn.Off, sn.Len = Body, int64(off+p), int64(2+len(s))
		}
		if i == 0 && c.SPS != nil {
			sn.Value = c.SPS.Summary()
			a.add(sn, a.h264SPS(c.SPS)...)
		}
		a.add(g, sn)
		p += 2 + len(s)
	}
	a.add(g, a.at(fixed && p < n, "PPS count", fmt.Sprint(c.PPSCount), off, p, 1))
	p++
	for i, s := range c.PPSList {
		pn := a.field(fmt.Sprintf("PPS %d", i+1), fmt.Sprintf("%d bytes", len(s)))
		if fixed && p+2+len(s) <= n {
			pn.Space, pn.Off, pn.Len = Body, int64(off+p), int64(2+len(s))
		}
		a.add(g, pn)
		p += 2 + len(s)
	}
	if c.ChromaFormat != nil {
		a.add(g, a.field("Chroma format", fmt.Sprint(*c.ChromaFormat)))
	}
	if c.BitDepthLuma != nil && c.BitDepthChroma != nil {
		a.add(g, a.field("Bit depth", fmt.Sprintf("luma %d, chroma %d", *c.BitDepthLuma, *c.BitDepthChroma)))
	}
	return g
}

func (a *Arena) h264SPS(s *media.H264SPS) []*Node {
	out := []*Node{
		a.field("Profile", fmt.Sprintf("%d (%s)", s.Profile, s.ProfileName)),
		a.field("Constraint flags", fmt.Sprintf("0x%02x", s.ConstraintFlags)),
		a.field("Level", fmt.Sprintf("%d (%s)", s.Level, s.LevelString())),
		a.field("SPS ID", fmt.Sprint(s.ID)),
		a.field("Chroma format", fmt.Sprint(s.ChromaFormat)),
		a.field("Bit depth", fmt.Sprintf("luma %d, chroma %d", s.BitDepthLuma, s.BitDepthChroma)),
		a.field("POC type", fmt.Sprint(s.POCType)),
		a.field("Max reference frames", fmt.Sprint(s.MaxRefFrames)),
		a.field("Frame MBs only", yesNo(s.FrameMBsOnly)),
		a.field("Coded size", fmt.Sprintf("%dx%d", s.CodedWidth, s.CodedHeight)),
	}
	if s.Crop != [4]uint32{} {
		out = a.app(out, a.field("Cropping", fmt.Sprintf("left %d, right %d, top %d, bottom %d", s.Crop[0], s.Crop[1], s.Crop[2], s.Crop[3])))
	}
	out = a.app(out, a.field("Size", fmt.Sprintf("%dx%d", s.Width, s.Height)))
	if s.VUI {
		if s.SARWidth != 0 {
			out = a.app(out, a.field("Sample aspect ratio", fmt.Sprintf("%d:%d", s.SARWidth, s.SARHeight)))
		}
		out = a.app(out, a.field("Full range", yesNo(s.FullRange)))
		if s.ColourPrimaries != 0 || s.Transfer != 0 || s.Matrix != 0 {
			out = a.app(out, a.field("Colour", fmt.Sprintf("primaries %d, transfer %d, matrix %d", s.ColourPrimaries, s.Transfer, s.Matrix)))
		}
	}
	if s.TimingInfo {
		out = a.app(out, a.field("Timing", fmt.Sprintf("time scale %d, units per tick %d, fixed %s", s.TimeScale, s.NumUnitsInTick, yesNo(s.FixedFrameRate))))
		if s.FrameRate > 0 {
			out = a.app(out, a.field("Frame rate", fmt.Sprintf("%g fps", s.FrameRate)))
		}
	}
	return out
}

func (a *Arena) hevcConfig(c *media.HEVCConfig, cfg func(string, string) *Node, off, n int) *Node {
	fixed := n >= 23
	fixedAt := func(label, value string, o, l int) *Node { return a.at(fixed, label, value, off, o, l) }
	tier := []string{"Main", "High"}[c.Tier&1]
	g := a.add(cfg("HEVC decoder configuration (hvcC)", c.Summary()),
		fixedAt("Version", fmt.Sprint(c.Version), 0, 1),
		fixedAt("Profile space", fmt.Sprint(c.ProfileSpace), 1, 1),
		fixedAt("Tier", fmt.Sprintf("%d (%s)", c.Tier, tier), 1, 1),
		fixedAt("Profile", fmt.Sprintf("%d (%s)", c.Profile, c.ProfileName), 1, 1),
		fixedAt("Compatibility flags", fmt.Sprintf("0x%08x", c.CompatibilityFlags), 2, 4),
		fixedAt("Constraint flags", fmt.Sprintf("0x%012x", c.ConstraintFlags), 6, 6),
		fixedAt("Level", fmt.Sprintf("%d (%s)", c.Level, media.HEVCLevelString(c.Level)), 12, 1),
		fixedAt("Min spatial segmentation", fmt.Sprint(c.MinSpatialSeg), 13, 2),
		fixedAt("Parallelism type", fmt.Sprint(c.ParallelismType), 15, 1),
		fixedAt("Chroma format", fmt.Sprint(c.ChromaFormat), 16, 1),
		fixedAt("Bit depth luma", fmt.Sprint(c.BitDepthLuma), 17, 1),
		fixedAt("Bit depth chroma", fmt.Sprint(c.BitDepthChroma), 18, 1),
		fixedAt("Average frame rate", fmt.Sprintf("%d (frames per 256 s)", c.AvgFrameRate), 19, 2),
		fixedAt("Constant frame rate", fmt.Sprint(c.ConstantFrameRate), 21, 1),
		fixedAt("Temporal layers", fmt.Sprint(c.NumTemporalLayers), 21, 1),
		fixedAt("Temporal ID nested", yesNo(c.TemporalIDNested), 21, 1),
		fixedAt("NALU length size", fmt.Sprint(c.NALULengthSize), 21, 1),
		fixedAt("Arrays", fmt.Sprint(len(c.Arrays)), 22, 1),
	)
	a.add(g, a.nalArrays(c.Arrays))
	if s := c.SPS; s != nil {
		a.add(g, a.add(a.field("SPS", fmt.Sprintf("%dx%d", s.Width, s.Height)),
			a.field("Max sub-layers", fmt.Sprint(s.MaxSubLayers)),
			a.field("Profile", fmt.Sprintf("%d (%s)", s.Profile, media.HEVCProfileName(s.Profile))),
			a.field("Level", fmt.Sprintf("%d (%s)", s.Level, media.HEVCLevelString(s.Level))),
			a.field("SPS ID", fmt.Sprint(s.ID)),
			a.field("Chroma format", fmt.Sprint(s.ChromaFormat)),
			a.field("Coded size", fmt.Sprintf("%dx%d", s.CodedWidth, s.CodedHeight)),
			a.field("Conformance window", fmt.Sprintf("left %d, right %d, top %d, bottom %d", s.Conformance[0], s.Conformance[1], s.Conformance[2], s.Conformance[3])),
			a.field("Size", fmt.Sprintf("%dx%d", s.Width, s.Height)),
			a.field("Bit depth", fmt.Sprintf("luma %d, chroma %d", s.BitDepthLuma, s.BitDepthChroma)),
		))
	}
	return g
}

func (a *Arena) nalArrays(as []media.NALArray) *Node {
	g := a.field("Parameter set arrays", fmt.Sprint(len(as)))
	for i, arr := range as {
		a.add(g, a.field(fmt.Sprintf("Array %d", i+1), fmt.Sprintf("NAL type %d (%s), %d units, sizes %v, complete %s",
			arr.NALType, hevcNALName(arr.NALType), arr.Count, arr.Sizes, yesNo(arr.Completeness))))
	}
	return g
}

func (a *Arena) av1Config(c *media.AV1Config, cfg func(string, string) *Node) *Node {
	g := a.add(cfg("AV1 codec configuration (av1C)", c.Summary()),
		a.field("Marker", yesNo(c.Marker)), a.field("Version", fmt.Sprint(c.Version)),
		a.field("Profile", fmt.Sprint(c.SeqProfile)), a.field("Level index", fmt.Sprint(c.SeqLevelIdx)),
		a.field("Tier", fmt.Sprint(c.SeqTier)), a.field("Bit depth", fmt.Sprint(c.BitDepth)),
		a.field("Monochrome", yesNo(c.Monochrome)),
		a.field("Chroma subsampling", fmt.Sprintf("x %d, y %d, position %d", c.ChromaSubsamplingX, c.ChromaSubsamplingY, c.ChromaSamplePosition)),
		a.field("Config OBUs", fmt.Sprintf("%d bytes", c.ConfigOBUsLen)),
	)
	if c.InitialDelay != nil {
		a.add(g, a.field("Initial presentation delay", fmt.Sprint(*c.InitialDelay)))
	}
	if s := c.SequenceHeader; s != nil {
		a.add(g, a.add(a.field("Sequence header", fmt.Sprintf("%dx%d", s.MaxFrameWidth, s.MaxFrameHeight)),
			a.field("Profile", fmt.Sprint(s.SeqProfile)), a.field("Still picture", yesNo(s.StillPicture)),
			a.field("Operating points", fmt.Sprint(s.OperatingPoints)),
			a.field("Level index", fmt.Sprint(s.SeqLevelIdx)), a.field("Tier", fmt.Sprint(s.SeqTier)),
			a.field("Max frame size", fmt.Sprintf("%dx%d", s.MaxFrameWidth, s.MaxFrameHeight)),
		))
	}
	return g
}

// aggregate lists an aggregate's sub-messages; each covers its record
// (11-byte tag header, body, 4-byte back pointer) inside the body.
func (a *Arena) aggregate(subs []media.SubMessage, bodyLen int) []*Node {
	var out []*Node
	for i := range subs {
		s := &subs[i]
		rec := min(11+s.Size+4, bodyLen-s.Offset) // the last record may lack its back pointer
		n := a.at(rec >= 0, a.numbered("Sub-message ", i+1), s.Summary(), 0, s.Offset, rec).expand()
		hdr := s.Offset >= 0 && s.Offset+11 <= bodyLen
		a.add(n,
			a.at(hdr, "Type", s.TypeID.String(), s.Offset, 0, 1),
			a.at(hdr, "Size", a.itoa(int64(s.Size)), s.Offset, 1, 3),
			a.at(hdr, "Timestamp", fmt.Sprintf("%d (absolute %d)", s.RawTimestamp, s.Timestamp), s.Offset, 4, 4),
			a.at(hdr, "Stream ID", a.utoa(uint64(s.StreamID)), s.Offset, 8, 3),
		)
		bodyOff := s.Offset + 11
		whole := hdr && s.Size >= 0 && bodyOff+s.Size <= bodyLen
		switch {
		case s.Audio != nil:
			a.add(n, a.add(a.at(whole, "Audio", s.Audio.Summary(), bodyOff, 0, s.Size), a.audio(s.Audio, bodyOff)...))
		case s.Video != nil:
			a.add(n, a.add(a.at(whole, "Video", s.Video.Summary(), bodyOff, 0, s.Size), a.video(s.Video, bodyOff, s.Size)...))
		default:
			a.add(n, a.at(whole, "Body", a.itoaThen(int64(s.Size), " bytes"), bodyOff, 0, s.Size))
		}
		bp := a.at(bodyOff+s.Size+4 <= bodyLen, "Back pointer", fmt.Sprint(s.BackPointer), bodyOff, s.Size, 4)
		if !s.BackPointerOK {
			bp.Value += fmt.Sprintf(" (expected %d)", 11+s.Size)
			bp.Severity = SevWarn
		}
		a.add(n, bp)
		if s.ErrText != "" {
			a.add(n, a.field("Error", s.ErrText).sev(SevError))
		}
		out = a.app(out, n)
	}
	return out
}
