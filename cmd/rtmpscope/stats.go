package main

import (
	"bufio"
	"context"
	"io"
	"time"

	"github.com/spf13/pflag"

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
	if err := parseFlags(fs, args, statsUsage, stdout, stderr); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	// Times in the text report are relative to the first packet seen, as
	// in the message listing.
	var base time.Time
	var (
		out   func(export.StreamStats)
		close func() error
	)
	switch *format {
	case "text":
		tw := bufio.NewWriterSize(stdout, 1<<16)
		out = func(s export.StreamStats) { export.WriteStatsText(tw, s, base) }
		close = tw.Flush
	case "ndjson", "json":
		jw := export.NewJSONWriter(stdout, *format == "json")
		out = func(s export.StreamStats) {
			if b, err := export.MarshalStats(s); err == nil {
				jw.Write(b)
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
	p := newPipeline(src, &in, pipeline.Config{Session: session.Options{ShowSecrets: *secrets}})
	col.State = p.Tracker().StateByName
	sink := pipeline.NewSink(func(r *session.Record) error {
		if base.IsZero() {
			base = r.Time
		}
		col.Add(*r)
		return nil
	}, func() error {
		col.Flush()
		return close()
	})
	_, err = runPipeline(ctx, src, p, stderr, sink)
	return err
}
