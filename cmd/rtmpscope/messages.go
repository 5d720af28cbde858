package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/displayfilter"
	"github.com/rtmpscope/rtmpscope/export/tree"
)

const messagesUsage = `Usage: rtmpscope [flags] (-r FILE | -i IFACE)

Dissects every RTMP connection and prints one line per event: frame, time
since the first packet, connection, direction, chunk stream id, message
stream id, RTMP timestamp (? when inferred), type, length and a summary.
Diagnostics (!) and gaps (~) are printed where they happen. Stream keys and
tokens are redacted unless --show-secrets is given.

Examples:
  rtmpscope -r testdata/pcaps/publish.pcap
  rtmpscope -r testdata/pcaps/publish.pcap -V | less -R
  rtmpscope -r testdata/pcaps/midstream.pcap -T ndjson | jq -c 'select(.kind=="diagnostic")'
  rtmpscope -r testdata/pcaps/publish.pcap -Y 'type == "command" && command.name == "publish"'
  rtmpscope -i any -f 'tcp port 1935'

Flags:
`

func runMessages(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("rtmpscope", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, ndjson, json")
	payload := fs.String("payload", "", "include media payload bytes in JSON as `ENC` (hex or base64)")
	secrets := fs.Bool("show-secrets", false, "show stream keys and tokens instead of redacting them")
	filterSrc := fs.StringP("display-filter", "Y", "", "print only the events that match `EXPR` (docs/display-filters.md)")
	verbose := fs.BoolP("verbose", "V", false, "print each event's full detail tree after its line (like tshark -V; text format)")
	noTUI := fs.Bool("no-tui", false, "print text even when stdout is a terminal (the terminal UI opens by default there)")
	if err := parseFlags(fs, args, messagesUsage, stdout, stderr); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if *payload != "" && *payload != "hex" && *payload != "base64" {
		return usagef("--payload %s: use hex or base64", *payload)
	}
	filter, err := compileDisplayFilter(*filterSrc)
	if err != nil {
		return err
	}
	if wantTUI(stdout, *noTUI, fs.Changed("format"), *verbose, in.quiet) {
		src, err := openInput(&in)
		if err != nil {
			return err
		}
		return runTUI(ctx, src, &in, *secrets, displayFilterArg(fs), stderr)
	}
	var (
		jw  *export.JSONWriter
		tw  *bufio.Writer
		out func(session.Record)
		// base is the first event's time, filtered or not: text times
		// stay relative to the start of the capture under -Y.
		base time.Time
	)
	switch *format {
	case "text":
		tw = bufio.NewWriterSize(stdout, 1<<16)
		color := tree.ColorFor(stdout)
		out = func(r session.Record) {
			if *verbose {
				// The tree repeats the summary line as its root, then a
				// blank line separates events, as in tshark -V.
				tree.Write(tw, tree.Build(&r), tree.WriteOptions{Header: export.TextLine(r, base, 0), Color: color})
				tw.WriteByte('\n')
				return
			}
			line := export.TextLine(r, base, 0)
			if color {
				line = colorLine(r, line)
			}
			tw.WriteString(line)
			tw.WriteByte('\n')
		}
	case "ndjson", "json":
		if *verbose {
			return usagef("-V prints text trees; use it with -T text (JSON already holds every field)")
		}
		jw = export.NewJSONWriter(stdout, *format == "json")
		opts := export.EventOptions{Payload: *payload}
		out = func(r session.Record) {
			if line, err := export.MarshalEvent(r, opts); err == nil {
				jw.Write(line)
			}
		}
	default:
		return usagef("-T %s: unknown format (text, ndjson, json)", *format)
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	tracker := session.New(session.Options{ShowSecrets: *secrets}, func(r session.Record) {
		if r.Kind == dissect.KindMessage {
			src.counts.messages.Add(1)
		}
		if base.IsZero() {
			base = r.Time
		}
		if !in.quiet && filter.Match(&r) {
			out(r)
		}
	})
	flush := func() error {
		if tw != nil {
			return tw.Flush()
		}
		return jw.Close()
	}
	_, err = runPipeline(ctx, src, &in, &dissect.Factory{Sink: tracker}, flush, stderr)
	return err
}

// compileDisplayFilter compiles -Y; a bad filter is a usage error that
// points a caret at the column.
func compileDisplayFilter(src string) (*displayfilter.Filter, error) {
	f, err := displayfilter.Compile(src)
	var se *displayfilter.SyntaxError
	if errors.As(err, &se) {
		return nil, usagef("-Y: bad display filter at column %d:\n  %s", se.Column, strings.ReplaceAll(se.Caret(), "\n", "\n  "))
	}
	return f, err
}

// colorLine colours what a person scanning the text view must not miss:
// warnings yellow, errors and gaps red, the connection lines bold. Only on
// a terminal without NO_COLOR (tree.ColorFor).
func colorLine(r session.Record, line string) string {
	const (
		bold   = "\x1b[1m"
		yellow = "\x1b[33m"
		red    = "\x1b[31m"
		reset  = "\x1b[0m"
	)
	switch r.Kind {
	case dissect.KindDiagnostic:
		switch r.Diag.Severity {
		case dissect.Warn:
			return yellow + line + reset
		case dissect.Error:
			return red + line + reset
		}
	case dissect.KindGap:
		return red + line + reset
	case dissect.KindConn:
		return bold + line + reset
	}
	return line
}
