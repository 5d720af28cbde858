package media

import "fmt"

// MP3Header is an MPEG audio frame header (ISO/IEC 11172-3 / 13818-3).
type MP3Header struct {
	Version     string `json:"version"` // "MPEG-1", "MPEG-2", "MPEG-2.5"
	Layer       int    `json:"layer"`
	CRC         bool   `json:"crc"`
	Bitrate     int    `json:"bitrate"` // kbit/s, 0 = free format
	SampleRate  int    `json:"sample_rate"`
	Padding     bool   `json:"padding"`
	ChannelMode string `json:"channel_mode"`
	Channels    int    `json:"channels"`
	FrameSize   int    `json:"frame_size,omitempty"` // bytes, 0 for free format
}

var mp3Bitrates = [2][3][16]int{
	{ // MPEG-1: layer I, II, III
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, -1},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1},
	},
	{ // MPEG-2/2.5
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, -1},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
	},
}

var mp3Modes = [...]string{"stereo", "joint stereo", "dual channel", "mono"}

// DecodeMP3Header decodes the 4-byte header at the start of buf.
func DecodeMP3Header(buf []byte) (MP3Header, error) {
	var h MP3Header
	if len(buf) < 4 {
		return h, truncated(0, "MP3 frame header")
	}
	if buf[0] != 0xFF || buf[1]&0xE0 != 0xE0 {
		return h, invalid(0, "MP3 frame sync", "%02x%02x", buf[0], buf[1])
	}
	ver := buf[1] >> 3 & 3
	layer := buf[1] >> 1 & 3
	switch ver {
	case 0:
		h.Version = "MPEG-2.5"
	case 2:
		h.Version = "MPEG-2"
	case 3:
		h.Version = "MPEG-1"
	default:
		return h, invalid(1, "MP3 version", "reserved")
	}
	if layer == 0 {
		return h, invalid(1, "MP3 layer", "reserved")
	}
	h.Layer = 4 - int(layer)
	h.CRC = buf[1]&1 == 0
	bi := buf[2] >> 4
	si := buf[2] >> 2 & 3
	h.Padding = buf[2]>>1&1 == 1
	mode := buf[3] >> 6
	h.ChannelMode = mp3Modes[mode]
	h.Channels = 2
	if mode == 3 {
		h.Channels = 1
	}
	if si == 3 {
		return h, invalid(2, "MP3 sample rate", "reserved")
	}
	h.SampleRate = [3]int{44100, 48000, 32000}[si]
	switch ver {
	case 2:
		h.SampleRate /= 2
	case 0:
		h.SampleRate /= 4
	}
	t := 0
	if ver != 3 {
		t = 1
	}
	h.Bitrate = mp3Bitrates[t][h.Layer-1][bi]
	if h.Bitrate < 0 {
		h.Bitrate = 0
		return h, invalid(2, "MP3 bitrate index", "reserved")
	}
	if h.Bitrate > 0 {
		pad := 0
		if h.Padding {
			pad = 1
		}
		switch {
		case h.Layer == 1:
			h.FrameSize = (12*h.Bitrate*1000/h.SampleRate + pad) * 4
		case h.Layer == 3 && ver != 3:
			h.FrameSize = 72*h.Bitrate*1000/h.SampleRate + pad
		default:
			h.FrameSize = 144*h.Bitrate*1000/h.SampleRate + pad
		}
	}
	return h, nil
}

// Summary is a compact one-line description.
func (h *MP3Header) Summary() string {
	return fmt.Sprintf("%s L%d %dkbps %dHz %s", h.Version, h.Layer, h.Bitrate, h.SampleRate, h.ChannelMode)
}
