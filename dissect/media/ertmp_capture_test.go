package media

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// TestERTMPCapture decodes the real Enhanced RTMP of ertmp.pcap:
// testdata/pcaps/ertmp-publisher (gortmplib v0.1.0's Client/Writer)
// publishing to nginx-rtmp a 4 s fragmented MP4 that make-captures.sh has
// ffmpeg make: libx265 -profile:v main -pix_fmt yuv420p, testsrc2 320x240
// at 25 fps, keyint 50 without scene cuts, 2 B-frames (b-adapt 0); libopus
// 48 kHz stereo. Everything asserted here follows from those settings or
// from gortmplib's code, as noted.
func TestERTMPCapture(t *testing.T) {
	const (
		capture = "ertmp.pcap"
		desc    = "H.265 hvc1 Main 320x240 25fps (2 B-frames) + Opus 48k stereo, 4 s"
		frameMs = 40 // 25 fps
	)
	dir := filepath.Join("..", "..", "testdata", "pcaps")
	tsv, err := os.ReadFile(filepath.Join(dir, "captures.tsv"))
	if err != nil {
		t.Skip("captures not present:", err)
	}
	if !strings.Contains(string(tsv), capture+"\t") || !strings.Contains(string(tsv), desc) {
		t.Fatalf("captures.tsv no longer says %q for %s; update the expectations", desc, capture)
	}
	var msgs []*event.Message
	sink := event.ReceiverFunc(func(e event.Event) {
		switch e.Kind {
		case event.KindMessage:
			if e.Dir == event.C2S && (e.Message.TypeID == 8 || e.Message.TypeID == 9) {
				msgs = append(msgs, e.Message)
			}
		case event.KindDiagnostic:
			if e.Diag.Severity > event.Info {
				t.Errorf("clean capture: %s %s: %s", e.Diag.Severity, e.Diag.Code, e.Diag.Text)
			}
		}
	})
	if _, err := flow.ProcessFile(filepath.Join(dir, capture), sink, []flow.Protocol{dissect.Protocol(dissect.Options{})}, flow.RunOptions{}); err != nil {
		t.Fatal(err)
	}

	var video, audio []struct {
		ts uint32
		v  Video
		a  Audio
	}
	for _, m := range msgs {
		if m.BodyTruncated {
			t.Fatalf("frame %d: body truncated", m.Frame)
		}
		e := struct {
			ts uint32
			v  Video
			a  Audio
		}{ts: m.Timestamp}
		if m.TypeID == 9 {
			if err := e.v.Unmarshal(m.Body); err != nil {
				t.Fatalf("frame %d: video: %v", m.Frame, err)
			}
			video = append(video, e)
		} else {
			if err := e.a.Unmarshal(m.Body); err != nil {
				t.Fatalf("frame %d: audio: %v", m.Frame, err)
			}
			audio = append(audio, e)
		}
	}
	if len(video) == 0 || len(audio) == 0 {
		t.Fatalf("%d video, %d audio messages", len(video), len(audio))
	}

	// Video: one SequenceStart with the hvcC gortmplib builds from the
	// file's VPS/SPS/PPS, then 100 frames (4 s at 25 fps).
	seq := video[0].v
	if !seq.Enhanced || seq.FourCC != FourCCHEVC || seq.PacketType != VideoSequenceStart || seq.HEVC == nil {
		t.Fatalf("first video message: %s", seq.Summary())
	}
	// gortmplib v0.1.0 writes the E-RTMP video header as 0x80|packetType:
	// frame type 0 (reserved) on every message, keyframes included.
	if seq.FrameType != 0 {
		t.Errorf("frame type %d, gortmplib writes 0", seq.FrameType)
	}
	h := seq.HEVC
	if h.Profile != 1 || h.ProfileName != "Main" || h.ChromaFormat != 1 || h.BitDepthLuma != 8 || h.BitDepthChroma != 8 || h.NALULengthSize != 4 {
		t.Errorf("hvcC: %s", h.Summary())
	}
	if h.SPS == nil || h.SPS.Profile != 1 || h.SPS.Width != 320 || h.SPS.Height != 240 || h.SPS.ChromaFormat != 1 {
		t.Errorf("hvcC SPS: %+v", h.SPS)
	}
	if len(h.Arrays) != 3 || h.Arrays[0].NALType != 32 || h.Arrays[1].NALType != 33 || h.Arrays[2].NALType != 34 {
		t.Errorf("hvcC arrays (VPS, SPS, PPS): %+v", h.Arrays)
	}
	var coded, codedX int
	var rap []uint8 // NAL unit types of the random access points
	var pts0 int64
	for i, e := range video[1:] {
		v := e.v
		if !v.Enhanced || v.FourCC != FourCCHEVC || v.FrameType != 0 {
			t.Fatalf("video %d: %s", i+1, v.Summary())
		}
		// Frames are 40 ms apart in DTS from 0.
		if e.ts != uint32(i*frameMs) {
			t.Errorf("video %d: timestamp %d, want %d", i+1, e.ts, i*frameMs)
		}
		// gortmplib sends CodedFramesX when PTS == DTS and CodedFrames
		// (with the composition time) otherwise: B-frame reordering, in
		// whole frames, at most 4 frames with 2 B-frames here.
		switch v.PacketType {
		case VideoCodedFramesX:
			codedX++
			if v.CompositionTime != 0 {
				t.Errorf("video %d: CodedFramesX with composition time %d", i+1, v.CompositionTime)
			}
		case VideoCodedFrames:
			coded++
			if c := v.CompositionTime; c <= 0 || c%frameMs != 0 || c > 4*frameMs {
				t.Errorf("video %d: composition time %d", i+1, c)
			}
		default:
			t.Fatalf("video %d: packet type %v", i+1, v.PacketType)
		}
		// The samples carry no parameter sets (they are in the hvcC),
		// one slice NAL unit each. A random access point every 50 frames
		// in presentation order (PTS = timestamp + composition time):
		// IDR_N_LP (20) first, then CRA (21), x265's default open GOP.
		if len(v.NALUTypes) != 1 {
			t.Fatalf("video %d: NAL units %v", i+1, v.NALUTypes)
		}
		pts := int64(e.ts) + int64(v.CompositionTime)
		if i == 0 {
			pts0 = pts
		}
		nal := v.NALUTypes[0]
		if irap := nal >= 16 && nal <= 23; irap != ((pts-pts0)%(50*frameMs) == 0) {
			t.Errorf("video %d: PTS %d ms, NAL unit type %d", i+1, pts, nal)
		} else if irap {
			rap = append(rap, nal)
		}
	}
	if n := len(video) - 1; n != 100 || coded == 0 || codedX == 0 {
		t.Errorf("%d coded video messages (%d CodedFrames, %d CodedFramesX); want 100 with both kinds", n, coded, codedX)
	}
	if len(rap) != 2 || rap[0] != 20 || rap[1] != 21 {
		t.Errorf("random access points: NAL unit types %v, want [20 21] (IDR_N_LP, CRA)", rap)
	}

	// Audio: an Opus SequenceStart, then Opus packets (20 ms, libopus's
	// default frame) as CodedFrames.
	as := audio[0].a
	if !as.Enhanced || as.FourCC != FourCCOpus || as.PacketType != AudioSequenceStart || as.Opus == nil || as.Opus.Channels != 2 {
		t.Fatalf("first audio message: %s", as.Summary())
	}
	// gortmplib v0.1.0 writes the OpusHead's multi-byte fields big-endian
	// (RFC 7845 says little-endian): its pre-skip 3840 (0x0f00) reads as
	// 15, and it sets no input sample rate.
	if as.Opus.PreSkip != 15 || as.Opus.InputSampleRate != 0 {
		t.Errorf("OpusHead: pre-skip %d, input rate %d; gortmplib writes 3840 big-endian and 0", as.Opus.PreSkip, as.Opus.InputSampleRate)
	}
	for i, e := range audio[1:] {
		a := e.a
		if !a.Enhanced || a.FourCC != FourCCOpus || a.PacketType != AudioCodedFrames || a.DataLen == 0 {
			t.Fatalf("audio %d: %s", i+1, a.Summary())
		}
		if e.ts != uint32(i*20) {
			t.Errorf("audio %d: timestamp %d, want %d", i+1, e.ts, i*20)
		}
	}
	if n := len(audio) - 1; n < 200 || n > 201 {
		t.Errorf("%d Opus packets, want 200 (4 s of 20 ms)", n)
	}
	t.Logf("%s | %s; %d CodedFrames, %d CodedFramesX, %d Opus packets", seq.Summary(), as.Summary(), coded, codedX, len(audio)-1)
}
