package media

// Enhanced RTMP multitrack messages carry several tracks of one media type
// on one message stream (FourCC, codec and frames of their own). Track
// views split such a message into one single-track message per track, so
// that statistics, the streams pane and extraction follow each track as a
// stream of its own instead of merging an AV1 and a VP9 track into one.

// VideoTrackView is one track of a multitrack video message as a message
// of its own.
type VideoTrackView struct {
	TrackID uint8
	// Size is the track's bytes as received: sizeOfVideoTrack for
	// ManyTracks messages, -1 for OneTrack (the message is the track).
	Size  int
	Video *Video
}

// AudioTrackView is one track of a multitrack audio message.
type AudioTrackView struct {
	TrackID uint8
	Size    int
	Audio   *Audio
}

// TrackViews returns one single-track view per track of a multitrack
// message (nil for any other message). Each view shares the message's
// frame type and modifiers and holds the track's payload, FourCC and
// codec; its Multitrack is nil.
func (v *Video) TrackViews() []VideoTrackView {
	if v.Multitrack == nil {
		return nil
	}
	out := make([]VideoTrackView, 0, len(v.Tracks))
	for i := range v.Tracks {
		t := &v.Tracks[i]
		w := &Video{FrameType: v.FrameType, Enhanced: true, ModEx: v.ModEx, VideoPayload: t.VideoPayload}
		w.FourCC = t.FourCC
		w.Codec = t.FourCC.CodecName()
		out = append(out, VideoTrackView{TrackID: t.TrackID, Size: t.Size, Video: w})
	}
	return out
}

// TrackViews returns one single-track view per track of a multitrack
// audio message (nil for any other message), with the track's effective
// format when its payload carries one.
func (a *Audio) TrackViews() []AudioTrackView {
	if a.Multitrack == nil {
		return nil
	}
	out := make([]AudioTrackView, 0, len(a.Tracks))
	for i := range a.Tracks {
		t := &a.Tracks[i]
		w := &Audio{SoundFormat: a.SoundFormat, Enhanced: true, ModEx: a.ModEx, AudioPayload: t.AudioPayload}
		w.FourCC = t.FourCC
		w.Codec = t.FourCC.CodecName()
		w.fillEffective(&w.AudioPayload)
		if i == 0 && w.SampleRate == 0 && a.FromConfig {
			// Formats filled the message from its first track's config.
			w.SampleRate, w.Channels, w.BitsPerSample, w.FromConfig = a.SampleRate, a.Channels, a.BitsPerSample, true
		}
		out = append(out, AudioTrackView{TrackID: t.TrackID, Size: t.Size, Audio: w})
	}
	return out
}
