package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/extract"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const extractUsage = `Usage: rtmpscope extract [flags] (-r FILE | -i IFACE) [-o DIR]

Writes each published or played stream to an FLV file named
CAPTURE-CONN-DIR-MSID.flv (e.g. publish-c1-c2s-1.flv; a stream id reused
after its stream ended gets -2, -3, ...): onMetaData, sequence headers and
every audio and video tag, aggregate messages split into their tags,
Enhanced RTMP tags as on the wire. Files are written as the capture is read
and closed when their stream or connection ends; each is listed on stdout
with its tags, duration and codecs. Stream names (which hold stream keys)
are never part of a file name.

Timestamps are rebased by default so that the first coded frame is at 0,
as 'ffmpeg -i rtmp://... -c copy out.flv' writes them; --timestamps
absolute keeps the RTMP timestamps of the wire (as ffmpeg -copyts).

--stream selects streams: CONN, CONN/DIR or CONN/DIR/MSID (c1, c1/s2c,
c1/s2c/1), or publish / play; repeat or separate with commas.

Examples:
  rtmpscope extract -r testdata/pcaps/play.pcap -o out
  rtmpscope extract -r testdata/pcaps/multi.pcap --stream c2 --timestamps absolute

Flags:
`

func runExtract(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("extract", pflag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	dir := fs.StringP("output", "o", ".", "write the files into `DIR` (created if missing)")
	streams := fs.StringSlice("stream", nil, "extract only the streams matching `SEL` (see above)")
	tsMode := fs.String("timestamps", "rebase", "`MODE`: rebase (first frame at 0) or absolute (as on the wire)")
	secrets := fs.Bool("show-secrets", false, "write metadata strings unredacted")
	if err := parseFlags(fs, args, extractUsage, stdout, stderr); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	opts := extract.ExtractOptions{Dir: *dir, Prefix: capturePrefix(&in), ShowSecrets: *secrets}
	switch *tsMode {
	case "rebase":
		opts.Timestamps = extract.Rebase
	case "absolute":
		opts.Timestamps = extract.Absolute
	default:
		return usagef("--timestamps %s: use rebase or absolute", *tsMode)
	}
	sel, err := parseStreamSelectors(*streams)
	if err != nil {
		return err
	}
	opts.Select = sel
	out := bufio.NewWriter(stdout)
	files := 0
	opts.OnFile = func(f extract.ExtractedFile) {
		files++
		if !in.quiet {
			fmt.Fprintln(out, extractLine(f))
			out.Flush() // files close over a live capture's lifetime
		}
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	x := extract.NewExtractor(opts)
	p := newPipeline(src, &in, pipeline.Config{Session: session.Options{ShowSecrets: *secrets}, Dissect: noChunkList})
	x.SetState(p.Tracker().StateByName)
	sink := pipeline.NewSink(func(r *session.Record) error {
		x.Add(*r)
		return nil
	}, func() error {
		err := x.Close()
		if files == 0 && !in.quiet {
			fmt.Fprintln(out, "no audio or video streams to extract")
		}
		if e := out.Flush(); err == nil {
			err = e
		}
		return err
	})
	_, err = runPipeline(ctx, src, p, stderr, sink)
	return err
}

// extractLine is the stdout line for one written file.
func extractLine(f extract.ExtractedFile) string {
	var b strings.Builder
	name := ""
	if f.Name != "" {
		name = " " + strconv.Quote(f.Name)
	}
	fmt.Fprintf(&b, "%s  %s%s %s: %d tags (%d video, %d audio, %d script), %.3f s",
		f.Path, f.Role(), name, f.StreamKey, f.Tags, f.VideoTags, f.AudioTags, f.ScriptTags, float64(f.DurationMS)/1000)
	var codecs []string
	for _, c := range []string{f.VideoCodec, f.AudioCodec} {
		if c != "" {
			codecs = append(codecs, c)
		}
	}
	if len(codecs) > 0 {
		b.WriteString(", " + strings.Join(codecs, ", "))
	}
	if f.Skipped > 0 {
		fmt.Fprintf(&b, " (%d empty or incomplete messages skipped)", f.Skipped)
	}
	if f.NoVideoConfig || f.NoAudioConfig {
		what := "video or audio"
		if !f.NoAudioConfig {
			what = "video"
		} else if !f.NoVideoConfig {
			what = "audio"
		}
		fmt.Fprintf(&b, " (no %s sequence header in the capture: not decodable)", what)
	}
	if f.Err != nil {
		fmt.Fprintf(&b, " (INCOMPLETE: %v)", f.Err)
	}
	if f.Players != "" && f.Players != extract.PlayersAny {
		fmt.Fprintf(&b, "\n  opens in: %s", f.Players)
	}
	return b.String()
}

// capturePrefix names files after the capture: its base name without
// extensions, or the interface for a live capture.
func capturePrefix(in *inputFlags) string {
	switch {
	case in.read == "-":
		return "stdin"
	case in.read != "":
		base := filepath.Base(in.read)
		base = strings.TrimSuffix(base, ".gz")
		if ext := filepath.Ext(base); ext != "" && ext != base {
			base = strings.TrimSuffix(base, ext)
		}
		if base == "" || base == "." {
			return "capture"
		}
		return base
	}
	return "live-" + strings.NewReplacer("/", "_", ":", "_").Replace(in.iface)
}

// parseStreamSelectors turns --stream values into a filter (nil: all).
func parseStreamSelectors(vals []string) (func(extract.StreamKey) bool, error) {
	var sels [][]string
	for _, v := range vals {
		if v == "" {
			continue
		}
		parts := strings.Split(v, "/")
		ok := len(parts) <= 3 && parts[0] != ""
		if len(parts) == 1 && (v == "publish" || v == "play") {
			ok = true
		} else if ok && !strings.HasPrefix(parts[0], "c") {
			ok = false
		}
		if ok && len(parts) > 1 && parts[1] != "c2s" && parts[1] != "s2c" {
			ok = false
		}
		if !ok {
			return nil, usagef("--stream %s: use CONN, CONN/DIR or CONN/DIR/MSID (c1, c1/s2c, c1/s2c/1), publish or play", v)
		}
		sels = append(sels, parts)
	}
	if len(sels) == 0 {
		return nil, nil
	}
	return func(k extract.StreamKey) bool {
		for _, p := range sels {
			if p[0] == k.Role() {
				return true
			}
			if p[0] != k.Conn {
				continue
			}
			if len(p) > 1 && p[1] != k.Dir {
				continue
			}
			if len(p) > 2 && p[2] != fmt.Sprint(k.MSID) {
				continue
			}
			return true
		}
		return false
	}, nil
}
