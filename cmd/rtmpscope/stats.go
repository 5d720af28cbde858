package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const statsUsage = `Usage: rtmpscope stats [flags] (-r FILE | -i IFACE)

Media statistics per stream (connection, direction, message stream id):
codecs and their configuration (resolution, profile and level, sample rate,
channels, Enhanced RTMP FourCC), frame rate, keyframe interval (GOP),
bitrate with a sparkline of its course, composition-time range, audio/video
timestamp drift, timestamps that go backwards or jump, and sequence headers
that change mid-stream. A stream is reported when its connection ends.

Examples:
  rtmpscope stats -r testdata/pcaps/multi.pcap
  rtmpscope stats -T ndjson -r capture.pcapng | jq '.video.format'

Flags:
`

func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("stats", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, ndjson, json")
	secrets := fs.Bool("show-secrets", false, "show stream keys and tokens instead of redacting them")
	interval := fs.Duration("interval", 10*time.Second, "live (-i), or with -r when given: print a table of the open streams every `DURATION` of capture time (0: only at the end)")
	lineBuffered := fs.BoolP("line-buffered", "l", false, "write each report as soon as it is complete, also into pipes and files (live always does)")
	if err := parseFlags(fs, args, statsUsage, stdout, stderr); err != nil {
		return err
	}
	if *interval < 0 {
		return usagef("--interval %s: must not be negative", *interval)
	}
	// Tables every interval when live, or when asked for on a file.
	tick := time.Duration(0)
	if in.iface != "" || fs.Changed("interval") {
		tick = *interval
	}
	lineFlush := *lineBuffered || in.iface != ""
	if err := in.check(); err != nil {
		return err
	}
	// Times in the text report are relative to the first packet seen, as
	// in the message listing.
	var base time.Time
	var (
		out   func(export.StreamStats)
		close func() error
		// table prints the interval table (text only).
		table func(at time.Time, col *export.StatsCollector)
	)
	switch *format {
	case "text":
		tw := bufio.NewWriterSize(stdout, 1<<16)
		out = func(s export.StreamStats) {
			export.WriteStatsText(tw, s, base)
			if lineFlush {
				tw.Flush()
			}
		}
		close = tw.Flush
		table = func(at time.Time, col *export.StatsCollector) {
			writeIntervalTable(tw, at, base, col)
			tw.Flush()
		}
	case "ndjson", "json":
		jw := export.NewJSONWriter(stdout, *format == "json")
		out = func(s export.StreamStats) {
			if b, err := export.MarshalStats(s); err == nil {
				jw.Write(b)
			}
			if lineFlush {
				jw.Flush()
			}
		}
		close = jw.Close
	default:
		return usagef("-T %s: unknown format (text, ndjson, json)", *format)
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	col := &export.StatsCollector{OnStream: func(s export.StreamStats) {
		if !in.quiet {
			out(s)
		}
	}}
	// Statistics count a frame's bytes and decode its header: they never
	// read the rest (dissect.Options.SparseVideo).
	p := newPipeline(src, &in, pipeline.Config{Session: session.Options{ShowSecrets: *secrets},
		Dissect: dissect.Options{SkipChunkList: true, SparseVideo: true}})
	col.State = p.Tracker().StateByName
	// The collector keeps no coded frame: their bodies go back to the
	// dissector for the next ones (without, a 1 GB capture allocated
	// 1 GB of bodies and its memory grew by half).
	recycle(p)
	var last time.Time
	sink := pipeline.NewSink(func(r *session.Record) error {
		if base.IsZero() {
			base = r.Time
			last = r.Time
		}
		col.Add(*r)
		if export.StatsHoldsBody(r) {
			// Kept by the collector: the pipeline must not reuse it.
			r.Message.Body = nil
		}
		if tick > 0 && table != nil && !in.quiet && r.Time.Sub(last) >= tick {
			// Capture time, not the wall clock: a file read at full speed
			// gets the tables a live capture of it would have shown.
			last = last.Add(r.Time.Sub(last).Truncate(tick))
			table(r.Time, col)
		}
		return nil
	}, func() error {
		col.Flush()
		return close()
	})
	_, err = runPipeline(ctx, src, p, stderr, sink)
	return err
}

// writeIntervalTable prints the streams still open at capture time at, one
// line each: what a person watching a live capture wants every interval.
func writeIntervalTable(w io.Writer, at, base time.Time, col *export.StatsCollector) {
	fmt.Fprintf(w, "--- %.1fs: open streams ---\n", at.Sub(base).Seconds())
	n := 0
	col.Snapshot(func(s export.StreamStats) {
		n++
		fmt.Fprintf(w, "%-5s %-4s %-3s msid %-3d %-28s", s.Conn, s.Dir, s.Role(), s.MSID, truncName(s.Name, 28))
		if v := s.Video; v != nil {
			fmt.Fprintf(w, "  video %s %dx%d %.1ffps %s", v.Codec, v.Format.Width, v.Format.Height, v.FrameRate, kbps(v.BitrateAvg))
		}
		if a := s.Audio; a != nil {
			fmt.Fprintf(w, "  audio %s %dHz %s", a.Codec, a.Format.SampleRate, kbps(a.BitrateAvg))
		}
		fmt.Fprintln(w)
	})
	if n == 0 {
		fmt.Fprintln(w, "(none)")
	}
}

func truncName(s string, n int) string {
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func kbps(bps float64) string { return fmt.Sprintf("%.0fkbit/s", bps/1000) }
