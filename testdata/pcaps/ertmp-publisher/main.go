// Command ertmp-publisher publishes a fragmented MP4 file (H.265 and/or Opus,
// as written by ffmpeg with -movflags
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
package main

import (
	"bytes"
	"context"
	"encoding/binary"
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
	video    bool
	sample   *fmp4.Sample
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ertmp-publisher RTMP-URL FILE.mp4")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
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

	var video *format.H265
	var audio *format.Opus
	var tracks []format.Format
	scale := map[int]uint32{}
	for _, t := range init.Tracks {
		scale[t.ID] = t.TimeScale
		switch c := t.Codec.(type) {
		case *mp4.CodecH265:
			video = &format.H265{PayloadTyp: 96, VPS: c.VPS, SPS: c.SPS, PPS: c.PPS}
			tracks = append(tracks, video)
			scale[-t.ID] = 1 // marks a video track
		case *mp4.CodecOpus:
			audio = &format.Opus{PayloadTyp: 111, ChannelCount: c.ChannelCount}
			tracks = append(tracks, audio)
		default:
			return fmt.Errorf("track %d: codec %T not supported", t.ID, t.Codec)
		}
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
				frames = append(frames, frame{dts: dts, pts: dts + off, video: scale[-pt.ID] == 1, sample: s})
				t += uint64(s.Duration)
			}
		}
	}
	if len(frames) == 0 {
		return fmt.Errorf("no samples")
	}
	for i := range frames {
		if frames[i].video {
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
		if f.video {
			au, err := f.sample.GetH265()
			if err != nil {
				return err
			}
			err = w.WriteH265(video, pts, dts, au)
		} else {
			err = w.WriteOpus(audio, pts, f.sample.Payload)
		}
		if err != nil {
			return fmt.Errorf("write at %v: %w", dts, err)
		}
	}
	log.Printf("sent %d samples in %v", len(frames), time.Since(start).Round(time.Millisecond))
	return nil
}
