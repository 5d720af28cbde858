package extract

import (
	"slices"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/export/flv"
)

// Enhanced RTMP multitrack streams carry several tracks of a media type
// on one message stream. The stream's own file keeps every message as it
// was received, which only a multitrack-aware player reads in full; each
// track with an id other than 0 also gets a file of its own
// (PREFIX-CONN-DIR-MSID-tID.flv) holding that track as single-track tags:
// legacy FLV tags for H.264 and AAC, which every player reads (Debian 12's
// ffmpeg 5.1 too), Enhanced RTMP single-track tags for the other codecs.

// Compatibility notes of ExtractedFile.Players.
const (
	PlayersAny      = "any FLV player"
	PlayersEnhanced = "Enhanced RTMP FLV: ffmpeg ≥ 6.1 and current players; older ones (Debian 12's ffmpeg 5.1) read its video as flashsv2"
	PlayersTracks   = "multitrack Enhanced RTMP FLV: players that read E-RTMP multitrack; the -tN files hold the other tracks one by one"
)

// trackFiles writes the tracks of a multitrack message to their own
// streams (Track = the track id).
func (x *Extractor) trackFiles(c *extConn, k StreamKey, ts uint32, au *media.Audio, v *media.Video) {
	switch {
	case v != nil && v.Multitrack != nil:
		for i, t := range v.TrackViews() {
			if t.TrackID == 0 {
				continue
			}
			tk := k
			tk.Track = t.TrackID
			s := x.stream(c, tk)
			if s == nil || s.skip {
				continue
			}
			body := singleVideo(t.Video, &v.Tracks[i].VideoPayload)
			x.media(c, s, flv.TagVideo, ts, body, legacyView(t.Video, body))
		}
	case au != nil && au.Multitrack != nil:
		for i, t := range au.TrackViews() {
			if t.TrackID == 0 {
				continue
			}
			tk := k
			tk.Track = t.TrackID
			s := x.stream(c, tk)
			if s == nil || s.skip {
				continue
			}
			body := singleAudio(&au.Tracks[i].AudioPayload)
			dec, err := media.DecodeAudio(body)
			if err != nil {
				x.media(c, s, flv.TagAudio, ts, body, t.Audio)
				continue
			}
			if dec.SampleRate == 0 {
				dec.SampleRate, dec.Channels = t.Audio.SampleRate, t.Audio.Channels
			}
			x.media(c, s, flv.TagAudio, ts, body, &dec)
		}
	}
}

// legacyView decodes a track's new tag body, so that the file's summary
// and sequence-header accounting see what was written.
func legacyView(view *media.Video, body []byte) any {
	if d, err := media.DecodeVideo(body); err == nil {
		return &d
	}
	return view
}

// singleVideo encodes one video track as a tag body of its own: a legacy
// AVC tag for avc1 (sequence header, NALUs, end of sequence), else an
// Enhanced RTMP single-track tag.
func singleVideo(v *media.Video, p *media.VideoPayload) []byte {
	ft := v.FrameType
	if ft < media.FrameKey || ft > media.FrameCommand {
		// A reserved frame type (gortmplib v0.1.0 sends 0): say what the
		// NAL units say.
		ft = media.FrameInter
		if p.PacketType == media.VideoSequenceStart || slices.Contains(p.NALUTypes, 5) ||
			slices.ContainsFunc(p.NALUTypes, func(n uint8) bool { return n >= 16 && n <= 21 && p.FourCC == media.FourCCHEVC }) {
			ft = media.FrameKey
		}
	}
	if p.FourCC == media.FourCCAVC {
		var pt byte
		switch p.PacketType {
		case media.VideoSequenceStart:
			pt = 0
		case media.VideoCodedFrames, media.VideoCodedFramesX:
			pt = 1
		case media.VideoSequenceEnd:
			pt = 2
		default:
			return enhancedVideo(ft, p)
		}
		cts := p.CompositionTime
		b := []byte{byte(ft)<<4 | byte(media.CodecAVC), pt, byte(cts >> 16), byte(cts >> 8), byte(cts)}
		return append(b, p.Data...)
	}
	return enhancedVideo(ft, p)
}

func enhancedVideo(ft media.FrameType, p *media.VideoPayload) []byte {
	b := []byte{0x80 | byte(ft)<<4 | byte(p.PacketType)}
	b = append(b, fourCC4(p.FourCC)...)
	if p.PacketType == media.VideoCodedFrames && (p.FourCC == media.FourCCAVC || p.FourCC == media.FourCCHEVC || p.FourCC == media.FourCCVVC) {
		cts := p.CompositionTime
		b = append(b, byte(cts>>16), byte(cts>>8), byte(cts))
	}
	return append(b, p.Data...)
}

// singleAudio encodes one audio track as a tag body of its own: a legacy
// AAC tag for mp4a (whose fixed header bits are 44 kHz stereo 16-bit, as
// FLV requires), else an Enhanced RTMP single-track tag.
func singleAudio(p *media.AudioPayload) []byte {
	if p.FourCC == media.FourCCAAC && (p.PacketType == media.AudioSequenceStart || p.PacketType == media.AudioCodedFrames) {
		b := []byte{0xAF, byte(p.PacketType)}
		return append(b, p.Data...)
	}
	b := []byte{0x90 | byte(p.PacketType)}
	b = append(b, fourCC4(p.FourCC)...)
	return append(b, p.Data...)
}

// fourCC4 is a FourCC as its 4 wire bytes.
func fourCC4(f media.FourCC) []byte {
	b := []byte(string(f) + "    ")
	return b[:4]
}

// players says which players can open a file: what its stream carried.
func (s *extStream) players() string {
	switch {
	case s.multitrack:
		return PlayersTracks
	case s.enhanced:
		return PlayersEnhanced
	}
	return PlayersAny
}
