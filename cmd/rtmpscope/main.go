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
	"syscall"
)

// Exit codes, as tcpdump and tshark users expect them.
const (
	exitOK      = 0
	exitRuntime = 1 // the capture could not be read completely
	exitUsage   = 2 // the command line is wrong
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

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
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// subcommands maps each job to its function.
var subcommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"conns":       runConns,
	"connections": runConns,
	"stats":       runStats,
	"extract":     runExtract,
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "version":
		fmt.Fprintf(stdout, "rtmpscope %s\n", version)
		return exitOK
	case "help":
		fmt.Fprint(stdout, mainUsage)
		return exitOK
	case "":
		err = runMessages(ctx, args, stdout, stderr)
	default:
		f, ok := subcommands[cmd]
		if !ok {
			fmt.Fprintf(stderr, "rtmpscope: unknown command %q\n\n%s", cmd, mainUsage)
			return exitUsage
		}
		err = f(ctx, args, stdout, stderr)
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
		return exitUsage
	}
	return exitRuntime
}

var errHelp = errors.New("help shown")

const mainUsage = `rtmpscope explains RTMP traffic: handshake, chunks, commands, audio and video.

Usage:
  rtmpscope [flags] -r FILE        messages of a saved capture (pcap, pcapng, .gz, - for stdin)
  rtmpscope [flags] -i IFACE       messages captured live (root or CAP_NET_RAW)
  rtmpscope conns [flags] -r FILE  the TCP connections, and which carry RTMP and why
  rtmpscope stats [flags] -r FILE  media statistics per stream: codecs, fps, GOP, bitrate
  rtmpscope extract [flags] -r FILE [-o DIR]
                                   write each published or played stream to an FLV file
  rtmpscope version

Examples:
  rtmpscope -r testdata/pcaps/publish.pcap
  rtmpscope conns -r testdata/pcaps/multi.pcap
  rtmpscope -i lo -f 'tcp port 1935' -w session.pcapng
  rtmpscope -r capture.pcapng.gz -T ndjson | jq 'select(.kind=="message")'

Run 'rtmpscope COMMAND --help' for the flags of a command.
`
