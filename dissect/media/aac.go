package media

import (
	"fmt"
	"strconv"
)

// AACConfig is an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1), the
// body of an AAC sequence header.
type AACConfig struct {
	ObjectType      int    `json:"object_type"` // audioObjectType, escape (>31) resolved
	ObjectTypeName  string `json:"object_type_name"`
	FrequencyIndex  uint8  `json:"frequency_index"` // 15 means explicit
	SampleRate      int    `json:"sample_rate"`
	ChannelConfig   uint8  `json:"channel_config"`
	Channels        int    `json:"channels,omitempty"` // 0 when given by a program_config_element
	FrameLength     int    `json:"frame_length,omitempty"`
	DependsOnCore   bool   `json:"depends_on_core_coder,omitempty"`
	CoreCoderDelay  uint16 `json:"core_coder_delay,omitempty"`
	ExtensionFlag   bool   `json:"extension_flag,omitempty"`
	HasPCE          bool   `json:"has_pce,omitempty"` // channel config 0: a PCE follows (not decoded)
	SBR             bool   `json:"sbr,omitempty"`
	PS              bool   `json:"ps,omitempty"`
	ExtObjectType   int    `json:"ext_object_type,omitempty"`
	ExtSampleRate   int    `json:"ext_sample_rate,omitempty"` // output rate with SBR
	ExtFreqIndex    uint8  `json:"ext_frequency_index,omitempty"`
	Signalling      string `json:"signalling"` // implicit, explicit hierarchical, explicit backward compatible
	ExtensionLength int    `json:"-"`
}

var aacSampleRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

var aacObjectTypeNames = map[int]string{
	1: "Main", 2: "LC", 3: "SSR", 4: "LTP", 5: "SBR (HE-AAC)", 6: "Scalable", 7: "TwinVQ",
	8: "CELP", 9: "HVXC", 12: "TTSI", 13: "Main synthetic", 17: "ER AAC LC", 19: "ER AAC LTP",
	20: "ER AAC scalable", 21: "ER TwinVQ", 22: "ER BSAC", 23: "ER AAC LD", 24: "ER CELP",
	25: "ER HVXC", 26: "ER HILN", 27: "ER Parametric", 28: "SSC", 29: "PS (HE-AACv2)",
	32: "Layer-1", 33: "Layer-2", 34: "Layer-3", 35: "DST", 36: "ALS", 37: "SLS",
	38: "SLS non-core", 39: "ER AAC ELD", 42: "USAC",
}

// aacChannels maps channelConfiguration to a channel count.
var aacChannels = [...]int{0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8}

func aacObjectTypeName(aot int) string {
	if n, ok := aacObjectTypeNames[aot]; ok {
		return n
	}
	return fmt.Sprintf("AOT %d", aot)
}

// DecodeAACConfig decodes an AudioSpecificConfig. Unknown trailing extensions
// are ignored.
func DecodeAACConfig(buf []byte) (AACConfig, error) {
	var c AACConfig
	err := c.Unmarshal(buf)
	return c, err
}

// Unmarshal decodes an AudioSpecificConfig into c.
func (c *AACConfig) Unmarshal(buf []byte) error {
	*c = AACConfig{Signalling: "implicit"}
	r := &bitReader{buf: buf}
	fail := func(field string) error { return truncated(r.pos/8, "AudioSpecificConfig "+field) }

	c.ObjectType = aacObjectType(r)
	c.ObjectTypeName = aacObjectTypeName(c.ObjectType)
	var err error
	if c.FrequencyIndex, c.SampleRate, err = aacFrequency(r); err != nil {
		return err
	}
	c.ChannelConfig = uint8(r.u(4))
	if r.overrun {
		return fail("channel configuration")
	}
	if int(c.ChannelConfig) < len(aacChannels) {
		c.Channels = aacChannels[c.ChannelConfig]
	}
	c.HasPCE = c.ChannelConfig == 0

	// Explicit hierarchical signalling: the first object type names SBR/PS
	// and the core object type follows.
	if c.ObjectType == 5 || c.ObjectType == 29 {
		c.Signalling = "explicit hierarchical"
		c.ExtObjectType = 5
		c.SBR = true
		c.PS = c.ObjectType == 29
		if c.ExtFreqIndex, c.ExtSampleRate, err = aacFrequency(r); err != nil {
			return err
		}
		c.ObjectType = aacObjectType(r)
		c.ObjectTypeName = aacObjectTypeName(c.ObjectType)
		if r.overrun {
			return fail("core object type")
		}
	}

	switch c.ObjectType {
	case 1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23:
		c.FrameLength = 1024
		if r.flag() {
			c.FrameLength = 960
		}
		if c.ObjectType == 23 {
			c.FrameLength /= 2
		}
		c.DependsOnCore = r.flag()
		if c.DependsOnCore {
			c.CoreCoderDelay = uint16(r.u(14))
		}
		c.ExtensionFlag = r.flag()
		if r.overrun {
			return fail("GASpecificConfig")
		}
		if c.HasPCE {
			// A program_config_element of variable size follows; without it
			// the position of later fields is unknown, so stop here.
			return nil
		}
		if c.ObjectType == 6 || c.ObjectType == 20 {
			r.skip(3)
		}
		if c.ExtensionFlag {
			if c.ObjectType == 22 {
				r.skip(16)
			}
			if c.ObjectType == 17 || c.ObjectType == 19 || c.ObjectType == 20 || c.ObjectType == 23 {
				r.skip(3)
			}
			r.skip(1)
		}
	default:
		// Other object types have their own specific configs; the core fields
		// above are what a person debugging a stream needs.
		return nil
	}
	switch c.ObjectType {
	case 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 39:
		r.skip(2) // epConfig
	}
	if r.overrun {
		return fail("GASpecificConfig")
	}

	// Explicit backward-compatible signalling: a sync extension after the
	// core config announces SBR (0x2b7) and then PS (0x548).
	if c.ExtObjectType != 5 && r.bitsLeft() >= 16 {
		if r.u(11) == 0x2b7 {
			ext := aacObjectType(r)
			if ext == 5 {
				if r.flag() {
					c.Signalling = "explicit backward compatible"
					c.ExtObjectType = 5
					c.SBR = true
					if c.ExtFreqIndex, c.ExtSampleRate, err = aacFrequency(r); err != nil {
						return err
					}
					if r.bitsLeft() >= 12 && r.u(11) == 0x548 {
						c.PS = r.flag()
					}
				}
			}
		}
	}
	if c.SBR && c.ExtSampleRate == 0 {
		c.ExtSampleRate = c.SampleRate * 2
	}
	return nil
}

func aacObjectType(r *bitReader) int {
	aot := int(r.u(5))
	if aot == 31 {
		aot = 32 + int(r.u(6))
	}
	return aot
}

func aacFrequency(r *bitReader) (uint8, int, error) {
	idx := uint8(r.u(4))
	if idx == 15 {
		rate := int(r.u(24))
		if r.overrun {
			return idx, 0, truncated(r.pos/8, "AudioSpecificConfig explicit sampling frequency")
		}
		return idx, rate, nil
	}
	if r.overrun {
		return idx, 0, truncated(r.pos/8, "AudioSpecificConfig sampling frequency index")
	}
	if int(idx) >= len(aacSampleRates) {
		return idx, 0, invalid(r.pos/8, "AudioSpecificConfig sampling frequency index", "reserved index %d", idx)
	}
	return idx, aacSampleRates[idx], nil
}

// Summary is a compact one-line description.
func (c *AACConfig) Summary() string {
	var buf [48]byte
	b := append(buf[:0], c.ObjectTypeName...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(c.SampleRate), 10)
	b = append(b, "Hz "...)
	b = appendChannels(b, c.Channels)
	if c.PS {
		b = append(b, " +SBR+PS"...)
	} else if c.SBR {
		b = append(b, " +SBR"...)
	}
	return string(b)
}

// appendChannels appends a channel count as summaries name it.
func appendChannels(dst []byte, n int) []byte {
	switch n {
	case 0:
		return append(dst, "PCE"...)
	case 1:
		return append(dst, "mono"...)
	case 2:
		return append(dst, "stereo"...)
	}
	return append(strconv.AppendInt(dst, int64(n), 10), "ch"...)
}
