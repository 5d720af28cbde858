package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/relay"
	"github.com/rtmpscope/rtmpscope/export/report"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const reportUsage = `Usage: rtmpscope report [flags] -r FILE -o report.html

One self-contained HTML file about a capture, to read in a browser or to
attach to a bug report: every connection with its story (role, application,
streams, the command exchange on one line, when media started, how it
ended, and a verdict), a ladder diagram of its command exchange with each
answer's latency, and charts of its streams (bitrate, frame rate, GOP and
A/V drift over media time) and of its request latency; a player whose
publisher is in the capture too gets its startup, the frames the server
relayed or dropped, and the publisher-to-player latency. The file loads
nothing when opened (inline style and SVG; no script, no fonts, no CDN).
Secrets are redacted unless --show-secrets.

Examples:
  rtmpscope report -r testdata/pcaps/publish.pcap -o publish.html
  rtmpscope report -r capture.pcapng --tls-keylog keys.log -o - > report.html

Flags:
`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("report", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	out := fs.StringP("output", "o", "", "write the report to `FILE` (- for standard output)")
	secrets := fs.Bool("show-secrets", false, "show stream keys and tokens instead of redacting them (the report says so at the top)")
	maxLadder := fs.Int("max-ladder", report.DefaultMaxLadder, "draw at most `N` messages in each connection's ladder")
	maxConns := fs.Int("max-conns", report.DefaultMaxConns, "tell at most `N` connections in full (the rest are counted)")
	relayFrames := fs.Int("max-relay-frames", relay.DefaultMaxFrames, "remember at most `N` published frames (about 64 bytes each) to match the frames a server relayed to its players")
	if err := parseFlags(fs, args, reportUsage, stdout, stderr); err != nil {
		return err
	}
	if *out == "" {
		return usagef("report: -o FILE is required (- for standard output)")
	}
	if *maxLadder < 1 || *maxConns < 1 || *relayFrames < 1 {
		return usagef("report: --max-ladder, --max-conns and --max-relay-frames must be at least 1")
	}
	if err := in.check(); err != nil {
		return err
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	name := in.read
	if in.iface != "" {
		name = "live " + in.iface
	}
	b := report.New(report.Options{
		Source: name, Version: versionLine(), Revealed: *secrets, MaxLadder: *maxLadder, MaxConns: *maxConns,
		RelayFrames: *relayFrames,
	})
	p := newPipeline(src, &in, pipeline.Config{Session: session.Options{ShowSecrets: *secrets}, Dissect: noChunkList})
	sink := pipeline.NewSink(func(r *session.Record) error {
		b.Add(r)
		return nil
	}, nil)
	if _, err := runPipeline(ctx, src, p, stderr, sink); err != nil {
		return err
	}
	b.Finish()
	return writeReport(b, *out, stdout)
}

// writeReport writes the report to name, through a temporary file renamed
// into place, so a failed run never leaves half a report; "-" is stdout.
func writeReport(b *report.Builder, name string, stdout io.Writer) error {
	if name == "-" {
		w := bufio.NewWriter(stdout)
		if err := b.Write(w); err != nil {
			return err
		}
		return w.Flush()
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".rtmpscope-report-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	w := bufio.NewWriter(f)
	err = b.Write(w)
	if err == nil {
		err = w.Flush()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("report: %s: %w", name, err)
	}
	return nil
}
