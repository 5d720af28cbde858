package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/tsharkref"
)

// TestHelpListsEveryCommand: 'rtmpscope --help' names every registered
// command with its line, and 'rtmpscope help NAME' shows each one's help.
func TestHelpListsEveryCommand(t *testing.T) {
	out, _, code := rtmpscope(t, "--help")
	if code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for name, c := range subcommands {
		if c.aliasOf != "" {
			if !strings.Contains(out, name+" = "+c.aliasOf) {
				t.Errorf("--help does not list the alias %s", name)
			}
			continue
		}
		if c.summary == "" {
			t.Errorf("command %s has no one-line summary", name)
		}
		if !strings.Contains(out, "  "+name+" ") || !strings.Contains(out, c.summary) {
			t.Errorf("--help does not list %s: %s", name, c.summary)
		}
		hout, herr, code := rtmpscope(t, "help", name)
		if code != 0 || !strings.Contains(hout, "Usage") {
			t.Errorf("help %s: exit %d, %q %q", name, code, hout, herr)
		}
	}
	for _, c := range builtinCommands {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("--help does not list %s", c.name)
		}
	}
	if _, errOut, code := rtmpscope(t, "help", "nosuchcommand"); code != 2 || !strings.Contains(errOut, "--help") {
		t.Errorf("help nosuchcommand: exit %d, %q", code, errOut)
	}
}

// TestWrongFlagIsOneLine: a wrong flag prints what is wrong and where to
// look, not the flag list; exit 2.
func TestWrongFlagIsOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		hint string
	}{
		{[]string{"--bogus"}, "run 'rtmpscope --help' for usage"},
		{[]string{"-r", pcaps + "publish.pcap", "-Z"}, "run 'rtmpscope --help' for usage"},
		{[]string{"stats", "--bogus"}, "run 'rtmpscope stats --help' for usage"},
		{[]string{"conns", "-r"}, "run 'rtmpscope conns --help' for usage"},
		{[]string{"--interfce", "lo"}, "run 'rtmpscope --help' for usage"},
	} {
		out, errOut, code := rtmpscope(t, c.args...)
		lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
		if code != 2 || out != "" || len(lines) != 2 || lines[1] != c.hint {
			t.Errorf("%v: exit %d, stderr %d lines:\n%s", c.args, code, len(lines), errOut)
		}
	}
	if _, errOut, _ := rtmpscope(t, "--interfce", "lo"); !strings.Contains(errOut, "unknown flag: --interfce (did you mean --interface?)") {
		t.Errorf("no suggestion: %q", errOut)
	}
}

// TestVersion: -v, --version and 'version' say the same, and the version
// comes from the build information, never "dev".
func TestVersion(t *testing.T) {
	var first string
	for _, args := range [][]string{{"-v"}, {"--version"}, {"version"}} {
		out, _, code := rtmpscope(t, args...)
		if code != 0 || !strings.HasPrefix(out, "rtmpscope ") || strings.Contains(out, "dev ") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("%v: %q, -v said %q", args, out, first)
		}
	}
	// A build from the git checkout carries its module version and
	// revision (GOFLAGS may say -buildvcs=false; this build says true).
	if _, err := os.Stat("../../.git"); err != nil {
		t.Skip("not a git checkout: no VCS information to stamp")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	bin := filepath.Join(t.TempDir(), "rtmpscope")
	cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go build -buildvcs=true: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The revision is a commit of this repository (HEAD when built; other
	// commits may have come since).
	_, after, ok := strings.Cut(string(out), "(revision ")
	if !strings.HasPrefix(string(out), "rtmpscope v") || !ok || len(after) < 12 {
		t.Fatalf("--version of a VCS build: %q", out)
	}
	if err := exec.Command("git", "cat-file", "-e", after[:12]+"^{commit}").Run(); err != nil {
		t.Errorf("--version names revision %s, which is not a commit here: %q", after[:12], out)
	}
}

// TestFormatVersion: -ldflags -X main.version wins; the module version of
// 'go install ...@v1.2.3' is used as it is.
func TestFormatVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-05T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		ld   string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"", bi, true, "rtmpscope v1.2.3 (revision 0123456789ab, 2026-12-05T12:00:00Z, modified, go1.26.8)"},
		{"2.0.0", bi, true, "rtmpscope 2.0.0 (revision 0123456789ab, 2026-12-05T12:00:00Z, modified, go1.26.8)"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, true, "rtmpscope v1.2.3 (go1.26.8)"},
		{"", nil, false, "rtmpscope (devel)"},
	} {
		if got := formatVersion(c.ld, c.bi, c.ok); got != c.want {
			t.Errorf("formatVersion(%q): %q, want %q", c.ld, got, c.want)
		}
	}
}

// TestManUpToDate: the committed man page is what 'rtmpscope man' prints,
// so it follows every flag and command.
func TestManUpToDate(t *testing.T) {
	out, errOut, code := rtmpscope(t, "man")
	if code != 0 {
		t.Fatalf("man: exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(filepath.Join("../..", manPath))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("%s is out of date: regenerate it with\n  go run ./cmd/rtmpscope man > %s", manPath, manPath)
	}
	for name := range subcommands {
		if subcommands[name].aliasOf == "" && !strings.Contains(out, ".SH RTMPSCOPE "+strings.ToUpper(name)) {
			t.Errorf("man page has no section for %s", name)
		}
	}
	for _, flag := range []string{"\\-\\-display\\-filter", "\\-\\-line\\-buffered", "\\-\\-interval", "\\-\\-field"} {
		if !strings.Contains(out, flag) {
			t.Errorf("man page lacks %s", flag)
		}
	}
	if _, err := exec.LookPath("groff"); err == nil {
		cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = strings.NewReader(out)
		var e bytes.Buffer
		cmd.Stderr = &e
		if err := cmd.Run(); err != nil || e.Len() > 0 {
			t.Errorf("groff: %v %s", err, e.String())
		}
	}
}

// TestFieldsOutput: -T fields with -e and -E, one row per command, the
// frames those of tshark's AMF0 commands, the stream key redacted.
func TestFieldsOutput(t *testing.T) {
	path := need(t, "publish.pcap")
	out, errOut, code := rtmpscope(t, "-r", path, "-Y", "rtmpt.header.typeid == 0x14", "-T", "fields",
		"-e", "frame.number", "-e", "type", "-e", "command.name", "-e", "amf.string",
		"-E", "header=y", "-E", "separator=,", "-E", "quote=d")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if lines[0] != `"frame.number","type","command.name","amf.string"` {
		t.Errorf("header %q", lines[0])
	}
	rows, err := tsharkref.Load(pcaps, "publish.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range rows {
		for _, id := range strings.Split(r["rtmpt.header.typeid"], ",") {
			if id == "0x14" {
				want = append(want, r["frame.number"])
			}
		}
	}
	var got []string
	for _, l := range lines[1:] {
		f := strings.SplitN(l, ",", 4)
		got = append(got, strings.Trim(f[0], `"`))
		if f[1] != `"command"` || f[2] == `""` {
			t.Errorf("row %q", l)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("frames %v, tshark's commands %v", got, want)
	}
	if key := streamKey(t, path); strings.Contains(out, key) {
		t.Errorf("-T fields printed the stream key")
	}
	if _, errOut, code := rtmpscope(t, "-r", path, "-T", "fields", "-e", "frame.numbr"); code != 2 || !strings.Contains(errOut, "^ frame is a number") {
		t.Errorf("bad -e: exit %d, %q", code, errOut)
	}
}

// TestHexMasksSecrets: -x prints each message's bytes, which are the TCP
// payload bytes tshark shows for the frame, with the stream key's bytes
// masked unless --show-secrets.
func TestHexMasksSecrets(t *testing.T) {
	path := need(t, "publish.pcap")
	key := streamKey(t, path)
	filter := `amf.string == "publish"`
	out, errOut, code := rtmpscope(t, "-r", path, "-Y", filter, "-x")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "0000  02 00 07 70 75 62 6c 69") || !strings.Contains(out, "** **") {
		t.Errorf("-x output:\n%s", out)
	}
	if strings.Contains(out, hex.EncodeToString([]byte(key))[:16]) || strings.Contains(out, key[:8]) {
		t.Errorf("-x shows the stream key:\n%s", out)
	}
	plain, _, _ := rtmpscope(t, "-r", path, "-Y", filter, "-x", "--show-secrets")
	body := hexBody(plain)
	if !strings.Contains(string(body), key) {
		t.Errorf("--show-secrets -x lacks the key:\n%s", plain)
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	payload, err := exec.Command("tshark", "-r", path, "-Y", filter, "-T", "fields", "-e", "tcp.payload").Output()
	if err != nil {
		t.Fatal(err)
	}
	wire, _ := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(string(payload)), ":", ""))
	// The body is the wire bytes without the chunk header(s).
	if len(body) == 0 || !bytes.Contains(wire, body) {
		t.Errorf("-x bytes are not tshark's payload:\nours  %x\nwire  %x", body, wire)
	}
}

// hexBody reads the bytes back from -x lines.
func hexBody(out string) []byte {
	var b []byte
	for _, l := range strings.Split(out, "\n") {
		if len(l) < 6 || l[4] != ' ' || l[5] != ' ' {
			continue
		}
		if _, err := hex.DecodeString(l[:4]); err != nil {
			continue
		}
		cols := l[6:]
		if len(cols) > 49 {
			cols = cols[:49]
		}
		for _, f := range strings.Fields(cols) {
			if x, err := hex.DecodeString(f); err == nil {
				b = append(b, x...)
			}
		}
	}
	return b
}

// TestWriteMatchedFrames: -w with -Y writes exactly the frames of the
// matched messages (as tshark -r in -Y f -w out), checked by reading the
// written file with tshark: same times and lengths as those frames of the
// original.
func TestWriteMatchedFrames(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, c := range []struct{ capture, filter string }{
		{"publish.pcap", `type == "command"`},
		{"multi.pcap", `tcp.srcport == 1935 && type in {audio video} && video.keyframe == 1 || amf.string == "play"`},
	} {
		path := need(t, c.capture)
		w := filepath.Join(t.TempDir(), "out.pcapng")
		frames, errOut, code := rtmpscope(t, "-r", path, "-Y", c.filter, "-w", w, "-T", "fields", "-e", "frame.number")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		set := map[string]bool{}
		var list []string
		for _, f := range strings.Fields(frames) {
			if !set[f] {
				set[f] = true
				list = append(list, f)
			}
		}
		if len(list) == 0 {
			t.Fatalf("%s: %s matched nothing", c.capture, c.filter)
		}
		if !strings.Contains(errOut, " packets written to ") || !strings.Contains(errOut, "\n"+itoa(len(list))+" packets written") {
			t.Errorf("summary: %q (want %d written)", errOut, len(list))
		}
		want := tsharkFields(t, path, "frame.number in {"+strings.Join(list, ", ")+"}")
		got := tsharkFields(t, w, "")
		if got != want {
			t.Errorf("%s -Y '%s' -w: written frames\n%s\nwant (frames %v of the original)\n%s", c.capture, c.filter, got, list, want)
		}
	}
	if _, errOut, code := rtmpscope(t, "-i", "lo", "-Y", "type == video", "-w", filepath.Join(t.TempDir(), "x.pcapng")); code != 2 || !strings.Contains(errOut, "saved whole") {
		t.Errorf("live -w with -Y: exit %d, %q", code, errOut)
	}
	if _, errOut, code := rtmpscope(t, "-r", "-", "-Y", "type == video", "-w", filepath.Join(t.TempDir(), "x.pcapng")); code != 2 || !strings.Contains(errOut, "not stdin") {
		t.Errorf("stdin -w with -Y: exit %d, %q", code, errOut)
	}
}

func tsharkFields(t *testing.T, path, filter string) string {
	args := []string{"-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len"}
	if filter != "" {
		args = append(args, "-Y", filter)
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	return string(out)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestVerboseUncut: -V into a pipe writes whole values and every child: no
// "…" cut at 80 columns, no "more not shown".
func TestVerboseUncut(t *testing.T) {
	for _, name := range []string{"publish.pcap", "reject.pcap"} {
		out, errOut, code := rtmpscope(t, "-r", need(t, name), "-V")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		long := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.HasSuffix(l, "…") || strings.Contains(l, "more not shown") {
				t.Errorf("%s: cut line %q", name, l)
				break
			}
			if len([]rune(l)) > 80 {
				long++
			}
		}
		if long == 0 {
			t.Errorf("%s: no line longer than 80 columns: the test proves nothing", name)
		}
	}
	// The tcUrl and the full flashVer are in the tree, whole.
	out, _, _ := rtmpscope(t, "-r", pcaps+"publish.pcap", "-V", "-Y", `command.name == "connect"`)
	if !strings.Contains(out, "FMLE/3.0 (compatible; Lavf59.27.100)") || !strings.Contains(out, "rtmp://127.0.0.1:1935/live") {
		t.Errorf("connect tree:\n%s", out)
	}
}

// TestLineBufferedAndNoResolve: -l and -n are accepted and change nothing
// in what a file's output holds.
func TestLineBufferedAndNoResolve(t *testing.T) {
	path := need(t, "publish.pcap")
	a, _, _ := rtmpscope(t, "-r", path)
	b, errOut, code := rtmpscope(t, "-r", path, "-l", "-n")
	if code != 0 || a != b {
		t.Errorf("-l -n: exit %d (%s), output differs: %d vs %d bytes", code, errOut, len(b), len(a))
	}
}

// TestStatsInterval: stats --interval on a file prints a table of the open
// streams every interval of capture time (publish.pcap spans 3.2 s: three
// tables at 1 s), then the final report.
func TestStatsInterval(t *testing.T) {
	out, errOut, code := rtmpscope(t, "stats", "-r", need(t, "publish.pcap"), "--interval", "1s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "open streams ---"); n != 3 {
		t.Errorf("%d interval tables, want 3:\n%s", n, out)
	}
	if !strings.Contains(out, "publish msid 1") || strings.Index(out, "open streams") > strings.Index(out, "span:") {
		t.Errorf("tables:\n%s", out)
	}
	plain, _, _ := rtmpscope(t, "stats", "-r", pcaps+"publish.pcap")
	if strings.Contains(plain, "open streams") {
		t.Errorf("stats -r without --interval printed interval tables")
	}
}
