package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/displayfilter"
	"github.com/rtmpscope/rtmpscope/export/story"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/pipeline"
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
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, ndjson, json, fields (with -e), parquet (with -o DIR)")
	payload := fs.String("payload", "", "include media payload bytes in JSON as `ENC` (hex or base64)")
	secrets := fs.Bool("show-secrets", false, "show stream keys and tokens instead of redacting them")
	filterSrc := fs.StringP("display-filter", "Y", "", "print only the events that match `EXPR` (docs/display-filters.md)")
	verbose := fs.BoolP("verbose", "V", false, "print each event's full detail tree after its line (like tshark -V; text format)")
	noTUI := fs.Bool("no-tui", false, "print text even when stdout is a terminal (the terminal UI opens by default there)")
	var out outputFlags
	out.register(fs)
	var pqf parquetFlags
	pqf.register(fs)
	var mf metricsFlags
	mf.register(fs)
	var pub publishFlags
	pub.register(fs)
	showVersion := fs.BoolP("version", "v", false, "print the version and exit")
	usage := messagesUsage
	if _, forMan := stdout.(*helpCapture); !forMan {
		// 'rtmpscope --help' is the top-level help: the commands first.
		usage = mainUsage() + "\nThe messages job (no COMMAND):\n\n" + messagesUsage
	}
	if err := parseFlags(fs, args, usage, stdout, stderr); err != nil {
		return err
	}
	if *showVersion {
		fmt.Fprintln(stdout, versionLine())
		return nil
	}
	if err := in.check(); err != nil {
		return err
	}
	if err := pub.check(); err != nil {
		return err
	}
	*noTUI = *noTUI || pub.url != "" // an agent runs headless
	if err := pqf.check(fs, *format); err != nil {
		return err
	}
	if err := mf.check(fs); err != nil {
		return err
	}
	*noTUI = *noTUI || mf.addr != "" // an exporter runs headless
	if *payload != "" && *payload != "hex" && *payload != "base64" {
		return usagef("--payload %s: use hex or base64", *payload)
	}
	filter, err := compileDisplayFilter(*filterSrc)
	if err != nil {
		return err
	}
	if err := out.check(&in, *format, *filterSrc); err != nil {
		return err
	}
	match := out.match(filter)
	// -x and -l ask for printed lines, as -V does.
	if wantTUI(stdout, *noTUI, fs.Changed("format"), *verbose || out.hex || out.lineBuffered, in.quiet) {
		src, err := openInput(&in)
		if err != nil {
			return err
		}
		return runTUI(ctx, src, &in, *secrets, displayFilterArg(fs), stderr)
	}
	var sink pipeline.Sink
	var ps *parquetSink
	switch *format {
	case "text":
		ts := newtextSink(stdout)
		ts.Verbose, ts.Color, ts.Colorize, ts.Match, ts.Quiet = *verbose, tree.ColorFor(stdout), colorLine, match, in.quiet
		// -V is never cut into a pipe or file (only a terminal has a width).
		ts.Hex, ts.LineFlush, ts.Uncut = out.hex, out.lineFlush(&in), !isTerminal(stdout)
		ts.Stories = story.New(story.Options{})
		sink = ts
	case "fields":
		if *verbose {
			return usagef("-V prints text trees; use it with -T text")
		}
		fsk, err := newFieldsSink(stdout, out.fields, out.parsedOpts)
		if err != nil {
			return err
		}
		fsk.Match, fsk.Quiet, fsk.LineFlush = match, in.quiet, out.lineFlush(&in)
		sink = fsk
	case "ndjson", "json":
		if *verbose {
			return usagef("-V prints text trees; use it with -T text (JSON already holds every field)")
		}
		js := newjsonSink(stdout, *format == "json", export.EventOptions{Payload: *payload, Stories: story.New(story.Options{})})
		js.Match, js.Quiet, js.LineFlush = match, in.quiet, out.lineFlush(&in)
		sink = js
	case "parquet":
		if *verbose {
			return usagef("-V prints text trees; use it with -T text")
		}
		if ps, err = newParquetSink(&pqf, &in, export.EventOptions{Payload: *payload}, stderr); err != nil {
			return err
		}
		ps.match = match
		sink = ps
	default:
		return usagef("-T %s: unknown format (text, ndjson, json, fields, parquet)", *format)
	}
	pubr, err := pub.start(ctx, &in, export.EventOptions{Payload: *payload}, match, stderr)
	if err != nil {
		return err
	}
	src, err := openInput(&in)
	if err != nil {
		pubr.abort()
		return err
	}
	// Reading a file, the text and JSON sinks encode on a second core
	// (they never call the Tracker); live, every line goes out as it
	// comes, unbatched.
	mr, err := startMetrics(&mf, src, stderr)
	if err != nil {
		src.close()
		pubr.abort()
		return err
	}
	// Only the -V tree shows each message's chunks (noChunkList); only -x
	// and --payload show a video frame's bytes (sparseVideo).
	p := newPipeline(src, &in, pipeline.Config{Session: session.Options{ShowSecrets: *secrets},
		Dissect:    dissect.Options{SkipChunkList: !*verbose, SparseVideo: sparseVideo(*format, out.hex, *payload)},
		AsyncSinks: src.live == nil && mf.addr == "", Progress: mr.progress()})
	if ps != nil {
		ps.tracker = p.Tracker()
	}
	mr.attach(p)
	if recycleBodies(*format, mf.addr != "", pubr != nil, out.frames != nil) {
		recycle(p)
	}
	sum, err := runPipeline(ctx, src, p, stderr, mr.sinks(append(append([]pipeline.Sink{sink}, out.sinks(src, &in)...), pubr.sinks()...)...)...)
	pubr.finish(stderr)
	return mr.finish(ctx, sum, err)
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
func colorLine(r *session.Record, line string) string {
	const (
		bold   = "\x1b[1m"
		yellow = "\x1b[33m"
		red    = "\x1b[31m"
		reset  = "\x1b[0m"
	)
	switch r.Kind {
	case event.KindDiagnostic:
		switch r.Diag.Severity {
		case event.Warn:
			return yellow + line + reset
		case event.Error:
			return red + line + reset
		}
	case event.KindGap:
		return red + line + reset
	case event.KindConn:
		return bold + line + reset
	}
	return line
}
