package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/diff"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const diffUsage = `Usage: rtmpscope diff [flags] -r FILE [-r FILE2] [--conn A] [--conn B]

Compares two RTMP connections, in one capture or two — a working and a
failing client, two encoders — fact by fact, differences first: what
connect carried and the server answered, the command sequence and its
replies, chunk sizes and acknowledgement windows, Enhanced RTMP
capabilities offered and accepted (fourCcList, videoFourCcInfoMap, capsEx),
codecs and their configurations, and timing.

Without --conn: the first RTMP connection of each file, or the first two of
one file. --conn c3 names a connection (as the message view numbers them);
with two files, the first --conn is in the first file.

Examples:
  rtmpscope diff -r testdata/pcaps/play.pcap -r testdata/pcaps/rtmpdump-play.pcap
  rtmpscope diff -r testdata/pcaps/multi.pcap --conn c1 --conn c2
  rtmpscope diff -T json -r good.pcap -r bad.pcap | jq '.differences'

Flags:
`

func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("diff", pflag.ContinueOnError)
	files := fs.StringArrayP("read", "r", nil, "capture `FILE` (once or twice)")
	conns := fs.StringArray("conn", nil, "connection `ID` to compare (c1, c2, ...; once or twice)")
	format := fs.StringP("format", "T", "text", "output `FORMAT`: text, json")
	secrets := fs.Bool("show-secrets", false, "show stream keys and tokens instead of redacting them")
	if err := parseFlags(fs, args, diffUsage, stdout, stderr); err != nil {
		return err
	}
	if len(*files) < 1 || len(*files) > 2 {
		return usagef("diff needs one or two -r FILE, not %d", len(*files))
	}
	if len(*conns) > 2 {
		return usagef("--conn at most twice, not %d times", len(*conns))
	}
	if *format != "text" && *format != "json" {
		return usagef("-T %s: unknown format (text, json)", *format)
	}
	cfg := pipeline.Config{Session: session.Options{ShowSecrets: *secrets}, Dissect: noChunkList}
	var profiles [][]*diff.Profile
	for _, f := range *files {
		ps, err := diff.ProfileFile(f, cfg)
		if err != nil {
			return err
		}
		profiles = append(profiles, ps)
	}
	a, b, err := pickPair(profiles, *conns)
	if err != nil {
		return err
	}
	res := diff.Compare(a, b)
	if *format == "json" {
		out, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return fmt.Errorf("diff: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", out)
		return err
	}
	return diff.WriteText(stdout, res)
}

// pickPair chooses the two connections: by --conn, else the first RTMP
// connection of each file (the first two of a single file).
func pickPair(profiles [][]*diff.Profile, conns []string) (*diff.Profile, *diff.Profile, error) {
	find := func(ps []*diff.Profile, id string, skip *diff.Profile) (*diff.Profile, error) {
		for _, p := range ps {
			if p != skip && (id == "" || p.Conn == id) {
				return p, nil
			}
		}
		if id != "" {
			return nil, fmt.Errorf("diff: no RTMP connection %s in %s", id, sourceOf(ps))
		}
		return nil, fmt.Errorf("diff: not enough RTMP connections in %s", sourceOf(ps))
	}
	id := func(i int) string {
		if i < len(conns) {
			return conns[i]
		}
		return ""
	}
	second := profiles[0]
	if len(profiles) == 2 {
		second = profiles[1]
	}
	a, err := find(profiles[0], id(0), nil)
	if err != nil {
		return nil, nil, err
	}
	var skip *diff.Profile
	if len(profiles) == 1 {
		skip = a
	}
	b, err := find(second, id(1), skip)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func sourceOf(ps []*diff.Profile) string {
	if len(ps) > 0 {
		return ps[0].Source
	}
	return "the capture"
}
