package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The rotated sets are made from committed captures by
// testdata/pcaps/wild/make-rotated.sh (editcap -c, dumpcap -b naming).
const rotated = pcaps + "wild/rotated/"

// summaryTime is the run time at the end of the summary line, which
// differs from run to run.
var summaryTime = regexp.MustCompile(` in [0-9.]+s\n`)

// TestRotatedEqualsWhole: every output of every command is the same for a
// capture and for its rotated files given as a directory, a glob, or
// several -r (in the wrong order): connect, app and stream names survive
// the file boundaries, frame numbers go on.
func TestRotatedEqualsWhole(t *testing.T) {
	t.Parallel()
	sets := []struct{ dir, whole string }{
		{"publish", "publish.pcap"}, {"multi", "multi.pcap"}, {"publish-ng", "publish-ng.pcapng"},
	}
	modes := [][]string{{}, {"-V"}, {"-T", "ndjson"}, {"conns"}, {"stats"}, {"stats", "-T", "json"}}
	for _, set := range sets {
		whole := need(t, set.whole)
		dir := rotated + set.dir
		files, _ := filepath.Glob(dir + "/*")
		if len(files) < 3 {
			t.Fatalf("%s: %d files, run make-rotated.sh", dir, len(files))
		}
		several := []string{}
		for i := len(files) - 1; i >= 0; i-- { // backwards: time order must win
			several = append(several, "-r", files[i])
		}
		inputs := map[string][]string{
			"dir":     {"-r", dir},
			"glob":    {"-r", dir + "/*"},
			"several": several,
		}
		for _, mode := range modes {
			cmdArgs := func(in []string) []string {
				if len(mode) > 0 && (mode[0] == "conns" || mode[0] == "stats") {
					return append(append([]string{mode[0]}, in...), mode[1:]...)
				}
				return append(append([]string{}, in...), mode...)
			}
			wantOut, wantErr, wantCode := rtmpscope(t, cmdArgs([]string{"-r", whole})...)
			if wantCode != 0 || len(wantOut) < 100 {
				t.Fatalf("%s %v: exit %d, %d bytes: %s", set.whole, mode, wantCode, len(wantOut), wantErr)
			}
			for how, in := range inputs {
				out, errOut, code := rtmpscope(t, cmdArgs(in)...)
				if code != 0 {
					t.Errorf("%s as %s %v: exit %d: %s", set.dir, how, mode, code, errOut)
					continue
				}
				if out != wantOut {
					t.Errorf("%s as %s %v: output differs from %s's (%d bytes, want %d)", set.dir, how, mode, set.whole, len(out), len(wantOut))
				}
				if summaryTime.ReplaceAllString(errOut, "\n") != summaryTime.ReplaceAllString(wantErr, "\n") {
					t.Errorf("%s as %s %v: summary\n%s\nwant\n%s", set.dir, how, mode, errOut, wantErr)
				}
			}
		}
	}
}

// TestRotatedExtract: extract writes the same FLV files from the rotated
// set as from the whole capture.
func TestRotatedExtract(t *testing.T) {
	t.Parallel()
	wholeDir, setDir := t.TempDir(), t.TempDir()
	if _, e, code := rtmpscope(t, "extract", "-r", need(t, "publish.pcap"), "-o", wholeDir); code != 0 {
		t.Fatal(e)
	}
	if _, e, code := rtmpscope(t, "extract", "-r", rotated+"publish", "-o", setDir); code != 0 {
		t.Fatal(e)
	}
	ents, _ := os.ReadDir(wholeDir)
	if len(ents) == 0 {
		t.Fatal("nothing extracted from publish.pcap")
	}
	for _, e := range ents {
		a, _ := os.ReadFile(filepath.Join(wholeDir, e.Name()))
		b, err := os.ReadFile(filepath.Join(setDir, e.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: differs or missing from the rotated set's extract (%v)", e.Name(), err)
		}
	}
}

// TestRotatedRefusals: a directory of several capture points, a directory
// without captures, and overlapping files say what they are.
func TestRotatedRefusals(t *testing.T) {
	t.Parallel()
	_, errOut, code := rtmpscope(t, "-r", rotated+"publish", "-r", rotated+"multi")
	if code != 2 || !strings.Contains(errOut, "holds the files of 2 captures") || !strings.Contains(errOut, "multi_#_#.pcap (4 files") {
		t.Errorf("two capture points: exit %d: %s", code, errOut)
	}
	_, errOut, code = rtmpscope(t, "-r", rotated)
	if code == 0 || !strings.Contains(errOut, "is a directory with no pcap or pcapng file in it") {
		t.Errorf("directory of directories: exit %d: %s", code, errOut)
	}
	f := rotated + "publish/publish_00001_20261121002700.pcap"
	_, errOut, code = rtmpscope(t, "-r", f, "-r", f)
	if code == 0 || !strings.Contains(errOut, "overlap in time") {
		t.Errorf("the same file twice: exit %d: %s", code, errOut)
	}
	_, errOut, code = rtmpscope(t, "-r", rotated+"nothing-*.pcap")
	if code == 0 || !strings.Contains(errOut, "no file matches") {
		t.Errorf("glob without match: exit %d: %s", code, errOut)
	}
}
