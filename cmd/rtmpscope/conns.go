package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/story"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const connsUsage = `Usage: rtmpscope conns [flags] (-r FILE | -i IFACE)

Lists every TCP connection: client and server, start (seconds from the first
packet) and duration, packets and bytes each way, gaps (+m when the capture
began mid-connection), how it ended, and whether it carries RTMP and why
(the handshake's bytes, an RTMPT request, or the server port).

Examples:
  rtmpscope conns -r testdata/pcaps/multi.pcap
  rtmpscope conns -r capture.pcapng --port 8080
  rtmpscope conns -T ndjson -r testdata/pcaps/publish.pcap
  rtmpscope conns --story -r testdata/pcaps/reject.pcap

Flags:
`

func runConns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("conns", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, ndjson, json")
	stories := fs.Bool("story", false, "dissect every connection and tell its story: app, role, streams, the command exchange, media start, codecs, who closed it, and a verdict with its evidence")
	if err := parseFlags(fs, args, connsUsage, stdout, stderr); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if *format != "text" && *format != "ndjson" && *format != "json" {
		return usagef("-T %s: unknown format (text, ndjson, json)", *format)
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	// The router decides and counts every flow without dissecting it: the
	// same decision the message view makes, at a fraction of the cost.
	// --story needs the messages: then the handlers run, with video
	// frames sparse (a story tells what is decoded, never bytes).
	p := newPipeline(src, &in, pipeline.Config{Flow: flow.Options{CountOnly: !*stories},
		Dissect: dissect.Options{SkipChunkList: true, SparseVideo: true}})
	var b *story.Builder
	if *stories {
		b = story.New(story.Options{})
	}
	var sink pipeline.Sink
	if *format == "text" {
		sink = &connTable{w: stdout, quiet: in.quiet, stories: b}
	} else {
		js := newjsonSink(stdout, *format == "json", export.EventOptions{Stories: b})
		js.Quiet = in.quiet
		js.Match = func(r *session.Record) bool { return r.Kind == event.KindConn && r.Conn.Closed }
		sink = js
	}
	_, err = runPipeline(ctx, src, p, stderr, sink)
	return err
}

// connTable collects the closed connections and writes the table at the
// end, in connection order.
type connTable struct {
	w     io.Writer
	quiet bool
	recs  []*event.ConnEvent
	base  time.Time
	// stories, when set (--story), tells each connection's story after
	// the table (story.go).
	stories *story.Builder
	told    []toldStory
}

func (t *connTable) Record(r *session.Record) error {
	if st := t.stories.Add(r); st != nil {
		t.told = append(t.told, toldStory{r.ConnID, r.Conn, st})
	}
	if r.Kind != event.KindConn || !r.Conn.Closed {
		return nil
	}
	if t.base.IsZero() || r.Conn.Info.FirstSeen.Before(t.base) {
		t.base = r.Conn.Info.FirstSeen
	}
	t.recs = append(t.recs, r.Conn)
	return nil
}

func (t *connTable) Close() error {
	if t.quiet {
		return nil
	}
	if err := export.WriteConnTable(t.w, t.recs, t.base); err != nil {
		return err
	}
	return writeStories(t.w, t.told)
}

// parseFlags parses and handles --help the same way for every command. A
// wrong flag is one line (run prints it with the hint to run --help), not
// the whole flag list. When stdout is a *helpCapture (help.go), the flag
// set is handed over instead of printed, for the man page.
func parseFlags(fs *pflag.FlagSet, args []string, usage string, stdout, stderr io.Writer) error {
	if err := parseFlagsArgs(fs, args, usage, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseFlagsArgs is parseFlags for a command that takes arguments (queue):
// they are left in fs.Args().
func parseFlagsArgs(fs *pflag.FlagSet, args []string, usage string, stdout, stderr io.Writer) error {
	fs.SortFlags = false
	fs.Usage = func() {}
	help := fs.BoolP("help", "h", false, "show this help")
	if hc, ok := stdout.(*helpCapture); ok {
		hc.fs, hc.usage = fs, usage
		return errHelp
	}
	if err := fs.Parse(args); err != nil {
		return usageError{suggestFlag(fs, err)}
	}
	if *help {
		io.WriteString(stdout, usage)
		io.WriteString(stdout, fs.FlagUsages())
		return errHelp
	}
	return nil
}
