package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
)

// realJobs are the jobs `rtmpscope queue` makes of the committed captures
// and the committed rotated set, as their JSON.
func realJobs(t testing.TB) [][]byte {
	t.Helper()
	pcaps, _ := filepath.Abs(capturetest.Pcaps())
	seqs, err := capture.GroupFiles([]string{pcaps, filepath.Join(pcaps, "wild", "rotated", "multi")})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, s := range seqs {
		b, err := json.Marshal(Job{Name: JobName(s.Pattern, s.Names()), Files: s.Names(), Out: "/srv/out", Format: "ndjson"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestWriteFuzzCorpus writes the committed seed corpus of FuzzParseJob from
// real jobs and hostile variants of one (RTMPSCOPE_WRITE_FUZZ_CORPUS=1).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("RTMPSCOPE_WRITE_FUZZ_CORPUS") == "" {
		t.Skip("set RTMPSCOPE_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz/FuzzParseJob")
	}
	jobs := realJobs(t)
	multi := ""
	for _, j := range jobs {
		if strings.Contains(string(j), "rotated") {
			multi = string(j)
		}
	}
	seeds := []string{string(jobs[0]), multi,
		strings.Replace(multi, `"/`, `"relative/`, 1),               // a relative path
		strings.Replace(multi, `"name":"`, `"name":"../../etc/`, 1), // a path as the name
		multi[:len(multi)/2], // cut short
		strings.Replace(multi, `"files":[`, `"files":[1,`, 1), // a wrong type
		`{"name":".hidden","files":["/a"],"out":"/o","format":"ndjson"}`,
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseJob")
	os.MkdirAll(dir, 0o755)
	for i, s := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseJob: a job message from the queue never panics the worker, and
// a job it accepts names a plain output file and absolute inputs.
func FuzzParseJob(f *testing.F) {
	for _, j := range realJobs(f) {
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := ParseJob(data)
		if err != nil {
			return
		}
		if strings.ContainsAny(j.Name, `/\`) || strings.HasPrefix(j.Name, ".") || j.Name == "" {
			t.Fatalf("accepted name %q", j.Name)
		}
		for _, f := range j.Files {
			if !filepath.IsAbs(f) {
				t.Fatalf("accepted relative file %q", f)
			}
		}
	})
}

// FuzzHostToken: whatever a host is called, its token is one valid NATS
// subject token and a safe path element, and making it again changes
// nothing.
func FuzzHostToken(f *testing.F) {
	for _, s := range []string{"ingest-01.example.net", "a b*c>d", "", "x/../y", "höst", "..", "rtmpscope.h.conn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		tok := HostToken(name)
		if tok == "" || strings.ContainsAny(tok, ". \t\r\n*>/\\") || tok == ".." {
			t.Fatalf("HostToken(%q) = %q", name, tok)
		}
		if HostToken(tok) != tok {
			t.Fatalf("HostToken not idempotent on %q", tok)
		}
		host, kind, ok := SplitSubject("rtmpscope." + tok + ".conn")
		if !ok || host != tok || kind != "conn" {
			t.Fatalf("SplitSubject of %q: %q %q %v", tok, host, kind, ok)
		}
	})
}
