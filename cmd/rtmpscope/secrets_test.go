package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The secrets test (issue #14 item 7): testdata/pcaps/secrets/secrets.pcap
// is a real ffmpeg publish and rtmpdump play with the stream key in the
// tcUrl path and in connect's extra arguments, into which derive.go (run by
// make-secrets.sh) planted the same key in every other place a key can hide:
// shared objects (AMF0 and AMF3: name, slot name and value, SendMessage
// argument), property names, typed-object class names, a string holding it,
// an AMF3 ByteArray, a publish with an object argument, an aggregate's
// onMetaData, and a short key ("Q") quoted in "key Q accepted".
const (
	secretsCapture = "secrets/secrets.pcap"
	plantedKey     = "live_123_AbCdEf9XyZ"
	// plantedSecret is the part the stream-name rule hides ("live_" stays).
	plantedSecret = "123_AbCdEf9XyZ"
	shortKeyText  = "key Q accepted"
)

// leaks reports whether s holds the key, plainly or encoded as the JSON
// outputs encode bytes (hex payloads, base64 ByteArrays and payloads).
func leaks(s string) bool {
	if strings.Contains(s, plantedSecret) || strings.Contains(s, shortKeyText) {
		return true
	}
	if strings.Contains(s, hex.EncodeToString([]byte(plantedSecret))) {
		return true
	}
	// Any JSON string that is base64 of bytes holding the key.
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '"' || r == '\n' }) {
		if len(f) >= 16 {
			if b, err := base64.StdEncoding.DecodeString(f); err == nil && strings.Contains(string(b), plantedSecret) {
				return true
			}
		}
	}
	return false
}

func TestSecretsEverywhere(t *testing.T) {
	path := need(t, secretsCapture)
	outputs := map[string][]string{
		"text":         {"-r", path},
		"-V":           {"-V", "-r", path},
		"ndjson":       {"-T", "ndjson", "-r", path},
		"json":         {"-T", "json", "-r", path},
		"payload hex":  {"-T", "ndjson", "--payload", "hex", "-r", path},
		"hex -x":       {"-x", "-r", path},
		"fields":       {"-T", "fields", "-e", "frame.number", "-e", "summary", "-e", "command.args", "-r", path},
		"payload b64":  {"-T", "ndjson", "--payload", "base64", "-r", path},
		"stats":        {"stats", "-r", path},
		"stats ndjson": {"stats", "-T", "json", "-r", path},
		"conns":        {"conns", "-r", path},
		"conns ndjson": {"conns", "-T", "json", "-r", path},
	}
	for name, args := range outputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := rtmpscope(t, args...)
			if code != 0 {
				t.Skipf("exit %d: %s", code, errOut)
			}
			if leaks(out) || leaks(errOut) {
				for _, l := range strings.Split(out, "\n") {
					if leaks(l) {
						t.Errorf("leaks the key: %.300s", l)
					}
				}
			}
		})
	}
	t.Run("report", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "report.html")
		if _, errOut, code := rtmpscope(t, "report", "-o", out, "-r", path); code != 0 {
			t.Skipf("report: exit %d: %s", code, errOut)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if leaks(string(b)) {
			t.Error("the HTML report holds the key")
		}
		if !strings.Contains(string(b), "live_****#1") {
			t.Error("the HTML report does not name the stream by its tag")
		}
	})
	t.Run("extract", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, errOut, code := rtmpscope(t, "extract", "-o", dir, "-r", path)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if leaks(out) {
			t.Errorf("extract's listing leaks the key: %s", out)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) == 0 {
			t.Fatal("no file extracted")
		}
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if leaks(filepath.Base(f)) || strings.Contains(string(b), plantedSecret) {
				t.Errorf("%s holds the key", f)
			}
		}
	})
}

// TestSecretsShown: with --show-secrets every place shows the key.
func TestSecretsShown(t *testing.T) {
	path := need(t, secretsCapture)
	text, _, _ := rtmpscope(t, "--show-secrets", "-r", path)
	for _, want := range []string{
		`tcUrl: "rtmp://127.0.0.1:1935/live/` + plantedKey + `"} "` + plantedKey + `"`, // tcUrl path, extra argument
		"Shared Object " + plantedKey,
		"onKeyProbe {" + plantedKey + ": 1, typed: " + plantedKey + "{v: 1}, text: \"prefix-" + plantedKey + "-suffix\"}",
		"onKeyProbe3 {" + plantedKey + ": 1, typed: " + plantedKey + "{v: 1}",
		`publish {name: "` + plantedKey + `"}`,
		shortKeyText,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("--show-secrets text lacks %q", want)
		}
	}
	nd, _, _ := rtmpscope(t, "--show-secrets", "-T", "ndjson", "-r", path)
	for _, want := range []string{
		`"tc_url":"rtmp://127.0.0.1:1935/live/` + plantedKey + `"`,
		base64.StdEncoding.EncodeToString([]byte("bytes:" + plantedKey)),
		`"say","args":["` + plantedKey + `"]`,
	} {
		if !strings.Contains(nd, want) {
			t.Errorf("--show-secrets ndjson lacks %q", want)
		}
	}
	dir := t.TempDir()
	rtmpscope(t, "extract", "--show-secrets", "-o", dir, "-r", path)
	files, _ := filepath.Glob(filepath.Join(dir, "*-c1-*"))
	found := false
	for _, f := range files {
		b, _ := os.ReadFile(f)
		found = found || strings.Contains(string(b), "stream "+plantedKey)
	}
	if !found {
		t.Errorf("--show-secrets: the aggregate's onMetaData is not in the publish's FLV %v", files)
	}
}

// TestSecretTagsDistinguish (#15 item 9): the publisher's and the player's
// key have one tag, the short key another, in text and JSON alike.
func TestSecretTagsDistinguish(t *testing.T) {
	path := need(t, secretsCapture)
	nd, _, _ := rtmpscope(t, "-T", "ndjson", "-r", path)
	names := map[string]bool{}
	for _, l := range strings.Split(nd, "\n") {
		var ev struct {
			Kind    string `json:"kind"`
			Session *struct {
				TcURL   string `json:"tc_url"`
				Streams []struct {
					Name string `json:"name"`
				} `json:"streams"`
			} `json:"session"`
		}
		if json.Unmarshal([]byte(l), &ev) != nil || ev.Session == nil {
			continue
		}
		if ev.Session.TcURL != "rtmp://127.0.0.1:1935/live/live_****#1" {
			t.Errorf("session tc_url %q", ev.Session.TcURL)
		}
		for _, s := range ev.Session.Streams {
			names[s.Name] = true
		}
	}
	if !names["live_****#1"] {
		t.Errorf("stream names %v: want the publisher's and player's live_****#1", names)
	}
	text, _, _ := rtmpscope(t, "-r", path)
	if !strings.Contains(text, `onKeyNote "key ****#3 accepted"`) {
		t.Errorf("the short key's tag: %s", grepLine(text, "onKeyNote"))
	}
}

func grepLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestSecretsTUI runs scripts/tui-secrets.sh with the test binary: the
// terminal UI's screens, its spill file and what a closed terminal leaves.
func TestSecretsTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	need(t, secretsCapture)
	out, err := exec.Command("bash", "../../scripts/tui-secrets.sh", binPath).CombinedOutput()
	if err != nil {
		t.Fatalf("tui-secrets.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
