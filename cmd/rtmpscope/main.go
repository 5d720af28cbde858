// Command rtmpscope explains RTMP traffic from saved captures and live
// interfaces. This file holds the command line: flags, subcommands, exit
// codes. The work is done by the packages it wires together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes, as tcpdump and tshark users expect them.
const (
	exitOK      = 0
	exitRuntime = 1 // the capture could not be read completely
	exitUsage   = 2 // the command line is wrong
)

// usageError marks errors that are the user's command line.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

func main() {
	// Asking for SIGPIPE turns a write to a closed pipe (| head) into an
	// EPIPE error, which run ends on quietly, instead of death by signal.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	endProfile := startProfile()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	endProfile()
	stop()
	os.Exit(code)
}

// command is one job of the command line: the function that runs it and
// the one line 'rtmpscope --help' lists for it. Help for a command is its
// own --help; the man page is built from the same flag sets (help.go).
type command struct {
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	// summary is the one line --help shows; empty for an alias.
	summary string
	// aliasOf names the command this one is another name for.
	aliasOf string
}

// subcommands maps each job to its function and one-line description.
var subcommands = map[string]command{
	"conns":       {run: runConns, summary: "the TCP connections, and which carry RTMP and why"},
	"connections": {run: runConns, aliasOf: "conns"},
	"stats":       {run: runStats, summary: "media statistics per stream: codecs, fps, GOP, bitrate"},
	"extract":     {run: runExtract, summary: "write each published or played stream to an FLV file"},
	"collect":     {run: runCollect, summary: "write the events agents sent to NATS JetStream (--publish) to one store"},
	"queue":       {run: runQueue, summary: "put archived capture sequences on a NATS JetStream work queue"},
	"work":        {run: runWork, summary: "process capture sequences from the work queue, output written atomically"},
	"report":      {run: runReport, summary: "one self-contained HTML report of a capture: stories, ladders, charts"},
	"relay":       {run: runRelay, summary: "relay latency: publisher → player per frame, startup, dropped frames"},
	"diff":        {run: runDiff, summary: "compare two RTMP connections (one capture or two), differences first"},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	case "help":
		return runHelp(ctx, args, stdout, stderr)

	case "man":
		err = runMan(ctx, args, stdout, stderr)
	case "":
		err = runMessages(ctx, args, stdout, stderr)
	default:
		c, ok := subcommands[cmd]
		if !ok {
			fmt.Fprintf(stderr, "rtmpscope: unknown command %q\nrun 'rtmpscope --help' for the list of commands\n", cmd)
			return exitUsage
		}
		err = c.run(ctx, args, stdout, stderr)
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) || errors.Is(err, syscall.EPIPE) {
		// A reader that went away (| head) is not an error, as in tshark.
		return exitOK
	}
	fmt.Fprintf(stderr, "rtmpscope: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "run '%s --help' for usage\n", strings.TrimSpace("rtmpscope "+cmd))
		return exitUsage
	}
	return exitRuntime
}

var errHelp = errors.New("help shown")
