package media

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type bitWriter struct {
	b   []byte
	pos int
}

func (w *bitWriter) put(n int, v uint64) {
	for i := n - 1; i >= 0; i-- {
		if w.pos%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.pos%8)
		}
		w.pos++
	}
}

// No VVC encoder is available here: this vvcC is built field by field from
// the ISO/IEC 14496-15 VvcDecoderConfigurationRecord layout.
func TestVVCConfigFromSpec(t *testing.T) {
	w := &bitWriter{}
	w.put(5, 0x1f)
	w.put(2, 3) // LengthSizeMinusOne
	w.put(1, 1) // ptl_present_flag
	w.put(9, 0) // ols_idx
	w.put(3, 1) // num_sublayers
	w.put(2, 1) // constant_frame_rate
	w.put(2, 1) // chroma_format_idc 4:2:0
	w.put(3, 2) // bit_depth_minus8
	w.put(5, 0x1f)
	w.put(2, 0)
	w.put(6, 1)  // num_bytes_constraint_info
	w.put(7, 1)  // general_profile_idc: Main 10
	w.put(1, 0)  // tier
	w.put(8, 51) // level 3.1
	w.put(1, 1)  // ptl_frame_only_constraint_flag
	w.put(1, 0)  // ptl_multilayer_enabled_flag
	w.put(6, 0)  // general_constraint_info
	w.put(8, 0)  // ptl_num_sub_profiles
	w.put(16, 1280)
	w.put(16, 720)
	w.put(16, 0)
	w.put(8, 1)  // num_of_arrays
	w.put(1, 1)  // array_completeness
	w.put(2, 0)  // reserved
	w.put(5, 15) // SPS_NUT
	w.put(16, 1) // num_nalus
	w.put(16, 2) // nal unit length
	w.put(16, 0x0079)
	v, err := DecodeVideo(exVideo(FrameKey, VideoSequenceStart, FourCCVVC, nil, w.b))
	if err != nil {
		t.Fatal(err)
	}
	c := v.VVC
	if c == nil || c.NALULengthSize != 4 || c.Profile != 1 || c.Level != 51 || c.BitDepth != 10 || c.ChromaFormat != 1 ||
		c.MaxWidth != 1280 || c.MaxHeight != 720 || len(c.Arrays) != 1 || c.Arrays[0].NALType != 15 {
		t.Fatalf("%+v", c)
	}
	if s := v.Summary(); s != "VVC keyframe seq start profile 1@L3.1 1280x720 10bit" {
		t.Errorf("summary %q", s)
	}
	// With the FullBox version/flags in front, as in an MP4 vvcC box.
	full := append([]byte{0, 0, 0, 0}, w.b...)
	if c2, err := DecodeVVCConfig(full); err != nil || !c2.FullBox || c2.MaxWidth != 1280 {
		t.Fatalf("%v %+v", err, c2)
	}
}

// No VP6 encoder is available here: the tag is built from the FLV spec's
// VP6FLVVIDEOPACKET layout and the VP6 key frame header as libavcodec reads it.
func TestVP6FromSpec(t *testing.T) {
	// Adjustment 0x40: 4 pixels cropped horizontally; key frame, q=20,
	// version 6, profile 3 (no partition offset), 15 rows x 20 cols.
	body := []byte{4<<4 | 4, 0x40, 20 << 1, 6<<3 | 3<<1, 15, 20, 15, 20}
	v, err := DecodeVideo(body)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := v.Dimensions(); v.VP6 == nil || !v.VP6.KeyFrame || w != 316 || h != 240 || v.VP6.Quantizer != 20 {
		t.Fatalf("%+v", v.VP6)
	}
	// VP6 with alpha: 3-byte OffsetToAlpha after the adjustment byte, and
	// profile 0, which carries the 2-byte partition offset.
	alpha := []byte{1<<4 | 5, 0x00, 0, 0, 9, 10 << 1, 6 << 3, 0, 0, 9, 16, 9, 16}
	if v, err = DecodeVideo(alpha); err != nil || v.VP6.AlphaOffset != 9 || v.VP6.Width != 256 || v.VP6.Height != 144 {
		t.Fatalf("%v %+v", err, v.VP6)
	}
}

// AAC configurations no encoder here produces (HE-AAC needs libfdk), built
// from the ISO/IEC 14496-3 AudioSpecificConfig syntax.
func TestAACSignallingFromSpec(t *testing.T) {
	cases := []struct {
		name               string
		fields             [][2]uint64 // bits, value
		aot, rate, outRate int
		sbr, ps            bool
		signalling         string
	}{
		{"explicit hierarchical HE-AAC", [][2]uint64{{5, 5}, {4, 6}, {4, 2}, {4, 3}, {5, 2}, {3, 0}}, 2, 24000, 48000, true, false, "explicit hierarchical"},
		{"explicit hierarchical HE-AACv2", [][2]uint64{{5, 29}, {4, 6}, {4, 1}, {4, 3}, {5, 2}, {3, 0}}, 2, 24000, 48000, true, true, "explicit hierarchical"},
		{"backward compatible SBR+PS", [][2]uint64{{5, 2}, {4, 6}, {4, 1}, {3, 0}, {11, 0x2b7}, {5, 5}, {1, 1}, {4, 3}, {11, 0x548}, {1, 1}}, 2, 24000, 48000, true, true, "explicit backward compatible"},
		{"escape object type and explicit rate", [][2]uint64{{5, 31}, {6, 10}, {4, 15}, {24, 44056}, {4, 2}}, 42, 44056, 0, false, false, "implicit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := &bitWriter{}
			for _, f := range c.fields {
				w.put(int(f[0]), f[1])
			}
			a, err := DecodeAACConfig(w.b)
			if err != nil {
				t.Fatal(err)
			}
			if a.ObjectType != c.aot || a.SampleRate != c.rate || a.ExtSampleRate != c.outRate || a.SBR != c.sbr || a.PS != c.ps || a.Signalling != c.signalling {
				t.Fatalf("%+v", a)
			}
		})
	}
	if _, err := DecodeAACConfig([]byte{0x12}); !errors.Is(err, ErrTruncated) {
		t.Errorf("1-byte ASC: %v", err)
	}
	if _, err := DecodeAACConfig([]byte{0x16, 0x90}); !errors.Is(err, ErrInvalid) {
		t.Errorf("reserved frequency index 13: %v", err)
	}
}

// TestJSONShape checks the export contract: snake_case names, enums as
// names, no raw payload bytes.
func TestJSONShape(t *testing.T) {
	tags := loadTags(t, "avc_main_aac.flv")
	v, err := DecodeVideo(firstVideoSeqHeader(t, tags))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"frame_type":"keyframe"`, `"codec_id":"AVC"`, `"packet_type":"SequenceStart"`,
		`"avc_config":{`, `"profile":"Main"`, `"width":320`, `"frame_rate":25`, `"data_len":`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in %s", want, s)
		}
	}
	for _, bad := range []string{`"Data"`, `"data":`, `SPSList`} {
		if strings.Contains(s, bad) {
			t.Errorf("raw bytes %s leaked into %s", bad, s)
		}
	}
}
