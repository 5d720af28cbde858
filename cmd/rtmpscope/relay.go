package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/relay"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const relayUsage = `Usage: rtmpscope relay [flags] (-r FILE | -i IFACE)

Relay latency, from one capture that holds a publisher and the players of
its stream (a capture on the media server): every frame a player received
is matched to the publisher's frame with the same coded payload. Per
player: startup (play → first frame, first keyframe), frames received,
matched and dropped by the server, and the publisher → player latency
(min, median, p99, max, and over time).

Examples:
  rtmpscope relay -r testdata/pcaps/relay.pcap
  rtmpscope relay -T json -r server.pcapng | jq '.players[].latency'

Flags:
`

func runRelay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("relay", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, json")
	maxFrames := fs.Int("max-relay-frames", relay.DefaultMaxFrames, "publisher frames remembered for matching (about 64 bytes each); older frames of a player count as unmatched")
	if err := parseFlags(fs, args, relayUsage, stdout, stderr); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("-T %s: unknown format (text, json)", *format)
	}
	if *maxFrames <= 0 {
		return usagef("--max-relay-frames %d: must be positive", *maxFrames)
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	a := relay.New(relay.Options{MaxFrames: *maxFrames})
	p := newPipeline(src, &in, pipeline.Config{Dissect: noChunkList})
	sink := pipeline.NewSink(func(r *session.Record) error { a.Add(r); return nil }, nil)
	if _, err := runPipeline(ctx, src, p, stderr, sink); err != nil {
		return err
	}
	rep := a.Report()
	if *format == "json" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	return relay.WriteText(stdout, rep)
}
