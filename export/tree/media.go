package tree

import (
	"fmt"
	"strconv"
	"strings"

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
func at(ok bool, label, value string, base, off, n int) *Node {
	if !ok {
		return field(label, value)
	}
	return bodyField(label, value, base+off, n)
}

func audio(a *media.Audio, base int) []*Node {
	if a.Silence {
		return []*Node{field("Audio", "empty message (no header: silence)")}
	}
	var out []*Node
	if !a.Enhanced {
		out = append(out,
			bodyField("Sound format", numName(uint64(a.SoundFormat), a.SoundFormat.String()), base, 1),
			bodyField("Sound rate (header bits)", numName(uint64(a.SoundRate), []string{"5.5 kHz", "11 kHz", "22 kHz", "44 kHz"}[a.SoundRate&3])+fixedForAAC(a), base, 1),
			bodyField("Sound size (header bits)", numName(uint64(a.SoundSize), []string{"8-bit", "16-bit"}[a.SoundSize&1]), base, 1),
			bodyField("Sound type (header bits)", numName(uint64(a.SoundType), []string{"mono", "stereo"}[a.SoundType&1])+fixedForAAC(a), base, 1),
		)
		if a.SoundFormat == media.SoundAAC {
			ok := a.DataOffset == 2
			out = append(out, at(ok, "AAC packet type", numName(uint64(a.PacketType), aacPacketType(a.PacketType)), base, 1, 1))
		}
	} else {
		out = append(out,
			bodyField("Sound format", numName(uint64(a.SoundFormat), a.SoundFormat.String()), base, 1),
			field("Enhanced RTMP", "yes (ExHeader)"),
		)
		out = append(out, modEx(a.ModEx)...)
		if a.Multitrack != nil {
			out = append(out, field("Multitrack type", a.Multitrack.String()))
		}
		out = append(out, field("Packet type", numName(uint64(a.PacketType), a.PacketType.String())))
	}
	out = append(out, effectiveAudio(a)...)
	if a.Multitrack != nil {
		for i := range a.Tracks {
			t := &a.Tracks[i]
			tn := field(fmt.Sprintf("Track %d", i+1), fmt.Sprintf("id %d, %s", t.TrackID, t.FourCC.CodecName())).expand()
			tn.add(field("Track ID", fmt.Sprint(t.TrackID)), field("FourCC", fourCC(t.FourCC)))
			if t.Size >= 0 {
				tn.add(field("Track size", fmt.Sprint(t.Size)))
			}
			tn.add(field("Packet type", fmt.Sprintf("%d (%s)", uint8(t.PacketType), t.PacketType)))
			tn.add(audioPayload(&t.AudioPayload, base)...)
			out = append(out, tn)
		}
		return out
	}
	if a.Enhanced {
		// FourCC sits right before the payload when nothing failed early.
		out = append(out, at(a.FourCC != "" && a.DataOffset >= 5, "FourCC", fourCC(a.FourCC), base, a.DataOffset-4, 4))
	}
	return append(out, audioPayload(&a.AudioPayload, base)...)
}

// fixedForAAC notes that AAC's rate and type bits are fixed (3 and 1)
// and say nothing about the stream.
func fixedForAAC(a *media.Audio) string {
	if a.SoundFormat == media.SoundAAC {
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

func effectiveAudio(a *media.Audio) []*Node {
	var parts []string
	if a.SampleRate > 0 {
		parts = append(parts, strconv.Itoa(a.SampleRate)+" Hz")
	}
	if a.Channels > 0 {
		parts = append(parts, count(a.Channels, "channel"))
	}
	if a.BitsPerSample > 0 {
		parts = append(parts, strconv.Itoa(a.BitsPerSample)+"-bit")
	}
	if len(parts) == 0 {
		if !a.Enhanced && a.SoundFormat == media.SoundAAC && a.PacketType == media.AudioCodedFrames {
			return []*Node{field("Effective format", "unknown (no AAC sequence header seen on this stream)")}
		}
		return nil
	}
	label := "Effective format"
	if a.FromConfig {
		label += " (from the sequence header)"
	}
	return []*Node{field(label, strings.Join(parts, ", "))}
}

func modEx(ms []media.ModEx) []*Node {
	var out []*Node
	for i, m := range ms {
		n := field(fmt.Sprintf("ModEx %d", i+1), fmt.Sprintf("type %d, %d data bytes", m.Type, m.DataLen))
		if m.Type == 0 {
			n.Value = fmt.Sprintf("TimestampOffsetNano %d ns", m.TimestampOffsetNano)
		}
		out = append(out, n)
	}
	return out
}

func audioPayload(p *media.AudioPayload, base int) []*Node {
	var out []*Node
	cfg := func(label, summary string) *Node {
		return bodyField(label, summary, base+p.DataOffset, p.DataLen).expand()
	}
	switch {
	case p.AAC != nil:
		c := p.AAC
		n := cfg("AudioSpecificConfig", c.Summary()).add(
			field("Audio object type", fmt.Sprintf("%d (%s)", c.ObjectType, c.ObjectTypeName)),
			field("Sampling frequency index", fmt.Sprintf("%d (%d Hz)", c.FrequencyIndex, c.SampleRate)),
			field("Channel configuration", fmt.Sprintf("%d (%s)", c.ChannelConfig, count(c.Channels, "channel"))),
		)
		if c.FrameLength > 0 {
			n.add(field("Frame length", fmt.Sprint(c.FrameLength)))
		}
		n.add(field("Depends on core coder", yesNo(c.DependsOnCore)), field("Extension flag", yesNo(c.ExtensionFlag)))
		if c.HasPCE {
			n.add(field("Program config element", "present (not decoded)"))
		}
		if c.SBR || c.PS || c.ExtObjectType != 0 {
			n.add(field("SBR", yesNo(c.SBR)), field("PS", yesNo(c.PS)),
				field("Extension object type", fmt.Sprint(c.ExtObjectType)),
				field("Extension sample rate", fmt.Sprintf("%d Hz", c.ExtSampleRate)))
		}
		n.add(field("Signalling", c.Signalling))
		out = append(out, n)
	case p.Opus != nil:
		h := p.Opus
		out = append(out, cfg("Opus header", h.Summary()).add(
			field("Form", h.Form), field("Version", fmt.Sprint(h.Version)),
			field("Channels", fmt.Sprint(h.Channels)), field("Pre-skip", fmt.Sprint(h.PreSkip)),
			field("Input sample rate", fmt.Sprintf("%d Hz", h.InputSampleRate)),
			field("Output gain", fmt.Sprintf("%.2f dB", float64(h.OutputGain)/256)),
			field("Mapping family", fmt.Sprint(h.MappingFamily)),
		))
	case p.FLAC != nil:
		s := p.FLAC
		out = append(out, cfg("FLAC STREAMINFO", s.Summary()).add(
			field("Form", s.Form),
			field("Block size", fmt.Sprintf("%d–%d", s.MinBlockSize, s.MaxBlockSize)),
			field("Frame size", fmt.Sprintf("%d–%d", s.MinFrameSize, s.MaxFrameSize)),
			field("Sample rate", fmt.Sprintf("%d Hz", s.SampleRate)),
			field("Channels", fmt.Sprint(s.Channels)), field("Bits per sample", fmt.Sprint(s.BitsPerSample)),
			field("Total samples", fmt.Sprint(s.TotalSamples)), field("MD5", s.MD5),
		))
	case p.MP3 != nil:
		h := p.MP3
		out = append(out, bodyField("MPEG audio frame header", h.Summary(), base+p.DataOffset, min(4, p.DataLen)).add(
			field("Version", h.Version), field("Layer", fmt.Sprint(h.Layer)),
			field("Bitrate", fmt.Sprintf("%d kbit/s", h.Bitrate)), field("Sample rate", fmt.Sprintf("%d Hz", h.SampleRate)),
			field("Channel mode", h.ChannelMode), field("Padding", yesNo(h.Padding)), field("CRC", yesNo(h.CRC)),
		))
	case p.Multichannel != nil:
		mc := p.Multichannel
		n := cfg("Multichannel configuration", fmt.Sprintf("%s order, %s", mc.OrderName, count(int(mc.ChannelCount), "channel"))).add(
			field("Channel order", fmt.Sprintf("%d (%s)", mc.Order, mc.OrderName)),
			field("Channel count", fmt.Sprint(mc.ChannelCount)),
		)
		if len(mc.Mapping) > 0 {
			n.add(field("Mapping", fmt.Sprint(mc.Mapping)))
		}
		if mc.Flags != 0 {
			n.add(field("Channel flags", fmt.Sprintf("0x%08x", mc.Flags)))
		}
		out = append(out, n)
	}
	out = append(out, bodyField("Data", fmt.Sprintf("%d bytes", p.DataLen), base+p.DataOffset, p.DataLen))
	return out
}

// n is the length of the video body starting at base.
func video(v *media.Video, base, n int) []*Node {
	var out []*Node
	out = append(out, at(n >= 1, "Frame type", numName(uint64(v.FrameType), v.FrameType.String()), base, 0, 1))
	if !v.Enhanced {
		out = append(out, at(n >= 1, "Codec ID", numName(uint64(v.CodecID), v.CodecID.String()), base, 0, 1))
	} else {
		out = append(out, field("Enhanced RTMP", "yes (ExHeader)"))
		out = append(out, modEx(v.ModEx)...)
	}
	if v.Command != nil {
		return append(out, at(!v.Enhanced && n >= 2, "Video command", fmt.Sprintf("%d (%s)", uint8(*v.Command), v.Command), base, 1, 1))
	}
	if v.Multitrack != nil {
		out = append(out, field("Multitrack type", v.Multitrack.String()),
			field("Packet type", numName(uint64(v.PacketType), v.PacketType.String())))
		for i := range v.Tracks {
			t := &v.Tracks[i]
			tn := field(fmt.Sprintf("Track %d", i+1), fmt.Sprintf("id %d, %s", t.TrackID, t.FourCC.CodecName())).expand()
			tn.add(field("Track ID", fmt.Sprint(t.TrackID)), field("FourCC", fourCC(t.FourCC)))
			if t.Size >= 0 {
				tn.add(field("Track size", fmt.Sprint(t.Size)))
			}
			tn.add(videoPayload(&t.VideoPayload, base, false, true)...)
			out = append(out, tn)
		}
		return append(out, field("Codec", v.Codec))
	}
	legacyAVC := !v.Enhanced && (v.CodecID == media.CodecAVC || v.CodecID == media.CodecHEVC || v.CodecID == media.CodecAV1)
	if legacyAVC {
		ok := v.DataOffset == 5
		out = append(out,
			at(ok, "AVC packet type", fmt.Sprintf("%d (%s)", uint8(v.PacketType), avcPacketType(v.PacketType)), base, 1, 1),
			at(ok, "Composition time", fmt.Sprintf("%d ms", v.CompositionTime), base, 2, 3))
	}
	if v.Enhanced {
		out = append(out, field("Packet type", numName(uint64(v.PacketType), v.PacketType.String())))
	}
	out = append(out, videoPayload(&v.VideoPayload, base, v.Enhanced, false)...)
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
func videoPayload(p *media.VideoPayload, base int, exHeader, track bool) []*Node {
	var out []*Node
	if exHeader {
		cts := 0
		if hasCTS(p) {
			cts = 3
		}
		ok := p.FourCC != "" && p.DataOffset-cts-4 >= 1
		out = append(out, at(ok, "FourCC", fourCC(p.FourCC), base, p.DataOffset-cts-4, 4))
		if cts > 0 {
			out = append(out, at(ok, "Composition time", strconv.Itoa(int(p.CompositionTime))+" ms", base, p.DataOffset-3, 3))
		}
	} else if track && hasCTS(p) {
		out = append(out, field("Composition time", strconv.Itoa(int(p.CompositionTime))+" ms"))
	}
	cfgBase := base + p.DataOffset
	cfg := func(label, summary string) *Node {
		return bodyField(label, summary, cfgBase, p.DataLen).expand()
	}
	switch {
	case p.AVC != nil:
		out = append(out, avcConfig(p.AVC, cfg, cfgBase, p.DataLen))
	case p.HEVC != nil:
		out = append(out, hevcConfig(p.HEVC, cfg, cfgBase, p.DataLen))
	case p.AV1 != nil:
		out = append(out, av1Config(p.AV1, cfg))
	case p.VP != nil:
		c := p.VP
		out = append(out, cfg("VP codec configuration (vpcC)", c.Summary()).add(
			field("Full box header", yesNo(c.FullBox)),
			field("Profile", fmt.Sprint(c.Profile)), field("Level", fmt.Sprintf("%d (%d.%d)", c.Level, c.Level/10, c.Level%10)),
			field("Bit depth", fmt.Sprint(c.BitDepth)), field("Chroma subsampling", fmt.Sprint(c.ChromaSubsampling)),
			field("Full range", yesNo(c.FullRange)), field("Colour primaries", fmt.Sprint(c.ColourPrimaries)),
			field("Transfer characteristics", fmt.Sprint(c.Transfer)), field("Matrix coefficients", fmt.Sprint(c.Matrix)),
			field("Codec init data", fmt.Sprintf("%d bytes", c.InitDataLen)),
		))
	case p.VVC != nil:
		c := p.VVC
		n := cfg("VVC decoder configuration (vvcC)", c.Summary()).add(
			field("NALU length size", fmt.Sprint(c.NALULengthSize)),
			field("Profile", fmt.Sprint(c.Profile)), field("Tier", fmt.Sprint(c.Tier)), field("Level", fmt.Sprint(c.Level)),
			field("Chroma format", fmt.Sprint(c.ChromaFormat)), field("Bit depth", fmt.Sprint(c.BitDepth)),
			field("Max picture size", fmt.Sprintf("%dx%d", c.MaxWidth, c.MaxHeight)),
		)
		n.add(nalArrays(c.Arrays))
		out = append(out, n)
	case p.H263 != nil:
		h := p.H263
		out = append(out, field("H.263 picture header", fmt.Sprintf("%dx%d %s", h.Width, h.Height, h.PictureType)).add(
			field("Version", fmt.Sprint(h.Version)), field("Temporal reference", fmt.Sprint(h.TemporalRef)),
			field("Picture size", fmt.Sprintf("%d (%dx%d)", h.PictureSize, h.Width, h.Height)),
			field("Picture type", h.PictureType),
		))
	case p.VP6 != nil:
		h := p.VP6
		n := field("VP6 header", fmt.Sprintf("key frame %s", yesNo(h.KeyFrame))).add(
			field("Horizontal adjust", fmt.Sprint(h.HAdjust)), field("Vertical adjust", fmt.Sprint(h.VAdjust)),
			field("Key frame", yesNo(h.KeyFrame)), field("Quantizer", fmt.Sprint(h.Quantizer)),
		)
		if h.Width > 0 {
			n.add(field("Size", fmt.Sprintf("%dx%d (%d×%d macroblocks)", h.Width, h.Height, h.MBCols, h.MBRows)))
		}
		out = append(out, n)
	case p.Screen != nil:
		h := p.Screen
		out = append(out, field("Screen video header", fmt.Sprintf("%dx%d", h.Width, h.Height)).add(
			field("Block size", fmt.Sprintf("%dx%d", h.BlockWidth, h.BlockHeight)),
			field("Image size", fmt.Sprintf("%dx%d", h.Width, h.Height)),
		))
	}
	if p.UnitCount > 0 {
		if len(p.NALUTypes) > 0 {
			out = append(out, units("NAL units", p.UnitCount, p.NALUTypes, nalName(p.FourCC)))
		}
		if len(p.OBUTypes) > 0 {
			out = append(out, units("OBUs", p.UnitCount, p.OBUTypes, obuName))
		}
	}
	out = append(out, bodyField("Data", fmt.Sprintf("%d bytes", p.DataLen), base+p.DataOffset, p.DataLen))
	return out
}

// units lists NAL unit or OBU types.
func units(label string, n int, types []uint8, name func(uint8) string) *Node {
	g := field(label, fmt.Sprint(n))
	for i, t := range types {
		g.add(field(fmt.Sprintf("[%d]", i), fmt.Sprintf("%d (%s)", t, name(t))))
	}
	if n > len(types) {
		g.add(field("…", fmt.Sprintf("%d more not listed", n-len(types))))
	}
	g.Expanded = len(types) <= expandLimit
	return g
}

func avcConfig(c *media.AVCConfig, cfg func(string, string) *Node, off, n int) *Node {
	fixed := n >= 6
	at := func(label, value string, o, l int) *Node { return at(fixed, label, value, off, o, l) }
	g := cfg("AVC decoder configuration (avcC)", c.Summary()).add(
		at("Version", fmt.Sprint(c.Version), 0, 1),
		at("Profile", fmt.Sprintf("%d (%s)", c.Profile, media.H264ProfileName(c.Profile, c.Compatibility)), 1, 1),
		at("Profile compatibility", fmt.Sprintf("0x%02x", c.Compatibility), 2, 1),
		at("Level", fmt.Sprintf("%d", c.Level), 3, 1),
		at("NALU length size", fmt.Sprint(c.NALULengthSize), 4, 1),
		at("SPS count", fmt.Sprint(c.SPSCount), 5, 1),
	)
	// Parameter sets: a 16-bit length then the NAL unit, SPSs first, then
	// the PPS count byte and the PPSs.
	p := 6
	for i, s := range c.SPSList {
		sn := field(fmt.Sprintf("SPS %d", i+1), fmt.Sprintf("%d bytes", len(s)))
		if fixed && p+2+len(s) <= n {
			sn.Space, sn.Off, sn.Len = Body, int64(off+p), int64(2+len(s))
		}
		if i == 0 && c.SPS != nil {
			sn.Value = c.SPS.Summary()
			sn.add(h264SPS(c.SPS)...)
		}
		g.add(sn)
		p += 2 + len(s)
	}
	g.add(at2(fixed && p < n, "PPS count", fmt.Sprint(c.PPSCount), off, p, 1))
	p++
	for i, s := range c.PPSList {
		pn := field(fmt.Sprintf("PPS %d", i+1), fmt.Sprintf("%d bytes", len(s)))
		if fixed && p+2+len(s) <= n {
			pn.Space, pn.Off, pn.Len = Body, int64(off+p), int64(2+len(s))
		}
		g.add(pn)
		p += 2 + len(s)
	}
	if c.ChromaFormat != nil {
		g.add(field("Chroma format", fmt.Sprint(*c.ChromaFormat)))
	}
	if c.BitDepthLuma != nil && c.BitDepthChroma != nil {
		g.add(field("Bit depth", fmt.Sprintf("luma %d, chroma %d", *c.BitDepthLuma, *c.BitDepthChroma)))
	}
	return g
}

func h264SPS(s *media.H264SPS) []*Node {
	out := []*Node{
		field("Profile", fmt.Sprintf("%d (%s)", s.Profile, s.ProfileName)),
		field("Constraint flags", fmt.Sprintf("0x%02x", s.ConstraintFlags)),
		field("Level", fmt.Sprintf("%d (%s)", s.Level, s.LevelString())),
		field("SPS ID", fmt.Sprint(s.ID)),
		field("Chroma format", fmt.Sprint(s.ChromaFormat)),
		field("Bit depth", fmt.Sprintf("luma %d, chroma %d", s.BitDepthLuma, s.BitDepthChroma)),
		field("POC type", fmt.Sprint(s.POCType)),
		field("Max reference frames", fmt.Sprint(s.MaxRefFrames)),
		field("Frame MBs only", yesNo(s.FrameMBsOnly)),
		field("Coded size", fmt.Sprintf("%dx%d", s.CodedWidth, s.CodedHeight)),
	}
	if s.Crop != [4]uint32{} {
		out = append(out, field("Cropping", fmt.Sprintf("left %d, right %d, top %d, bottom %d", s.Crop[0], s.Crop[1], s.Crop[2], s.Crop[3])))
	}
	out = append(out, field("Size", fmt.Sprintf("%dx%d", s.Width, s.Height)))
	if s.VUI {
		if s.SARWidth != 0 {
			out = append(out, field("Sample aspect ratio", fmt.Sprintf("%d:%d", s.SARWidth, s.SARHeight)))
		}
		out = append(out, field("Full range", yesNo(s.FullRange)))
		if s.ColourPrimaries != 0 || s.Transfer != 0 || s.Matrix != 0 {
			out = append(out, field("Colour", fmt.Sprintf("primaries %d, transfer %d, matrix %d", s.ColourPrimaries, s.Transfer, s.Matrix)))
		}
	}
	if s.TimingInfo {
		out = append(out, field("Timing", fmt.Sprintf("time scale %d, units per tick %d, fixed %s", s.TimeScale, s.NumUnitsInTick, yesNo(s.FixedFrameRate))))
		if s.FrameRate > 0 {
			out = append(out, field("Frame rate", fmt.Sprintf("%g fps", s.FrameRate)))
		}
	}
	return out
}

// at2 is at under another name, for builders that shadow at.
var at2 = at

func hevcConfig(c *media.HEVCConfig, cfg func(string, string) *Node, off, n int) *Node {
	fixed := n >= 23
	at := func(label, value string, o, l int) *Node { return at(fixed, label, value, off, o, l) }
	tier := []string{"Main", "High"}[c.Tier&1]
	g := cfg("HEVC decoder configuration (hvcC)", c.Summary()).add(
		at("Version", fmt.Sprint(c.Version), 0, 1),
		at("Profile space", fmt.Sprint(c.ProfileSpace), 1, 1),
		at("Tier", fmt.Sprintf("%d (%s)", c.Tier, tier), 1, 1),
		at("Profile", fmt.Sprintf("%d (%s)", c.Profile, c.ProfileName), 1, 1),
		at("Compatibility flags", fmt.Sprintf("0x%08x", c.CompatibilityFlags), 2, 4),
		at("Constraint flags", fmt.Sprintf("0x%012x", c.ConstraintFlags), 6, 6),
		at("Level", fmt.Sprintf("%d (%s)", c.Level, media.HEVCLevelString(c.Level)), 12, 1),
		at("Min spatial segmentation", fmt.Sprint(c.MinSpatialSeg), 13, 2),
		at("Parallelism type", fmt.Sprint(c.ParallelismType), 15, 1),
		at("Chroma format", fmt.Sprint(c.ChromaFormat), 16, 1),
		at("Bit depth luma", fmt.Sprint(c.BitDepthLuma), 17, 1),
		at("Bit depth chroma", fmt.Sprint(c.BitDepthChroma), 18, 1),
		at("Average frame rate", fmt.Sprintf("%d (frames per 256 s)", c.AvgFrameRate), 19, 2),
		at("Constant frame rate", fmt.Sprint(c.ConstantFrameRate), 21, 1),
		at("Temporal layers", fmt.Sprint(c.NumTemporalLayers), 21, 1),
		at("Temporal ID nested", yesNo(c.TemporalIDNested), 21, 1),
		at("NALU length size", fmt.Sprint(c.NALULengthSize), 21, 1),
		at("Arrays", fmt.Sprint(len(c.Arrays)), 22, 1),
	)
	g.add(nalArrays(c.Arrays))
	if s := c.SPS; s != nil {
		g.add(field("SPS", fmt.Sprintf("%dx%d", s.Width, s.Height)).add(
			field("Max sub-layers", fmt.Sprint(s.MaxSubLayers)),
			field("Profile", fmt.Sprintf("%d (%s)", s.Profile, media.HEVCProfileName(s.Profile))),
			field("Level", fmt.Sprintf("%d (%s)", s.Level, media.HEVCLevelString(s.Level))),
			field("SPS ID", fmt.Sprint(s.ID)),
			field("Chroma format", fmt.Sprint(s.ChromaFormat)),
			field("Coded size", fmt.Sprintf("%dx%d", s.CodedWidth, s.CodedHeight)),
			field("Conformance window", fmt.Sprintf("left %d, right %d, top %d, bottom %d", s.Conformance[0], s.Conformance[1], s.Conformance[2], s.Conformance[3])),
			field("Size", fmt.Sprintf("%dx%d", s.Width, s.Height)),
			field("Bit depth", fmt.Sprintf("luma %d, chroma %d", s.BitDepthLuma, s.BitDepthChroma)),
		))
	}
	return g
}

func nalArrays(as []media.NALArray) *Node {
	g := field("Parameter set arrays", fmt.Sprint(len(as)))
	for i, a := range as {
		g.add(field(fmt.Sprintf("Array %d", i+1), fmt.Sprintf("NAL type %d (%s), %d units, sizes %v, complete %s",
			a.NALType, hevcNALName(a.NALType), a.Count, a.Sizes, yesNo(a.Completeness))))
	}
	return g
}

func av1Config(c *media.AV1Config, cfg func(string, string) *Node) *Node {
	g := cfg("AV1 codec configuration (av1C)", c.Summary()).add(
		field("Marker", yesNo(c.Marker)), field("Version", fmt.Sprint(c.Version)),
		field("Profile", fmt.Sprint(c.SeqProfile)), field("Level index", fmt.Sprint(c.SeqLevelIdx)),
		field("Tier", fmt.Sprint(c.SeqTier)), field("Bit depth", fmt.Sprint(c.BitDepth)),
		field("Monochrome", yesNo(c.Monochrome)),
		field("Chroma subsampling", fmt.Sprintf("x %d, y %d, position %d", c.ChromaSubsamplingX, c.ChromaSubsamplingY, c.ChromaSamplePosition)),
		field("Config OBUs", fmt.Sprintf("%d bytes", c.ConfigOBUsLen)),
	)
	if c.InitialDelay != nil {
		g.add(field("Initial presentation delay", fmt.Sprint(*c.InitialDelay)))
	}
	if s := c.SequenceHeader; s != nil {
		g.add(field("Sequence header", fmt.Sprintf("%dx%d", s.MaxFrameWidth, s.MaxFrameHeight)).add(
			field("Profile", fmt.Sprint(s.SeqProfile)), field("Still picture", yesNo(s.StillPicture)),
			field("Operating points", fmt.Sprint(s.OperatingPoints)),
			field("Level index", fmt.Sprint(s.SeqLevelIdx)), field("Tier", fmt.Sprint(s.SeqTier)),
			field("Max frame size", fmt.Sprintf("%dx%d", s.MaxFrameWidth, s.MaxFrameHeight)),
		))
	}
	return g
}

// aggregate lists an aggregate's sub-messages; each covers its record
// (11-byte tag header, body, 4-byte back pointer) inside the body.
func aggregate(subs []media.SubMessage, bodyLen int) []*Node {
	var out []*Node
	for i := range subs {
		s := &subs[i]
		rec := min(11+s.Size+4, bodyLen-s.Offset) // the last record may lack its back pointer
		n := at(rec >= 0, fmt.Sprintf("Sub-message %d", i+1), s.Summary(), 0, s.Offset, rec).expand()
		hdr := s.Offset >= 0 && s.Offset+11 <= bodyLen
		n.add(
			at(hdr, "Type", fmt.Sprint(s.TypeID), s.Offset, 0, 1),
			at(hdr, "Size", fmt.Sprint(s.Size), s.Offset, 1, 3),
			at(hdr, "Timestamp", fmt.Sprintf("%d (absolute %d)", s.RawTimestamp, s.Timestamp), s.Offset, 4, 4),
			at(hdr, "Stream ID", fmt.Sprint(s.StreamID), s.Offset, 8, 3),
		)
		bodyOff := s.Offset + 11
		whole := hdr && s.Size >= 0 && bodyOff+s.Size <= bodyLen
		switch {
		case s.Audio != nil:
			n.add(at(whole, "Audio", s.Audio.Summary(), bodyOff, 0, s.Size).add(audio(s.Audio, bodyOff)...))
		case s.Video != nil:
			n.add(at(whole, "Video", s.Video.Summary(), bodyOff, 0, s.Size).add(video(s.Video, bodyOff, s.Size)...))
		default:
			n.add(at(whole, "Body", fmt.Sprintf("%d bytes", s.Size), bodyOff, 0, s.Size))
		}
		bp := at(bodyOff+s.Size+4 <= bodyLen, "Back pointer", fmt.Sprint(s.BackPointer), bodyOff, s.Size, 4)
		if !s.BackPointerOK {
			bp.Value += fmt.Sprintf(" (expected %d)", 11+s.Size)
			bp.Severity = SevWarn
		}
		n.add(bp)
		if s.ErrText != "" {
			n.add(field("Error", s.ErrText).sev(SevError))
		}
		out = append(out, n)
	}
	return out
}

// numName writes a wire number with its meaning: "10 (AAC)". (The hot
// fields of audio and video trees; fmt costs an allocation per argument.)
func numName(n uint64, name string) string {
	return strconv.FormatUint(n, 10) + " (" + name + ")"
}
