package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests run the real binary, as a user would, on the committed
// captures: flags, subcommands, exit codes and error messages.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rtmpscope-test")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "rtmpscope")
	cmd := exec.Command("go", "build", "-o", binPath, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const pcaps = "../../testdata/pcaps/"

func rtmpscope(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func need(t *testing.T, name string) string {
	p := pcaps + name
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not committed", name)
	}
	return p
}

func TestMessagesText(t *testing.T) {
	out, errOut, code := rtmpscope(t, "-r", need(t, "publish.pcap"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"handshake C0=3 S0=3", "connect#1", "createStream", "publish#", "NetStream.Publish.Start", "onMetaData", "AVC keyframe seq hdr", "AAC seq hdr", "Set Chunk Size"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "packets (") || !strings.Contains(errOut, "1 flow (1 RTMP)") {
		t.Errorf("summary: %q", errOut)
	}
}

// TestSecretsRedacted: the stream key the capture script published with
// never appears unless asked for.
func TestSecretsRedacted(t *testing.T) {
	path := need(t, "publish.pcap")
	key := streamKey(t, path)
	for _, format := range []string{"text", "ndjson"} {
		out, _, _ := rtmpscope(t, "-r", path, "-T", format)
		if strings.Contains(out, key) {
			t.Errorf("-T %s shows the stream key %q", format, key)
		}
		if !strings.Contains(out, "****") {
			t.Errorf("-T %s: no redaction mark", format)
		}
		out, _, _ = rtmpscope(t, "-r", path, "-T", format, "--show-secrets")
		if !strings.Contains(out, key) {
			t.Errorf("-T %s --show-secrets does not show %q", format, key)
		}
	}
}

// streamKey reads the publish name from tshark's reference (amf.string).
func streamKey(t *testing.T, pcap string) string {
	ref, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".messages.tsv")
	if err != nil {
		t.Skip("no reference")
	}
	for _, line := range strings.Split(string(ref), "\n") {
		if i := strings.Index(line, "publish,"); i >= 0 {
			rest := strings.Split(line[i+len("publish,"):], ",")
			for _, f := range rest {
				if strings.Contains(f, "_") && !strings.Contains(f, "live,") {
					return strings.Fields(strings.TrimSpace(f))[0]
				}
			}
		}
	}
	t.Skip("no publish name in the reference")
	return ""
}

func TestNDJSONCoreFields(t *testing.T) {
	out, _, code := rtmpscope(t, "-r", need(t, "publish.pcap"), "-T", "ndjson")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	kinds := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %v: %s", err, sc.Text())
		}
		k, _ := ev["kind"].(string)
		kinds[k]++
		for _, f := range []string{"kind", "conn", "time"} {
			if _, ok := ev[f]; !ok {
				t.Errorf("%s event without %q", k, f)
			}
		}
		if k == "message" {
			for _, f := range []string{"dir", "frame", "frames", "offset", "csid", "msid", "timestamp", "type_id", "type", "length", "chunks"} {
				if _, ok := ev[f]; !ok {
					t.Errorf("message without %q: %s", f, sc.Text())
				}
			}
		}
	}
	if kinds["message"] < 50 || kinds["conn"] != 2 || kinds["handshake"] != 1 {
		t.Errorf("event kinds %v", kinds)
	}
	// -T json is the same events as one array.
	out, _, _ = rtmpscope(t, "-r", need(t, "publish.pcap"), "-T", "json")
	var arr []map[string]any
	if err := json.Unmarshal([]byte(out), &arr); err != nil || len(arr) != kinds["message"]+kinds["conn"]+kinds["handshake"]+kinds["diagnostic"]+kinds["gap"] {
		t.Errorf("-T json: %v, %d events", err, len(arr))
	}
}

func TestConns(t *testing.T) {
	out, _, code := rtmpscope(t, "conns", "-r", need(t, "multi.pcap"))
	if code != 0 || strings.Count(out, "client sent C0=3") != 3 {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	out, _, _ = rtmpscope(t, "conns", "-r", need(t, "midstream.pcap"))
	if !strings.Contains(out, "+m") || !strings.Contains(out, "handshake not captured") {
		t.Errorf("mid-stream not shown:\n%s", out)
	}
	out, _, _ = rtmpscope(t, "conns", "-T", "ndjson", "-r", need(t, "otherport.pcap"))
	var c map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &c); err != nil || c["rtmp"] != true || c["rule"] != "handshake" {
		t.Errorf("otherport: %v %v", err, out)
	}
}

func TestFilterFlag(t *testing.T) {
	path := need(t, "multi.pcap")
	_, errOut, code := rtmpscope(t, "conns", "-r", path, "-f", "tcp port 9")
	if code != 0 || !strings.Contains(errOut, "filtered out") || !strings.Contains(errOut, "0 flows") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	_, errOut, code = rtmpscope(t, "-r", path, "-f", "tcp port (")
	if code != 2 || !strings.Contains(errOut, "column") {
		t.Errorf("bad filter: exit %d: %s", code, errOut)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no input", []string{}, 2, "-r FILE or -i IFACE"},
		{"bad flag", []string{"--nope"}, 2, "unknown flag"},
		{"bad format", []string{"-r", pcaps + "publish.pcap", "-T", "xml"}, 2, "unknown format"},
		{"missing file", []string{"-r", "/nonexistent.pcap"}, 1, "no such file"},
		{"not a capture", []string{"-r", "main.go"}, 1, "not a pcap or pcapng file"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, c := range cases {
		_, errOut, code := rtmpscope(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d (want %d), stderr %q", c.name, code, c.code, errOut)
		}
	}
	for _, args := range [][]string{{"--help"}, {"conns", "--help"}, {"help"}, {"version"}} {
		out, _, code := rtmpscope(t, args...)
		if code != 0 || out == "" {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// TestTruncatedCapture: a capture cut in the middle of a record gives a
// clear error naming the frame, exit 1, and every message before the cut.
func TestTruncatedCapture(t *testing.T) {
	raw, err := os.ReadFile(need(t, "publish.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	os.WriteFile(cut, raw[:len(raw)/2+7], 0o644)
	out, errOut, code := rtmpscope(t, "-r", cut)
	if code != 1 || !strings.Contains(errOut, "truncated") || !strings.Contains(errOut, "frame ") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "connect#1") || !strings.Contains(out, "Video") {
		t.Errorf("messages before the cut are missing:\n%.500s", out)
	}
}

func TestStdinAndWrite(t *testing.T) {
	path := need(t, "publish.pcap")
	w := filepath.Join(t.TempDir(), "out.pcapng")
	cmd := exec.Command(binPath, "conns", "-r", "-", "-w", w, "-q")
	f, _ := os.Open(path)
	defer f.Close()
	cmd.Stdin = f
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, e.String())
	}
	// The written pcapng reads back with the same packet count.
	_, errOut, code := rtmpscope(t, "conns", "-r", w, "-q")
	first := strings.Fields(e.String())[0]
	if code != 0 || strings.Fields(errOut)[0] != first {
		t.Errorf("read %s packets, -w file has %q", first, errOut)
	}
}

// TestCount: -c N stops after N packets, and the summary says so.
func TestCount(t *testing.T) {
	_, errOut, code := rtmpscope(t, "conns", "-q", "-c", "25", "-r", need(t, "publish.pcap"))
	if code != 0 || !strings.HasPrefix(errOut, "25 packets") {
		t.Errorf("exit %d: %q", code, errOut)
	}
}

// -Y applies a display filter to every output format; a bad one is a usage
// error that points at the column.
func TestDisplayFilterFlag(t *testing.T) {
	path := need(t, "publish.pcap")
	// The capture has one publish (tshark's reference: publish.messages.tsv).
	for _, format := range []string{"ndjson", "text"} {
		out, errOut, code := rtmpscope(t, "-r", path, "-T", format, "-Y", `type == "command" && command.name == "publish"`)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 1 || !strings.Contains(lines[0], "publish") {
			t.Errorf("-T %s: exit %d, %d lines: %q %s", format, code, len(lines), out, errOut)
		}
	}
	// Diagnostics of the reject capture: the two failing onStatus codes
	// and the unanswered connect (testdata/pcaps/README.md).
	out, _, code := rtmpscope(t, "-r", need(t, "reject.pcap"), "-T", "ndjson", "-Y", `kind == "diagnostic" && severity != "info"`)
	if n := strings.Count(out, "\n"); code != 0 || n != 3 {
		t.Errorf("reject diagnostics: exit %d, %d lines:\n%s", code, n, out)
	}
	_, errOut, code := rtmpscope(t, "-r", path, "-Y", `type == `)
	if code != 2 || !strings.Contains(errOut, "^") {
		t.Errorf("bad filter: exit %d: %s", code, errOut)
	}
	_, errOut, code = rtmpscope(t, "-r", path, "-Y", `typo == "command"`)
	if code != 2 || !strings.Contains(errOut, "typo") {
		t.Errorf("unknown field: exit %d: %s", code, errOut)
	}
}
