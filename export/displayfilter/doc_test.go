package displayfilter

import (
	"bufio"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/tsharkref"
)

// docExample is a "rtmpscope -r testdata/pcaps/NAME -Y 'EXPR'" line.
var docExample = regexp.MustCompile(`^rtmpscope -r testdata/pcaps/(\S+) -Y '([^']+)'$`)

// TestDocExamples runs every example of docs/display-filters.md on its
// capture and checks how many events it selects. The expected counts come
// from tshark's reference of the capture (testdata/pcaps/NAME.messages.tsv)
// or, where tshark has no such field, from what make-captures.sh had the
// programs do (testdata/pcaps/README.md); none is rtmpscope's own output.
func TestDocExamples(t *testing.T) {
	expect := map[string]func(t *testing.T) int{
		// tshark: Info entries publish(...).
		`type == "command" && command.name == "publish"`: func(t *testing.T) int {
			return countNames(t, "publish", func(n amfEntry) bool { return n.name == "publish" })
		},
		// tshark: video messages with rtmpt.video.type 1 (keyframe) and format 7 (AVC).
		`video.keyframe && video.codec == "avc1"`: func(t *testing.T) int {
			n := 0
			for _, r := range tsv(t, "publish") {
				types, formats := list(r["rtmpt.video.type"]), list(r["rtmpt.video.format"])
				for i := range types {
					if types[i] == "1" && i < len(formats) && formats[i] == "7" {
						n++
					}
				}
			}
			return n
		},
		// README: connection 1 gets no reply to connect (unanswered), 2 and
		// 3 an onStatus of level error; tshark shows the failing codes and
		// the connection whose only AMF message is connect.
		`diagnostic.severity == "warn"`: func(t *testing.T) int {
			return countNames(t, "reject", isFailedStatus) + connectOnly(t, "reject")
		},
		// tshark: absolute timestamps above 3000 in server-to-client rows.
		`dir == "s2c" && timestamp > 3000`: func(t *testing.T) int {
			n := 0
			for _, r := range tsv(t, "play") {
				if r["tcp.srcport"] != "1935" {
					continue
				}
				for _, ts := range list(r["rtmpt.header.timestamp"]) {
					if v, _ := strconv.Atoi(ts); v > 3000 {
						n++
					}
				}
			}
			return n
		},
		// tshark: every AMF message of reject.pcap is a command (no data
		// messages), plus an open and a closed event per TCP stream.
		`kind == "conn" || type == "command"`: func(t *testing.T) int {
			return countNames(t, "reject", func(amfEntry) bool { return true }) + 2*streams(t, "reject")
		},
		// tshark: rtmpt.scm.chunksize values above the default 128.
		`type == "set_chunk_size" && set_chunk_size.value > 128`: func(t *testing.T) int {
			n := 0
			for _, r := range tsv(t, "chunksize") {
				for _, v := range list(r["rtmpt.scm.chunksize"]) {
					if x, _ := strconv.Atoi(v); x > 128 {
						n++
					}
				}
			}
			return n
		},
		`command.name == "onStatus" && command.args[0].code endsWith "StreamNotFound"`: func(t *testing.T) int {
			return countNames(t, "reject", func(n amfEntry) bool {
				return n.name == "onStatus" && strings.HasSuffix(n.args, "StreamNotFound'")
			})
		},
		// tshark: video messages in rows sent from the server's port.
		`type == "video" && dir == "s2c"`: func(t *testing.T) int {
			n := 0
			for _, r := range tsv(t, "multi") {
				if r["tcp.srcport"] == "1935" {
					n += len(list(r["rtmpt.video.type"]))
				}
			}
			return n
		},
		// README: the nosuchapp connection's connect is never answered.
		`kind == "conn" && state == "closed" && session.unanswered > 0`: func(t *testing.T) int {
			return connectOnly(t, "reject")
		},
	}
	f, err := os.Open("../../docs/display-filters.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := docExample.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		capture, src := m[1], m[2]
		exp, ok := expect[src]
		if !ok {
			// tshark's names: the frames tshark selects with the same
			// filter (displayfilter.refs.tsv).
			found := false
			for _, ref := range tsharkFilterRefs(t) {
				if ref.capture == capture && ref.filter == src {
					checkAgainstTshark(t, records(t, capture), ref)
					found = true
					break
				}
			}
			if !found {
				t.Errorf("docs example %q has no expectation in this test nor in displayfilter.refs.tsv", src)
			}
			continue
		}
		seen++
		want := exp(t)
		if want == 0 {
			t.Errorf("%s: the expectation for %q is 0; pick an example that selects something", capture, src)
		}
		if got := count(t, records(t, capture), src); got != want {
			t.Errorf("%s -Y '%s': %d events, want %d", capture, src, got, want)
		}
	}
	if seen != len(expect) {
		t.Errorf("docs/display-filters.md has %d examples, the test expects %d", seen, len(expect))
	}
}

// TestDocErrorExample checks the error shown in docs/display-filters.md.
func TestDocErrorExample(t *testing.T) {
	_, err := Compile(`type == "command" && comand.name == "publish"`)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%v", err)
	}
	want := "type == \"command\" && comand.name == \"publish\"\n                     ^ unknown field \"comand\""
	if se.Column != 22 || se.Caret() != want {
		t.Errorf("column %d, caret\n%s\nwant\n%s", se.Column, se.Caret(), want)
	}
}

// tsv reads testdata/pcaps/NAME.messages.tsv as rows keyed by column name.
func tsv(t *testing.T, name string) []tsharkref.Row {
	t.Helper()
	rows, err := tsharkref.Load(pcaps, name)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// list splits a comma-joined TSV value.
func list(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// amfEntry is one "name(args)" of tshark's Info column.
type amfEntry struct{ stream, name, args string }

// infoEntry matches "name(args)" at the start of the Info column or after
// its "|" separator; a data handler may itself begin with "|".
var infoEntry = regexp.MustCompile(`(?:^|\|)(\|?[@A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)`)

func amfEntries(t *testing.T, name string) []amfEntry {
	var out []amfEntry
	for _, r := range tsv(t, name) {
		for _, m := range infoEntry.FindAllStringSubmatch(r["_ws.col.Info"], -1) {
			out = append(out, amfEntry{r["tcp.stream"], m[1], m[2]})
		}
	}
	return out
}

func countNames(t *testing.T, name string, keep func(amfEntry) bool) int {
	n := 0
	for _, e := range amfEntries(t, name) {
		if keep(e) {
			n++
		}
	}
	return n
}

// isFailedStatus is an onStatus whose code is one of the NetStream
// failures nginx-rtmp sends (level error).
func isFailedStatus(e amfEntry) bool {
	return e.name == "onStatus" && (strings.Contains(e.args, "BadName") || strings.Contains(e.args, "StreamNotFound") ||
		strings.Contains(e.args, "Failed") || strings.Contains(e.args, "Rejected"))
}

// connectOnly counts TCP streams whose only AMF message is connect.
func connectOnly(t *testing.T, name string) int {
	names := map[string][]string{}
	for _, e := range amfEntries(t, name) {
		names[e.stream] = append(names[e.stream], e.name)
	}
	n := 0
	for _, l := range names {
		if len(l) == 1 && l[0] == "connect" {
			n++
		}
	}
	return n
}

// streams counts the TCP streams in a reference.
func streams(t *testing.T, name string) int {
	s := map[string]bool{}
	for _, r := range tsv(t, name) {
		s[r["tcp.stream"]] = true
	}
	return len(s)
}
