package media

import (
	"bytes"
	"errors"
	"testing"

	"github.com/rtmpscope/rtmpscope/export/flv"
)

// Enhanced RTMP tags cannot be written by Debian's ffmpeg 5.1, so every tag
// in this file is built from the E-RTMP v2 spec layout around a codec
// configuration record (or frame) made by a real encoder in testdata/make.sh,
// and the decoded values are checked against ffprobe's view of that file.

func TestEnhancedHEVCSequenceStart(t *testing.T) {
	data := readTestdata(t, "hevc.mp4")
	hvcC := mp4Box(t, data, "hvcC")
	ps, _ := loadProbe(t, "hevc.mp4").stream("video")

	v, err := DecodeVideo(exVideo(FrameKey, VideoSequenceStart, FourCCHEVC, nil, hvcC))
	if err != nil {
		t.Fatal(err)
	}
	c := v.HEVC
	if c == nil || c.SPS == nil {
		t.Fatalf("no hvcC/SPS: %+v", v)
	}
	if c.ProfileName != ps.Profile || ps.Level == nil || int(c.Level) != *ps.Level {
		t.Errorf("profile %q level %d, ffprobe %q %v", c.ProfileName, c.Level, ps.Profile, *ps.Level)
	}
	if c.SPS.Width != ps.Width || c.SPS.Height != ps.Height {
		t.Errorf("%dx%d, ffprobe %dx%d", c.SPS.Width, c.SPS.Height, ps.Width, ps.Height)
	}
	if c.ChromaFormat != 1 || c.SPS.ChromaFormat != 1 || ps.PixFmt != "yuv420p" {
		t.Errorf("chroma %d/%d, ffprobe %s", c.ChromaFormat, c.SPS.ChromaFormat, ps.PixFmt)
	}
	if c.BitDepthLuma != 8 || c.SPS.BitDepthLuma != 8 {
		t.Errorf("bit depth %d/%d for yuv420p", c.BitDepthLuma, c.SPS.BitDepthLuma)
	}
	if c.SPS.Profile != c.Profile || c.SPS.Level != c.Level {
		t.Errorf("SPS profile/level %d/%d differ from hvcC %d/%d", c.SPS.Profile, c.SPS.Level, c.Profile, c.Level)
	}
	if !v.IsSequenceHeader() || !v.Enhanced || v.FourCC != FourCCHEVC {
		t.Errorf("header: %+v", v)
	}
	t.Log(v.Summary())

	// The same record as the non-standard legacy codec id 12 (AVC layout).
	legacy := append([]byte{0x1C, 0, 0, 0, 0}, hvcC...)
	lv, err := DecodeVideo(legacy)
	if err != nil || lv.HEVC == nil || lv.HEVC.SPS.Width != ps.Width {
		t.Fatalf("legacy codec 12: %v %+v", err, lv)
	}

	// A coded frame: the first MP4 sample is length-prefixed NAL units, as
	// E-RTMP carries them; x265's first frame is an IDR picture.
	sample := mp4FirstSample(t, data)
	cts := []byte{0, 0, 40}
	v, err = DecodeVideo(exVideo(FrameKey, VideoCodedFrames, FourCCHEVC, cts, sample))
	if err != nil {
		t.Fatal(err)
	}
	if v.CompositionTime != 40 || !containsAny(v.NALUTypes, 19, 20) {
		t.Errorf("cts %d NAL types %v", v.CompositionTime, v.NALUTypes)
	}
	v, err = DecodeVideo(exVideo(FrameKey, VideoCodedFramesX, FourCCHEVC, nil, sample))
	if err != nil || v.CompositionTime != 0 || !containsAny(v.NALUTypes, 19, 20) {
		t.Errorf("CodedFramesX: %v %+v", err, v.NALUTypes)
	}
	t.Log(v.Summary())
}

func containsAny(list []uint8, want ...uint8) bool {
	for _, x := range list {
		for _, w := range want {
			if x == w {
				return true
			}
		}
	}
	return false
}

func TestEnhancedAV1(t *testing.T) {
	data := readTestdata(t, "av1.mp4")
	av1C := mp4Box(t, data, "av1C")
	ps, _ := loadProbe(t, "av1.mp4").stream("video")
	v, err := DecodeVideo(exVideo(FrameKey, VideoSequenceStart, FourCCAV1, nil, av1C))
	if err != nil {
		t.Fatal(err)
	}
	c := v.AV1
	if c == nil || c.SequenceHeader == nil {
		t.Fatalf("no av1C or sequence header: %+v", v)
	}
	profiles := map[string]uint8{"Main": 0, "High": 1, "Professional": 2}
	if p, ok := profiles[ps.Profile]; !ok || p != c.SeqProfile {
		t.Errorf("seq_profile %d, ffprobe %q", c.SeqProfile, ps.Profile)
	}
	sh := c.SequenceHeader
	if sh.MaxFrameWidth != ps.Width || sh.MaxFrameHeight != ps.Height {
		t.Errorf("%dx%d, ffprobe %dx%d", sh.MaxFrameWidth, sh.MaxFrameHeight, ps.Width, ps.Height)
	}
	if ps.PixFmt != "yuv420p" || c.BitDepth != 8 || c.Monochrome || c.ChromaSubsamplingX != 1 || c.ChromaSubsamplingY != 1 {
		t.Errorf("bit depth %d mono %v subsampling %d,%d; ffprobe %s", c.BitDepth, c.Monochrome, c.ChromaSubsamplingX, c.ChromaSubsamplingY, ps.PixFmt)
	}
	if sh.SeqProfile != c.SeqProfile || sh.SeqLevelIdx != c.SeqLevelIdx {
		t.Errorf("sequence header %d/%d disagrees with av1C %d/%d", sh.SeqProfile, sh.SeqLevelIdx, c.SeqProfile, c.SeqLevelIdx)
	}
	t.Log(v.Summary())

	// The first sample is a temporal unit of OBUs: temporal delimiter (2),
	// sequence header (1), then frame (6) or frame header/tile group.
	v, err = DecodeVideo(exVideo(FrameKey, VideoCodedFrames, FourCCAV1, nil, mp4FirstSample(t, data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.OBUTypes) < 2 || !containsAny(v.OBUTypes, 1) || !containsAny(v.OBUTypes, 6, 3) {
		t.Errorf("OBU types %v", v.OBUTypes)
	}
	t.Log(v.Summary())
}

func TestEnhancedVP9(t *testing.T) {
	vpcC := mp4Box(t, readTestdata(t, "vp9.mp4"), "vpcC")
	ps, _ := loadProbe(t, "vp9.mp4").stream("video")
	v, err := DecodeVideo(exVideo(FrameKey, VideoSequenceStart, FourCCVP9, nil, vpcC))
	if err != nil {
		t.Fatal(err)
	}
	c := v.VP
	if c == nil || !c.FullBox {
		t.Fatalf("vpcC: %+v", v)
	}
	if want := "Profile " + string('0'+rune(c.Profile)); want != ps.Profile {
		t.Errorf("profile %d, ffprobe %q", c.Profile, ps.Profile)
	}
	if ps.PixFmt != "yuv420p" || c.BitDepth != 8 || c.ChromaSubsampling > 1 {
		t.Errorf("bit depth %d chroma %d, ffprobe %s", c.BitDepth, c.ChromaSubsampling, ps.PixFmt)
	}
	// Without the FullBox header, as the bare record.
	bare, err := DecodeVPConfig(vpcC[4:])
	if err != nil || bare.FullBox || bare.Profile != c.Profile || bare.Level != c.Level {
		t.Errorf("bare vpcC: %v %+v", err, bare)
	}
	t.Log(v.Summary())
}

func TestEnhancedOpus(t *testing.T) {
	head := oggFirstPacket(t, readTestdata(t, "opus.opus"))
	ps, _ := loadProbe(t, "opus.opus").stream("audio")
	a, err := DecodeAudio(exAudio(AudioSequenceStart, FourCCOpus, head))
	if err != nil {
		t.Fatal(err)
	}
	if a.Opus == nil || int(a.Opus.Channels) != ps.Channels || a.SampleRate != ps.sampleRate() || a.Channels != ps.Channels {
		t.Fatalf("%+v vs ffprobe %+v", a.Opus, ps)
	}
	if a.Opus.MappingFamily != 0 || a.Opus.PreSkip == 0 || a.Opus.Form != "OpusHead" {
		t.Errorf("%+v", a.Opus)
	}
	t.Log(a.Summary())
}

func TestEnhancedFLAC(t *testing.T) {
	data := readTestdata(t, "flac.flac")
	ps, _ := loadProbe(t, "flac.flac").stream("audio")
	// fLaC marker + STREAMINFO block header + 34-byte STREAMINFO, and the
	// two shorter forms writers use.
	for _, body := range [][]byte{data[:42], data[4:42], data[8:42]} {
		a, err := DecodeAudio(exAudio(AudioSequenceStart, FourCCFLAC, body))
		if err != nil {
			t.Fatal(err)
		}
		f := a.FLAC
		if int(f.SampleRate) != ps.sampleRate() || int(f.Channels) != ps.Channels || int(f.BitsPerSample) != ps.bitsPerRaw() {
			t.Errorf("%+v vs ffprobe %+v", f, ps)
		}
		if f.TotalSamples != uint64(ps.sampleRate())/5 { // make.sh encodes -t 0.2
			t.Errorf("total samples %d", f.TotalSamples)
		}
	}
}

// TestEnhancedAAC wraps the AudioSpecificConfig ffmpeg wrote into a legacy
// FLV in an E-RTMP mp4a sequence start.
func TestEnhancedAAC(t *testing.T) {
	tags := loadTags(t, "avc_main_aac.flv")
	ps, _ := loadProbe(t, "avc_main_aac.flv").stream("audio")
	var asc []byte
	for _, b := range tagsOfType(tags, flv.TagAudio) {
		if b[1] == 0 {
			asc = b[2:]
			break
		}
	}
	a, err := DecodeAudio(exAudio(AudioSequenceStart, FourCCAAC, asc))
	if err != nil {
		t.Fatal(err)
	}
	if a.AAC == nil || a.SampleRate != ps.sampleRate() || a.Channels != ps.Channels || a.AAC.ObjectTypeName != ps.Profile {
		t.Errorf("%+v vs %+v", a.AAC, ps)
	}
	if a.Summary() != "AAC seq start LC 44100Hz stereo" {
		t.Errorf("summary %q", a.Summary())
	}
	// ModEx TimestampOffsetNano around a raw AAC frame: [9|ModEx] size-1
	// data[3] [type 0|CodedFrames] FourCC frame.
	var raw []byte
	for _, b := range tagsOfType(tags, flv.TagAudio) {
		if b[1] == 1 {
			raw = b[2:]
			break
		}
	}
	msg := append([]byte{0x97, 2, 0x07, 0xA1, 0x20, 0x01}, "mp4a"...)
	msg = append(msg, raw...)
	a, err = DecodeAudio(msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ModEx) != 1 || a.ModEx[0].TimestampOffsetNano != 500000 || a.PacketType != AudioCodedFrames || a.DataLen != len(raw) {
		t.Errorf("%+v", a)
	}
	t.Log(a.Summary())
}

// TestEnhancedAVCModExAndMultitrack builds E-RTMP avc1 tags around real
// x264 frames from an ffmpeg-made FLV.
func TestEnhancedAVCModExAndMultitrack(t *testing.T) {
	tags := loadTags(t, "avc_main_aac.flv")
	ps, _ := loadProbe(t, "avc_main_aac.flv").stream("video")
	video := tagsOfType(tags, flv.TagVideo)
	avcC := firstVideoSeqHeader(t, tags)[5:]
	var key []byte
	for _, b := range video {
		if b[0]>>4 == 1 && b[1] == 1 {
			key = b[5:]
			break
		}
	}

	// ModEx with a 16-bit size escape: UI8 255 means UI16 follows.
	big := make([]byte, 300)
	big[0], big[1], big[2] = 0x00, 0x01, 0xF4 // 500 ns in the first 3 bytes
	msg := []byte{0x80 | 1<<4 | 7, 255, 0x01, 0x2B}
	msg = append(msg, big...)
	msg = append(msg, 0x00|byte(VideoCodedFramesX))
	msg = append(msg, "avc1"...)
	msg = append(msg, key...)
	v, err := DecodeVideo(msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.ModEx) != 1 || v.ModEx[0].DataLen != 300 || v.ModEx[0].TimestampOffsetNano != 500 || !containsAny(v.NALUTypes, 5) {
		t.Fatalf("%+v", v)
	}

	// ManyTracks: two avc1 tracks, sequence start, each with its size.
	mt := []byte{0x80 | 1<<4 | byte(VideoMultitrack), byte(ManyTracks)<<4 | byte(VideoSequenceStart)}
	mt = append(mt, "avc1"...)
	for id := 0; id < 2; id++ {
		mt = append(mt, byte(id))
		mt = append(mt, u24(len(avcC))...)
		mt = append(mt, avcC...)
	}
	v, err = DecodeVideo(mt)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Tracks) != 2 || v.Tracks[1].TrackID != 1 || v.Tracks[1].Size != len(avcC) || v.Tracks[1].AVC == nil ||
		v.Tracks[1].AVC.SPS.Width != ps.Width || !v.IsSequenceHeader() {
		t.Fatalf("%+v", v)
	}
	t.Log(v.Summary())

	// ManyTracksManyCodecs: avc1 coded frame + hvc1 sequence start.
	hvcC := mp4Box(t, readTestdata(t, "hevc.mp4"), "hvcC")
	mm := []byte{0x80 | 1<<4 | byte(VideoMultitrack), byte(ManyTracksManyCodecs)<<4 | byte(VideoSequenceStart)}
	mm = append(mm, "avc1"...)
	mm = append(mm, 0)
	mm = append(mm, u24(len(avcC))...)
	mm = append(mm, avcC...)
	mm = append(mm, "hvc1"...)
	mm = append(mm, 7)
	mm = append(mm, u24(len(hvcC))...)
	mm = append(mm, hvcC...)
	v, err = DecodeVideo(mm)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Tracks) != 2 || v.Tracks[0].FourCC != FourCCAVC || v.Tracks[1].FourCC != FourCCHEVC || v.Tracks[1].TrackID != 7 || v.Tracks[1].HEVC == nil {
		t.Fatalf("%+v", v)
	}
	t.Log(v.Summary())

	// OneTrack: track id, no size, body to the end.
	one := []byte{0x80 | 1<<4 | byte(VideoMultitrack), byte(OneTrack)<<4 | byte(VideoCodedFrames)}
	one = append(one, "avc1"...)
	one = append(one, 3, 0, 0, 80)
	one = append(one, key...)
	v, err = DecodeVideo(one)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Tracks) != 1 || v.Tracks[0].Size != -1 || v.Tracks[0].TrackID != 3 || v.Tracks[0].CompositionTime != 80 || !containsAny(v.Tracks[0].NALUTypes, 5) {
		t.Fatalf("%+v", v.Tracks)
	}

	// A track size that runs past the message is a truncation at its offset.
	bad := append([]byte(nil), mt[:6+1]...)
	bad = append(bad, u24(len(avcC)+10)...)
	bad = append(bad, avcC...)
	_, err = DecodeVideo(bad)
	var e *Error
	if !errors.Is(err, ErrTruncated) || !errors.As(err, &e) || e.Offset != 10 {
		t.Errorf("oversized track: %v", err)
	}
}

func TestEnhancedVideoMisc(t *testing.T) {
	// Command frame: no FourCC, one command byte.
	v, err := DecodeVideo([]byte{0x80 | 5<<4 | byte(VideoCodedFrames), 1})
	if err != nil || v.Command == nil || *v.Command != 1 {
		t.Fatalf("%v %+v", err, v)
	}
	// Legacy command frame (frame type 5, AVC).
	v, err = DecodeVideo([]byte{5<<4 | 7, 0})
	if err != nil || v.Command == nil || *v.Command != 0 || v.Summary() != "AVC command: start of client-side seek" {
		t.Fatalf("%v %+v %q", err, v, v.Summary())
	}
	// Metadata: an AMF0 ["colorInfo", {colorConfig: {bitDepth: 10}}], kept raw.
	amf := []byte{0x02, 0, 9}
	amf = append(amf, "colorInfo"...)
	amf = append(amf, 0x03, 0, 11)
	amf = append(amf, "colorConfig"...)
	amf = append(amf, 0x03, 0, 8)
	amf = append(amf, "bitDepth"...)
	amf = append(amf, 0x00, 0x40, 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 9)
	v, err = DecodeVideo(exVideo(FrameCommand, VideoMetadata, FourCCHEVC, nil, amf))
	if err != nil || v.DataLen != len(amf) || !bytes.Equal(v.Data, amf) || v.Command != nil {
		t.Fatalf("%v %+v", err, v)
	}
	t.Log(v.Summary())
	// SequenceEnd and MPEG2TSSequenceStart.
	if v, err = DecodeVideo(exVideo(FrameKey, VideoSequenceEnd, FourCCVP9, nil, nil)); err != nil || v.PacketType != VideoSequenceEnd {
		t.Fatalf("%v %+v", err, v)
	}
	if v, err = DecodeVideo(exVideo(FrameKey, VideoMPEG2TSSequenceStart, FourCCAV1, nil, []byte{0x80, 4, 1, 2})); err != nil || v.DataLen != 4 {
		t.Fatalf("%v %+v", err, v)
	}
	// Unknown FourCC and reserved packet type are unsupported, not panics.
	if _, err = DecodeVideo(exVideo(FrameKey, VideoCodedFrames, "xxxx", nil, nil)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown fourcc: %v", err)
	}
	if _, err = DecodeVideo(exVideo(FrameKey, 9, FourCCAVC, nil, nil)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("reserved packet type: %v", err)
	}
}

func TestEnhancedAudioMultitrack(t *testing.T) {
	head := oggFirstPacket(t, readTestdata(t, "opus.opus"))
	streaminfo := readTestdata(t, "flac.flac")[8:42]
	// ManyTracksManyCodecs: Opus track 0, fLaC track 1.
	m := []byte{0x90 | byte(AudioMultitrack), byte(ManyTracksManyCodecs)<<4 | byte(AudioSequenceStart)}
	m = append(m, "Opus"...)
	m = append(m, 0)
	m = append(m, u24(len(head))...)
	m = append(m, head...)
	m = append(m, "fLaC"...)
	m = append(m, 1)
	m = append(m, u24(len(streaminfo))...)
	m = append(m, streaminfo...)
	a, err := DecodeAudio(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tracks) != 2 || a.Tracks[0].Opus == nil || a.Tracks[1].FLAC == nil || a.Tracks[1].TrackID != 1 {
		t.Fatalf("%+v", a)
	}
	t.Log(a.Summary())

	// MultichannelConfig, custom order (5.1 mapping) and native order (flags).
	a, err = DecodeAudio(exAudio(AudioMultichannelConfig, FourCCOpus, []byte{2, 6, 0, 1, 2, 3, 4, 5}))
	if err != nil || a.Multichannel == nil || len(a.Multichannel.Mapping) != 6 || a.Channels != 6 {
		t.Fatalf("%v %+v", err, a.Multichannel)
	}
	a, err = DecodeAudio(exAudio(AudioMultichannelConfig, FourCCAC3, []byte{1, 6, 0, 0, 0, 0x3F}))
	if err != nil || a.Multichannel.Flags != 0x3F || a.Multichannel.OrderName != "native" {
		t.Fatalf("%v %+v", err, a.Multichannel)
	}
	// Empty message: the undocumented silence message.
	if a, err = DecodeAudio(nil); err != nil || !a.Silence {
		t.Fatalf("%v %+v", err, a)
	}
	// .mp3 coded frames with a real MP3 frame from an ffmpeg FLV.
	mp3 := tagsOfType(loadTags(t, "avc_high_crop_mp3.flv"), flv.TagAudio)[0][1:]
	a, err = DecodeAudio(exAudio(AudioCodedFrames, FourCCMP3, mp3))
	ps, _ := loadProbe(t, "avc_high_crop_mp3.flv").stream("audio")
	if err != nil || a.MP3 == nil || a.SampleRate != ps.sampleRate() || a.Channels != ps.Channels {
		t.Fatalf("%v %+v", err, a.MP3)
	}
}
