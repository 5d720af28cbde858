package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/export"
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

Flags:
`

func runConns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("conns", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, ndjson, json")
	if err := parseFlags(fs, args, connsUsage, stdout, stderr); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	out, err := newConnWriter(*format, stdout)
	if err != nil {
		return err
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	var recs []export.ConnRecord
	var base time.Time
	col := &export.ConnCollector{Ports: in.ports, OnClose: func(r export.ConnRecord) {
		if base.IsZero() || r.First.Before(base) {
			base = r.First
		}
		if out.write != nil {
			out.write(r)
			return
		}
		recs = append(recs, r)
	}}
	flush := func() error {
		if out.write == nil && !in.quiet {
			if err := export.WriteConnTable(stdout, recs, base); err != nil {
				return err
			}
		}
		return out.close()
	}
	_, err = runPipeline(ctx, src, &in, col, flush, stderr)
	return err
}

// parseFlags parses and handles --help the same way for every command.
func parseFlags(fs *pflag.FlagSet, args []string, usage string, stdout, stderr io.Writer) error {
	fs.SortFlags = false
	fs.Usage = func() {}
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		io.WriteString(stderr, usage)
		io.WriteString(stderr, fs.FlagUsages())
		return usageError{err}
	}
	if *help {
		io.WriteString(stdout, usage)
		io.WriteString(stdout, fs.FlagUsages())
		return errHelp
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
