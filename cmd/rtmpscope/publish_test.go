package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	pq "github.com/parquet-go/parquet-go"

	"github.com/rtmpscope/rtmpscope/export/parquet"
	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

// These tests run rtmpscope processes against a real NATS server with
// JetStream: the server code embedded in the test, and Debian's
// nats-server binary when it is installed.

// proc is a running rtmpscope whose stderr can be watched.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// start runs rtmpscope with args in the background.
func start(t *testing.T, stdin io.Reader, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binPath, args...)}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = stdin, &p.stdout, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// wait waits for the process and fails the test unless it exits 0.
func (p *proc) wait(t *testing.T) {
	t.Helper()
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("rtmpscope %s: %v\n%s", strings.Join(p.cmd.Args[1:], " "), err, p.errText())
	}
}

// waitFor polls until cond holds; the test's own timeout is the limit
// (nothing here asserts how long anything takes).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// localNDJSON is what -T ndjson writes for a capture: the reference.
func localNDJSON(t *testing.T, args ...string) []byte {
	t.Helper()
	out, errOut, code := rtmpscope(t, append(args, "-T", "ndjson")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return []byte(out)
}

// isMediaLine says whether an NDJSON event is an audio, video or
// aggregate message: what a full publish queue drops first.
func isMediaLine(t *testing.T, line string) bool {
	var e struct {
		Kind     string `json:"kind"`
		TypeName string `json:"type_name"`
	}
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	return e.Kind == "message" && (e.TypeName == "Audio Data" || e.TypeName == "Video Data" || e.TypeName == "Aggregate")
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestPublishTwoHostsCollect: two agents publish committed captures at
// the same time under two host names; collect stores each host's events
// byte for byte as a local -T ndjson run writes them, nothing lost; a
// second collect finds nothing new and leaves the store as it is.
func TestPublishTwoHostsCollect(t *testing.T) {
	t.Parallel()
	a, b := need(t, "publish.pcap"), need(t, "multi.pcap")
	wantA, wantB := localNDJSON(t, "-r", a), localNDJSON(t, "-r", b)
	for _, kind := range natstest.Kinds(t) {
		srv := kind(t)
		t.Run(srv.Name(), func(t *testing.T) {
			pa := start(t, nil, "-r", a, "-q", "--publish", srv.URL(), "--publish-host", "ingest-a")
			pb := start(t, nil, "-r", b, "-q", "--publish", srv.URL(), "--publish-host", "ingest-b")
			pa.wait(t)
			pb.wait(t)
			for _, p := range []*proc{pa, pb} {
				if !strings.Contains(p.errText(), "events published to rtmpscope.ingest-") || strings.Contains(p.errText(), "dropped") {
					t.Errorf("publisher summary: %s", p.errText())
				}
			}
			dir := t.TempDir()
			out, errOut, code := rtmpscope(t, "collect", "--nats", srv.URL(), "--until-empty", "-o", dir)
			if code != 0 {
				t.Fatalf("collect: exit %d: %s", code, errOut)
			}
			want := fmt.Sprintf("%d events collected from 2 hosts (ingest-a: %d, ingest-b: %d)", len(lines(wantA))+len(lines(wantB)), len(lines(wantA)), len(lines(wantB)))
			if !strings.Contains(errOut, want) || out != "" {
				t.Errorf("collect said %q, want %q", errOut, want)
			}
			for host, want := range map[string][]byte{"ingest-a": wantA, "ingest-b": wantB} {
				got, err := os.ReadFile(filepath.Join(dir, "host="+host, "events.ndjson"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("host %s: collected %d lines, local run %d; not the same bytes", host, len(lines(got)), len(lines(want)))
				}
			}
			checkParquetCollect(t, srv.URL(), map[string][]byte{"ingest-a": wantA, "ingest-b": wantB})
			_, errOut, code = rtmpscope(t, "collect", "--nats", srv.URL(), "--until-empty", "-o", dir)
			if code != 0 || !strings.Contains(errOut, "0 events collected") {
				t.Errorf("second collect: exit %d: %s", code, errOut)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "host=ingest-a", "events.ndjson")); !bytes.Equal(got, wantA) {
				t.Errorf("second collect changed the store")
			}
		})
	}
}

// checkParquetCollect collects the same events as Parquet (a second
// durable consumer) and reads the files back with parquet-go's reader:
// each host and kind has as many rows as the local run has events, and
// the source column is the host.
func checkParquetCollect(t *testing.T, url string, want map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	if _, errOut, code := rtmpscope(t, "collect", "--nats", url, "--durable", "pq", "-T", "parquet", "-o", dir, "--until-empty"); code != 0 {
		t.Fatalf("collect -T parquet: %s", errOut)
	}
	for host, nd := range want {
		kinds := map[string]int64{}
		for _, l := range lines(nd) {
			var e struct{ Kind string }
			json.Unmarshal([]byte(l), &e)
			kinds[e.Kind]++
		}
		for kind, n := range kinds {
			if rows := countRows(t, filepath.Join(dir, "host="+host, "kind="+kind, "*.parquet")); rows != n {
				t.Errorf("host %s kind %s: %d Parquet rows, %d events in the local run", host, kind, rows, n)
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "host="+host, "kind=conn", "*.parquet"))
		for _, f := range files {
			conns, err := pq.ReadFile[parquet.ConnRow](f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range conns {
				if c.Source != host {
					t.Errorf("%s: source %q, want %q", f, c.Source, host)
				}
			}
		}
	}
}

// pcapPrefix splits a classic pcap file after n of its packets.
func pcapPrefix(t *testing.T, data []byte, n int) (head, rest []byte) {
	t.Helper()
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		t.Fatalf("not a classic pcap")
	}
	off := 24
	for i := 0; i < n && off < len(data); i++ {
		off += 16 + int(bo.Uint32(data[off+8:]))
	}
	return data[:off], data[off:]
}

// streamCount is how many events the broker holds from host.
func streamCount(url, host string) uint64 {
	nc, err := nats.Connect(url)
	if err != nil {
		return 0
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0
	}
	s, err := js.Stream(context.Background(), "RTMPSCOPE")
	if err != nil {
		return 0
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter("rtmpscope."+host+".>"))
	if err != nil {
		return 0
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}

// TestPublishBrokerRestart: an agent reads a committed capture from a
// pipe; two thirds of the way in, the broker stops, the rest of the capture
// is read, and the broker starts again on the same store. Every session
// event reaches the store; audio/video events that did not fit the 64KiB
// queue meanwhile are dropped, and the count in the agent's summary and in
// the agent.dropped event on the stream is exactly what is missing.
func TestPublishBrokerRestart(t *testing.T) {
	t.Parallel()
	path := need(t, "multi.pcap")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	local := lines(localNDJSON(t, "-r", path))
	for _, kind := range natstest.Kinds(t) {
		srv := kind(t)
		t.Run(srv.Name(), func(t *testing.T) {
			// Two thirds first: enough events that the pipeline's batches
			// (pipeline.asyncBatch) reach the publisher before the stop.
			head, rest := pcapPrefix(t, data, 1800)
			pr, pw := io.Pipe()
			p := start(t, pr, "-r", "-", "-q", "--publish", srv.URL(), "--publish-host", "restart", "--publish-queue", "64KiB")
			t.Cleanup(func() { pw.CloseWithError(io.ErrClosedPipe) }) // before the process is killed
			go pw.Write(head)
			waitFor(t, "the first events on the stream", func() bool { return streamCount(srv.URL(), "restart") > 0 })
			srv.Stop()
			go func() {
				pw.Write(rest)
				pw.Close()
			}()
			waitFor(t, "the agent to notice the broker is gone", func() bool {
				e := p.errText()
				return strings.Contains(e, "not acknowledged") || strings.Contains(e, "disconnected")
			})
			srv.Start(t)
			p.wait(t)
			var dropped, other uint64
			if _, err := fmt.Sscanf(p.errText()[strings.Index(p.errText(), "events published"):], "events published to rtmpscope.restart.* (%d sent again after an error), %d audio/video and %d session events dropped", new(int), &dropped, &other); err != nil {
				t.Fatalf("summary %q: %v", p.errText(), err)
			}
			if dropped == 0 || other != 0 {
				t.Fatalf("dropped %d media and %d session events: the queue did not fill, the test proves nothing", dropped, other)
			}
			dir := t.TempDir()
			if _, errOut, code := rtmpscope(t, "collect", "--nats", srv.URL(), "--until-empty", "-o", dir); code != 0 {
				t.Fatalf("collect: %s", errOut)
			}
			got, err := os.ReadFile(filepath.Join(dir, "host=restart", "events.ndjson"))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			var localMedia, localOther int
			for _, l := range local {
				want[l]++
				if isMediaLine(t, l) {
					localMedia++
				} else {
					localOther++
				}
			}
			var gotMedia, gotOther int
			var reported uint64
			for _, l := range lines(got) {
				if strings.Contains(l, `"code":"agent.dropped"`) {
					var d struct{ Text string }
					json.Unmarshal([]byte(l), &d)
					fmt.Sscanf(d.Text, "%d audio/video", &reported)
					continue
				}
				if want[l] == 0 {
					t.Fatalf("event not in the local run, or twice: %s", l)
				}
				want[l]--
				if isMediaLine(t, l) {
					gotMedia++
				} else {
					gotOther++
				}
			}
			if gotOther != localOther {
				t.Errorf("session events: %d stored, %d in the capture", gotOther, localOther)
			}
			// Nothing is lost uncounted. Media given up in flight may still
			// have been stored (the broker took it and its acknowledgement
			// was lost to the stop), so the count of dropped media may exceed
			// what is missing, never fall short of it (docs/deploying.md).
			if missing := uint64(localMedia - gotMedia); missing > dropped {
				t.Errorf("media: %d stored of %d, but only %d counted as dropped: %d lost uncounted", gotMedia, localMedia, dropped, missing-dropped)
			}
			if reported != dropped {
				t.Errorf("agent.dropped on the stream says %d, the summary %d", reported, dropped)
			}
			t.Logf("%s: %d session events all stored, %d of %d media stored, %d dropped and counted", srv.Name(), gotOther, gotMedia, localMedia, dropped)
		})
	}
}
