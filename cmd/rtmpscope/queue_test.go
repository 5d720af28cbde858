package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/rtmpscope/rtmpscope/export/parquet"
	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

// splitCapture cuts a committed capture into rotated files with editcap
// (as dumpcap -b names them), in a directory of their own.
func splitCapture(t *testing.T, name string, packets int) string {
	t.Helper()
	if _, err := exec.LookPath("editcap"); err != nil {
		t.Skip("editcap not installed (apt-get install wireshark-common): cannot make rotated files")
	}
	dir := t.TempDir()
	out, err := exec.Command("editcap", "-c", fmt.Sprint(packets), need(t, name), filepath.Join(dir, name)).CombinedOutput()
	if err != nil {
		t.Fatalf("editcap: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) < 2 {
		t.Fatalf("editcap made %d files", len(files))
	}
	return dir
}

// workTotals reads a worker's closing line.
func workTotals(t *testing.T, p *proc) (done, redelivered int) {
	t.Helper()
	e := p.errText()
	i := strings.LastIndex(strings.TrimSuffix(e, "\n"), "\n") + 1
	var failed, givenUp int
	word := ""
	if _, err := fmt.Sscanf(e[i:], "%d %s done, %d failed, %d given up, %d taken over", &done, &word, &failed, &givenUp, &redelivered); err != nil {
		t.Fatalf("worker said %q: %v", e, err)
	}
	if failed+givenUp > 0 {
		t.Errorf("worker failed jobs:\n%s", e)
	}
	return done, redelivered
}

// countRows counts the rows of the Parquet files matching pattern.
func countRows(t *testing.T, pattern string) int64 {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	var n int64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		pf, err := pq.OpenFile(fh, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		n += pf.NumRows()
		fh.Close()
	}
	return n
}

// checkParquetJobs queues captures for Parquet output, lets a worker do
// them, and compares each job's rows, kind by kind, with those of
// 'rtmpscope -r FILE... -T parquet' over its sequence.
func checkParquetJobs(t *testing.T, url string, inputs []string) {
	t.Helper()
	out := t.TempDir()
	list, errOut, code := rtmpscope(t, append([]string{"queue", "--nats", url, "-T", "parquet", "-o", out}, inputs...)...)
	if code != 0 || !strings.Contains(errOut, fmt.Sprintf("(%d new)", len(lines([]byte(list))))) {
		t.Fatalf("queue -T parquet: exit %d: %s", code, errOut)
	}
	w := start(t, nil, "work", "--nats", url, "--until-empty", "--ack-wait=3s")
	w.wait(t)
	for _, l := range lines([]byte(list)) {
		f := strings.Split(l, "\t")
		args := []string{"-T", "parquet", "-o", t.TempDir()}
		for _, file := range f[1:] {
			args = append(args, "-r", file)
		}
		if _, errOut, code := rtmpscope(t, args...); code != 0 {
			t.Fatalf("local -T parquet: %s", errOut)
		}
		local := args[3]
		var total int64
		for _, kind := range parquet.Kinds {
			got := countRows(t, filepath.Join(out, "kind="+kind, f[0]+"-*.parquet"))
			want := countRows(t, filepath.Join(local, "kind="+kind, "*.parquet"))
			if got != want {
				t.Errorf("job %s, kind %s: %d rows, the sequential run %d", f[0], kind, got, want)
			}
			total += got
		}
		if total == 0 {
			t.Errorf("job %s: no rows", f[0])
		}
	}
}

// TestWorkQueue: the committed captures and one capture split into rotated
// files are queued; a worker takes a job, writes its output under a
// temporary name and is killed before it commits; two workers then do
// everything, the killed worker's job included once its ack wait is over.
// Each job's output is the bytes 'rtmpscope -r FILE... -T ndjson' writes
// for its sequence, so the totals equal a sequential run.
func TestWorkQueue(t *testing.T) {
	t.Parallel()
	split := splitCapture(t, "publish.pcap", 300)
	for i, kind := range natstest.Kinds(t) {
		srv := kind(t)
		t.Run(srv.Name(), func(t *testing.T) {
			inputs := []string{pcaps, split}
			// Options every worker and every sequential run gets alike.
			var keys []string
			if i > 0 {
				// The full set once is enough; the second server gets a
				// few, and an encrypted one with its keys.
				inputs = []string{need(t, "multi.pcap"), need(t, "play.pcap"), need(t, "rtmpe-play.pcap"), split}
				keys = []string{"--rtmpe-keys", need(t, "rtmpe-play.keys")}
			}
			out := t.TempDir()
			list, errOut, code := rtmpscope(t, append([]string{"queue", "--nats", srv.URL(), "-o", out}, inputs...)...)
			if code != 0 {
				t.Fatalf("queue: exit %d: %s", code, errOut)
			}
			jobs := map[string][]string{}
			for _, l := range lines([]byte(list)) {
				f := strings.Split(l, "\t")
				jobs[f[0]] = f[1:]
			}
			splitJobs := 0
			for _, files := range jobs {
				if filepath.Dir(files[0]) == split {
					splitJobs++
					if len(files) < 2 {
						t.Errorf("the rotated files were split across jobs: %v", files)
					}
				}
			}
			if splitJobs != 1 {
				t.Fatalf("%d jobs for the rotated capture, want 1:\n%s", splitJobs, list)
			}
			// Queueing again adds nothing (same message ids).
			if _, errOut, _ := rtmpscope(t, append([]string{"queue", "--nats", srv.URL(), "-o", out}, inputs...)...); !strings.Contains(errOut, "(0 new)") {
				t.Errorf("queue again: %s", errOut)
			}

			ack := "--ack-wait=3s"
			holder := start(t, nil, append([]string{"work", "--nats", srv.URL(), ack, "--hold-before-commit"}, keys...)...)
			waitFor(t, "a worker holding a finished job", func() bool { return strings.Contains(holder.errText(), "holding before commit") })
			holder.cmd.Process.Kill()
			holder.cmd.Wait()

			w1 := start(t, nil, append([]string{"work", "--nats", srv.URL(), ack, "--until-empty"}, keys...)...)
			w2 := start(t, nil, append([]string{"work", "--nats", srv.URL(), ack, "--until-empty"}, keys...)...)
			w1.wait(t)
			w2.wait(t)
			d1, r1 := workTotals(t, w1)
			d2, r2 := workTotals(t, w2)
			if d1+d2 != len(jobs) || r1+r2 != 1 {
				t.Errorf("workers did %d+%d jobs of %d, took over %d+%d (want 1)", d1, d2, len(jobs), r1, r2)
			}

			var events, visible int
			entries, _ := os.ReadDir(out)
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), ".") {
					visible++
				}
			}
			if visible != len(jobs) {
				t.Errorf("%d visible files in the output directory, %d jobs", visible, len(jobs))
			}
			for name, files := range jobs {
				got, err := os.ReadFile(filepath.Join(out, name+".ndjson"))
				if err != nil {
					t.Errorf("job %s: %v", name, err)
					continue
				}
				var args []string
				for _, f := range files {
					args = append(args, "-r", f)
				}
				want := localNDJSON(t, append(args, keys...)...)
				if !bytes.Equal(got, want) {
					t.Errorf("job %s (%d files): %d lines, the sequential run %d", name, len(files), len(lines(got)), len(lines(want)))
				}
				events += len(lines(got))
			}
			t.Logf("%s: %d jobs, %d events, equal to the sequential runs; one job taken over from a killed worker", srv.Name(), len(jobs), events)
			if i == 0 {
				checkParquetJobs(t, srv.URL(), []string{need(t, "multi.pcap"), need(t, "relay.pcap"), split})
			}
		})
	}
}
