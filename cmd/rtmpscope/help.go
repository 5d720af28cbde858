package main

// The command line's self-description: the top-level help with the list of
// subcommands, 'rtmpscope help COMMAND', the version from the build
// information, and the man page generated from the same flag sets.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

const mainIntro = `rtmpscope explains RTMP traffic: handshake, chunks, commands, audio and video.
It reads saved captures (pcap, pcapng, gzip) and live interfaces, follows
every variant (RTMP, RTMPT, RTMPS, RTMPE, RTMPTE, RTMPTS, RTMFP), and prints
one line per message, NDJSON, tshark-like detail trees (-V) or fields (-T
fields), statistics, FLV files, or a terminal UI.
`

// mainUsage is the top-level help: what rtmpscope does, every command with
// its one line (from the subcommands registry, so a new command is listed
// as soon as it is registered), and examples. The messages job's flags
// follow it in 'rtmpscope --help'.
func mainUsage() string {
	var b strings.Builder
	b.WriteString(mainIntro)
	b.WriteString(`
Usage:
  rtmpscope [flags] (-r FILE | -i IFACE)   messages of a capture, one line each (default job)
  rtmpscope COMMAND [flags]                one of the commands below
  rtmpscope help COMMAND                   the help of a command

Commands:
`)
	for _, name := range commandNames() {
		fmt.Fprintf(&b, "  %-12s %s\n", name, subcommands[name].summary)
	}
	for _, c := range builtinCommands {
		fmt.Fprintf(&b, "  %-12s %s\n", c.name, c.summary)
	}
	if al := aliases(); len(al) > 0 {
		fmt.Fprintf(&b, "  (also: %s)\n", strings.Join(al, ", "))
	}
	b.WriteString(`
Examples:
  rtmpscope -r testdata/pcaps/publish.pcap
  rtmpscope -i lo --no-tui -l | grep publish
  rtmpscope -r testdata/pcaps/publish.pcap -T fields -e frame.number -e type -e summary
  rtmpscope conns -r testdata/pcaps/multi.pcap
  rtmpscope -i lo -f 'tcp port 1935' -w session.pcapng
  rtmpscope -r capture.pcapng.gz -T ndjson | jq 'select(.kind=="message")'

Run 'rtmpscope help COMMAND' (or 'rtmpscope COMMAND --help') for the flags of a command.
`)
	return b.String()
}

// builtinCommands are the commands run() handles itself.
var builtinCommands = []struct{ name, summary string }{
	{"help", "this help, or 'help COMMAND' for a command's"},
	{"version", "the version, from the build information (also -v, --version)"},
	{"man", "print the manual page (roff; 'rtmpscope man | man -l -')"},
}

// commandNames are the registered commands without their aliases, sorted.
func commandNames() []string {
	var out []string
	for name, c := range subcommands {
		if c.aliasOf == "" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// aliases lists "alias = command" for the registered aliases, sorted.
func aliases() []string {
	var out []string
	for name, c := range subcommands {
		if c.aliasOf != "" {
			out = append(out, name+" = "+c.aliasOf)
		}
	}
	sort.Strings(out)
	return out
}

// runHelp is 'rtmpscope help [COMMAND]'.
func runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return run(ctx, []string{"--help"}, stdout, stderr)
	}
	if len(args) > 1 {
		fmt.Fprintf(stderr, "rtmpscope: help takes one command, not %d\nrun 'rtmpscope --help' for the list of commands\n", len(args))
		return exitUsage
	}
	name := args[0]
	if _, ok := subcommands[name]; ok {
		return run(ctx, []string{name, "--help"}, stdout, stderr)
	}
	for _, c := range builtinCommands {
		if c.name == name {
			fmt.Fprintf(stdout, "Usage: rtmpscope %s\n\n%s.\n", name, c.summary)
			return exitOK
		}
	}
	fmt.Fprintf(stderr, "rtmpscope: help: unknown command %q\nrun 'rtmpscope --help' for the list of commands\n", name)
	return exitUsage
}

// version is set by the build (-ldflags "-X main.version=..."); when it is
// not, the version comes from the build information.
var version = ""

// versionLine is what 'rtmpscope version' and -v print: the version given
// with -ldflags, else the module version Go stamped into the binary (a
// release tag for 'go install ...@vX.Y.Z', a pseudo-version for a build
// in a git checkout) with the VCS revision, its time and whether the tree
// had uncommitted changes.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	return formatVersion(version, bi, ok)
}

func formatVersion(ldflags string, bi *debug.BuildInfo, ok bool) string {
	v := ldflags
	var extra []string
	if ok {
		if v == "" && bi.Main.Version != "" {
			v = bi.Main.Version
		}
		var rev, at string
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			extra = append(extra, "revision "+rev)
		}
		if at != "" {
			extra = append(extra, at)
		}
		if modified {
			extra = append(extra, "modified")
		}
		extra = append(extra, bi.GoVersion)
	}
	if v == "" || v == "(devel)" {
		// A binary built outside module mode or from a test: say so
		// rather than invent a version.
		v = "(devel)"
	}
	line := "rtmpscope " + v
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	return line
}

// helpCapture is handed to a command as its stdout to learn its flags
// without running it: parseFlags sees it, records the flag set and usage,
// and returns errHelp. Every command that parses with parseFlags is thus
// in the man page without further registration.
type helpCapture struct {
	fs    *pflag.FlagSet
	usage string
	bytes.Buffer
}

// commandHelp returns a command's flag set and usage text.
func commandHelp(ctx context.Context, run func(context.Context, []string, io.Writer, io.Writer) error) (*pflag.FlagSet, string) {
	hc := &helpCapture{}
	_ = run(ctx, []string{"--help"}, hc, io.Discard)
	return hc.fs, hc.usage
}

// suggestFlag adds the nearest flag name to an unknown-flag error:
// "unknown flag: --interfce (did you mean --interface?)".
func suggestFlag(fs *pflag.FlagSet, err error) error {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) {
		return err
	}
	name := strings.TrimLeft(ne.GetSpecifiedName(), "-")
	if name == "" || len(name) < 3 {
		return err
	}
	best, bestDist := "", 3
	fs.VisitAll(func(f *pflag.Flag) {
		if d := editDistance(name, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best == "" {
		return err
	}
	return fmt.Errorf("%w (did you mean --%s?)", err, best)
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
