// Command ertmp-publisher publishes a fragmented MP4 file (H.265, H.264,
// Opus and AAC tracks, any number of each, as written by ffmpeg with -movflags
// frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets)
// to an RTMP server with Enhanced RTMP, in real time, through the public
// Client/Writer API of github.com/bluenviron/gortmplib v0.1.0. make-captures.sh
// uses it for ertmp.pcap. It has its own go.mod so that rtmpscope's module
// does not depend on gortmplib.
//
//	ertmp-publisher rtmp://127.0.0.7:1935/live/key clip.mp4
//
// What goes on the wire is gortmplib's choice: @setDataFrame/onMetaData,
// a video SequenceStart (FourCC hvc1, hvcC built from the file's
// VPS/SPS/PPS), an audio SequenceStart (FourCC Opus), then CodedFramesX
// (composition time 0) or CodedFrames (non-zero composition time, i.e. the
// B-frame reordering in the file) for video and CodedFrames for audio.
// With more than one track of a kind (ertmp-multitrack.pcap) the first is
// sent as above and the others as E-RTMP multitrack (OneTrack) messages
// with track ids 1, 2, ...; a first AAC track goes out as legacy AAC with
// gortmplib's fixed 44 kHz stereo header bits.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"sort"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
)

// frame is one sample to send, with its times relative to the file start.
type frame struct {
	dts, pts time.Duration
	track    format.Format
	sample   *fmp4.Sample
}

func isVideo(f format.Format) bool {
	switch f.(type) {
	case *format.H265, *format.H264:
		return true
	}
	return false
}

// write sends one sample through the Writer call of its codec.
func write(w *gortmplib.Writer, f frame, pts, dts time.Duration) error {
	switch t := f.track.(type) {
	case *format.H265:
		au, err := f.sample.GetH265()
		if err != nil {
			return err
		}
		return w.WriteH265(t, pts, dts, au)
	case *format.H264:
		au, err := f.sample.GetH264()
		if err != nil {
			return err
		}
		return w.WriteH264(t, pts, dts, au)
	case *format.Opus:
		return w.WriteOpus(t, pts, f.sample.Payload)
	case *format.MPEG4Audio:
		return w.WriteMPEG4Audio(t, pts, f.sample.Payload)
	}
	return fmt.Errorf("no writer for %T", f.track)
}

// backAt and back make a publisher whose clock steps backwards (the
// backwards.pcap capture): from media time backAt on, every timestamp is
// back earlier than it should be. Zero: off.
var backAt, back time.Duration

func main() {
	flag.DurationVar(&backAt, "back-at", 0, "from this media time on, send timestamps `back` earlier (a clock that steps backwards)")
	flag.DurationVar(&back, "back", 0, "how far timestamps step back at -back-at")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: ertmp-publisher [-back-at D -back D] RTMP-URL FILE.mp4") }
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1)); err != nil {
		log.Fatal(err)
	}
}

// firstMoof returns the offset of the first top-level moof box.
func firstMoof(b []byte) (int, error) {
	for off := 0; off+8 <= len(b); {
		size := int(binary.BigEndian.Uint32(b[off:]))
		if string(b[off+4:off+8]) == "moof" {
			return off, nil
		}
		if size < 8 {
			return 0, fmt.Errorf("box at %d: size %d not supported", off, size)
		}
		off += size
	}
	return 0, fmt.Errorf("no moof box: not a fragmented MP4")
}

func run(rawURL, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	moof, err := firstMoof(b)
	if err != nil {
		return err
	}
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(b[:moof])); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(b[moof:]); err != nil {
		return fmt.Errorf("fragments: %w", err)
	}

	// One gortmplib track per MP4 track, in file order: the first video
	// and the first audio track are sent as plain (Enhanced) RTMP, the
	// others as E-RTMP multitrack messages with track ids 1, 2, ... (what
	// gortmplib's Writer does with more than one track of a kind).
	var tracks []format.Format
	byID := map[int]format.Format{}
	scale := map[int]uint32{}
	for _, t := range init.Tracks {
		scale[t.ID] = t.TimeScale
		var f format.Format
		switch c := t.Codec.(type) {
		case *mp4.CodecH265:
			f = &format.H265{PayloadTyp: 96, VPS: c.VPS, SPS: c.SPS, PPS: c.PPS}
		case *mp4.CodecH264:
			f = &format.H264{PayloadTyp: 96, SPS: c.SPS, PPS: c.PPS, PacketizationMode: 1}
		case *mp4.CodecOpus:
			f = &format.Opus{PayloadTyp: 111, ChannelCount: c.ChannelCount}
		case *mp4.CodecMPEG4Audio:
			cfg := c.Config
			f = &format.MPEG4Audio{PayloadTyp: 97, Config: &cfg, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3}
		default:
			return fmt.Errorf("track %d: codec %T not supported", t.ID, t.Codec)
		}
		tracks = append(tracks, f)
		byID[t.ID] = f
	}

	// Every sample with its times, in DTS order, from DTS 0. mediacommon
	// reads composition offsets only from version-1 trun boxes, so the file
	// is made with -movflags +negative_cts_offsets: B-frames then have
	// PTS < DTS (the edit list's shift is left out). Adding back the most
	// negative offset makes every composition time >= 0 (what ffprobe shows
	// for the file), as RTMP players expect.
	var frames []frame
	var minOff time.Duration
	for _, p := range parts {
		for _, pt := range p.Tracks {
			ts := uint64(scale[pt.ID])
			t := pt.BaseTime
			for _, s := range pt.Samples {
				dts := time.Duration(t) * time.Second / time.Duration(ts)
				off := time.Duration(s.PTSOffset) * time.Second / time.Duration(ts)
				minOff = min(minOff, off)
				frames = append(frames, frame{dts: dts, pts: dts + off, track: byID[pt.ID], sample: s})
				t += uint64(s.Duration)
			}
		}
	}
	if len(frames) == 0 {
		return fmt.Errorf("no samples")
	}
	for i := range frames {
		if isVideo(frames[i].track) {
			frames[i].pts -= minOff
		}
	}
	sort.SliceStable(frames, func(i, j int) bool { return frames[i].dts < frames[j].dts })
	shift := frames[0].dts

	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &gortmplib.Client{URL: u, Publish: true}
	if err := c.Initialize(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	w := &gortmplib.Writer{Conn: c, Tracks: tracks}
	if err := w.Initialize(); err != nil {
		return fmt.Errorf("tracks: %w", err)
	}

	start := time.Now()
	for _, f := range frames {
		dts, pts := f.dts-shift, f.pts-shift
		if d := dts - time.Since(start); d > 0 { // real time, like ffmpeg -re
			time.Sleep(d)
		}
		if back > 0 && dts >= backAt {
			// Paced as before; only the timestamps on the wire step back.
			dts, pts = dts-back, pts-back
		}
		err := write(w, f, pts, dts)
		if err != nil {
			return fmt.Errorf("write at %v: %w", dts, err)
		}
	}
	log.Printf("sent %d samples in %v", len(frames), time.Since(start).Round(time.Millisecond))
	return nil
}
