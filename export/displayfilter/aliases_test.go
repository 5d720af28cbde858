package displayfilter

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// TestAliasesAgainstTshark runs every filter of
// testdata/pcaps/displayfilter.filters.tsv (each tshark alias and
// operator) on its capture and checks that the messages it selects are in
// exactly the frames tshark selects for the same filter
// (testdata/pcaps/displayfilter.refs.tsv, written by
// tshark-filter-refs.sh).
func TestAliasesAgainstTshark(t *testing.T) {
	recs := map[string][]session.Record{}
	covered := map[string]bool{}
	for _, ref := range tsharkFilterRefs(t) {
		if recs[ref.capture] == nil {
			recs[ref.capture] = records(t, ref.capture)
		}
		flt := checkAgainstTshark(t, recs[ref.capture], ref)
		if flt == nil {
			continue
		}
		for _, n := range flt.Fields() {
			if name, _, ok := aliasByIdent(n); ok {
				covered[name] = true
			}
		}
	}
	for _, a := range Aliases() {
		if !covered[a] && !strings.HasPrefix(a, "ipv6.src") && !strings.HasPrefix(a, "ipv6.dst") {
			t.Errorf("alias %s has no filter in displayfilter.filters.tsv", a)
		}
	}
}

// tsharkRef is one line of testdata/pcaps/displayfilter.refs.tsv.
type tsharkRef struct {
	capture, filter, tsharkFilter string
	count                         int
	frames                        string
}

func tsharkFilterRefs(t *testing.T) []tsharkRef {
	f, err := os.Open(filepath.Join(pcaps, "displayfilter.refs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []tsharkRef
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		col := strings.Split(line, "\t")
		if len(col) != 5 {
			t.Fatalf("bad reference line %q", line)
		}
		n, err := strconv.Atoi(col[3])
		if err != nil {
			t.Fatalf("bad count in %q", line)
		}
		out = append(out, tsharkRef{col[0], col[1], col[2], n, col[4]})
	}
	return out
}

// checkAgainstTshark checks that the filter selects messages in exactly
// the frames tshark selected; it returns the compiled filter.
func checkAgainstTshark(t *testing.T, recs []session.Record, ref tsharkRef) *Filter {
	t.Helper()
	flt, err := Compile(ref.filter)
	if err != nil {
		t.Errorf("%s: %v", ref.filter, err)
		return nil
	}
	var frames []uint64
	for i := range recs {
		r := &recs[i]
		if flt.Match(r) && r.Message != nil {
			frames = append(frames, r.Message.Frame)
		}
	}
	slices.Sort(frames)
	frames = slices.Compact(frames)
	var got []string
	for _, n := range frames {
		got = append(got, strconv.FormatUint(n, 10))
	}
	if g := strings.Join(got, ","); g != ref.frames {
		t.Errorf("%s -Y '%s': frames\n%s\ntshark (%s):\n%s", ref.capture, ref.filter, g, ref.tsharkFilter, ref.frames)
	}
	if ref.count != len(frames) {
		t.Errorf("%s -Y '%s': %d frames, tshark %d", ref.capture, ref.filter, len(frames), ref.count)
	}
	return flt
}

// TestMistakesFail: the mistakes issue #16 names, and their kin, either
// work as meant or fail with a caret at the mistake; none compiles into a
// filter that silently matches nothing.
func TestMistakesFail(t *testing.T) {
	recs := records(t, "publish.pcap")
	// Work as meant: the same events as the spelled-out filter.
	for src, same := range map[string]string{
		`frame.number == 25`:            `kind == "message" && frame == 25`,
		`video.keyframe == 1`:           `video.keyframe == true`,
		`video.keyframe == 0`:           `video.keyframe == false`,
		`type == video`:                 `type == "video"`,
		`type in {audio video}`:         `type in ["audio", "video"]`,
		`dir == s2c && kind eq message`: `dir == "s2c" && kind == "message"`,
	} {
		n, m := count(t, recs, src), count(t, recs, same)
		if n == 0 || n != m {
			t.Errorf("%s: %d events, %s: %d", src, n, same, m)
		}
	}
	// Fail with a caret under the mistake.
	for src, want := range map[string]string{
		`frame.numbr == 25`:            "      ^ frame is a number; it has no field \"numbr\"",
		`video.keyframe == 2`:          "                  ^ video.keyframe is true or false (or 1 or 0), not 2",
		`type == vidoe`:                "        ^ type has no value \"vidoe\"",
		`type == "vidoe"`:              "        ^ type has no value \"vidoe\"",
		`video.keyfrme`:                "      ^ video has no field \"keyfrme\"",
		`timestamp == "5000"`:          "             ^ timestamp is a number; write 5000 without quotes",
		`command.name == 5`:            "                ^ command.name is a string; quote the value: \"5\"",
		`tcp.prot == 1935`:             "^ unknown field \"tcp.prot\"",
		`frame.number == "25"`:         "                ^ frame.number is a number",
		`rtmpt.header.csid contains 3`: "                  ^ contains works on strings",
		`tcp.port in {1935`:            "            ^ set { not closed with }",
	} {
		_, err := Compile(src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: compiled (err %v)", src, err)
			continue
		}
		caret := strings.SplitN(se.Caret(), "\n", 2)[1]
		if !strings.HasPrefix(caret, want) {
			t.Errorf("%s:\n%s\nwant prefix\n%s", src, se.Caret(), want)
		}
	}
}

// TestPlainMatchRedactedValue: a filter on the stream key finds it (the
// capture script published with a token), though the record is redacted.
func TestPlainMatchRedactedValue(t *testing.T) {
	recs := records(t, "publish.pcap")
	n := count(t, recs, `command.name == "publish" && command.args[0] contains "token=s3cr3t"`)
	if n != 1 {
		t.Errorf("plain match: %d events, want 1", n)
	}
	for i := range recs {
		if c := recs[i].Body.Command; c != nil && len(c.Args) > 0 && strings.Contains(c.Args[0].String(), "s3cr3t") {
			t.Fatalf("record %d is not redacted", i)
		}
	}
	fl, err := CompileField("amf.string")
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if v := fl.Value(&recs[i]); v != nil && strings.Contains(strings.Join(toStrings(v), ","), "s3cr3t") {
			t.Errorf("record %d: field value holds the secret: %v", i, v)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// TestTranslate: tshark spellings become expr, with error columns mapped
// back to the user's filter.
func TestTranslate(t *testing.T) {
	for src, want := range map[string]string{
		`rtmpt.header.typeid eq 0x14`:    `rtmpt__header__typeid == 0x14`,
		`tcp.port in {1935 8080}`:        `tcp__port in [1935 ,8080]`,
		`tcp.port in {1935, 8080}`:       `tcp__port in [1935, 8080]`,
		`amf.string ~ "^live"`:           `amf__string  matches  "^live"`,
		`ip.addr == 127.0.0.1`:           `ip__addr == "127.0.0.1"`,
		`ipv6.addr == ::0001`:            `ipv6__addr == "::1"`,
		`summary contains "a eq b ~ {}"`: `summary contains "a eq b ~ {}"`,
	} {
		tr, err := translate(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if tr.src != want {
			t.Errorf("%s: %q, want %q", src, tr.src, want)
		}
	}
}
