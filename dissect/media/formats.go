package media

// Formats remembers the last audio configuration of each media stream of
// one connection (the AAC AudioSpecificConfig, an Enhanced RTMP sequence
// start's Opus or FLAC header) so that coded frames, which carry none,
// report the stream's effective sample rate and channels: a 48 kHz mono
// AAC stream is 48 kHz mono on every frame, not the "44 kHz stereo" its
// fixed FLV header bits say. The session layer keeps one per connection.
// The zero value is ready to use; its memory is bounded by maxFormats.
type Formats struct {
	m map[formatKey]audioFormat
}

// maxFormats bounds the streams remembered per connection.
const maxFormats = 64

type formatKey struct {
	dir   uint8
	msid  uint32
	track uint8
}

type audioFormat struct {
	rate, channels, bits int
}

// Audio applies a decoded audio message of direction dir (event.Dir as a
// number) on message stream msid: a sequence header is remembered, a coded
// frame without its own format gets the remembered one (FromConfig).
func (f *Formats) Audio(dir uint8, msid uint32, a *Audio) {
	if a == nil || a.Silence {
		return
	}
	track := uint8(0)
	p := &a.AudioPayload
	if a.Multitrack != nil {
		if len(a.Tracks) == 0 {
			return
		}
		track, p = a.Tracks[0].TrackID, &a.Tracks[0].AudioPayload
	}
	k := formatKey{dir, msid, track}
	hasConfig := a.SoundFormat == SoundAAC || a.Enhanced
	switch {
	case hasConfig && p.PacketType == AudioSequenceStart:
		if a.SampleRate <= 0 && a.Channels <= 0 {
			return
		}
		if f.m == nil {
			f.m = map[formatKey]audioFormat{}
		}
		if _, ok := f.m[k]; !ok && len(f.m) >= maxFormats {
			return
		}
		f.m[k] = audioFormat{a.SampleRate, a.Channels, a.BitsPerSample}
	case hasConfig && p.PacketType == AudioCodedFrames && a.SampleRate == 0 && a.Channels == 0:
		if cf, ok := f.m[k]; ok {
			a.SampleRate, a.Channels, a.BitsPerSample, a.FromConfig = cf.rate, cf.channels, cf.bits, true
		}
	}
}
