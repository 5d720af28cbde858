package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLiveOutputAsItHappens publishes with ffmpeg to nginx-rtmp on the
// loopback of a network namespace of its own, while rtmpscope captures
// there, and reads rtmpscope's output as it comes (stdout is a pipe, no
// -l: live output goes out line by line anyway):
//
//   - the connect line arrives while the publisher is still sending;
//   - the close of the connection ffmpeg resets (RST) arrives soon after
//     ffmpeg exits, not after the 10-minute idle timeout;
//   - stats -i prints a table of the open stream every --interval while the
//     publish runs.
//
// Deadlines are generous (the publish lasts seconds; the idle timeout is
// minutes): the checks are "before the publisher exits", "long before the
// idle timeout".
func TestLiveOutputAsItHappens(t *testing.T) {
	ns := newLiveNamespace(t)
	dir := t.TempDir()
	ns.startNginx(t, dir)

	msgs := ns.startScope(t, "msgs", binPath, "-i", "lo", "--no-tui", "-f", "tcp port 1935")
	stats := ns.startScope(t, "stats", binPath, "stats", "-i", "lo", "--interval", "1s", "-f", "tcp port 1935")
	ns.waitCapturing(t, 2)

	// ffmpeg publishes 5 s of video and audio in real time (-re).
	ff := ns.command("ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
		"-f", "flv", "rtmp://127.0.0.1:1935/live/livetest")
	ffOut, _ := os.Create(filepath.Join(dir, "ffmpeg.log"))
	ff.Stdout, ff.Stderr = ffOut, ffOut
	if err := ff.Start(); err != nil {
		t.Fatal(err)
	}
	ffDone := make(chan error, 1)
	go func() { ffDone <- ff.Wait() }()

	var ffExit time.Time
	select {
	case l := <-msgs.wait("connect#1"):
		t.Logf("connect line: %s", strings.TrimSpace(l.text))
	case err := <-ffDone:
		b, _ := os.ReadFile(filepath.Join(dir, "ffmpeg.log"))
		t.Fatalf("ffmpeg exited (%v) before rtmpscope printed the connect line\nffmpeg: %s\nrtmpscope so far:\n%s", err, b, msgs.all())
	}
	select {
	case l := <-stats.wait("publish msid 1"):
		t.Logf("stats table at: %s", strings.TrimSpace(l.text))
	case err := <-ffDone:
		t.Fatalf("ffmpeg exited (%v) before stats -i printed an interval table\nstats so far:\n%s", err, stats.all())
	}
	if err := <-ffDone; err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "ffmpeg.log"))
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	ffExit = time.Now()
	select {
	case l := <-msgs.wait("closed:"):
		t.Logf("close line %.1fs after ffmpeg exited: %s", l.at.Sub(ffExit).Seconds(), strings.TrimSpace(l.text))
		if !strings.Contains(l.text, "rst") && !strings.Contains(l.text, "fin") {
			t.Errorf("close line does not say how the connection ended: %s", l.text)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("no close line 20 s after ffmpeg exited (a reset connection must close at once, not after the idle timeout)\nrtmpscope so far:\n%s", msgs.all())
	}
	// Ctrl-C ends the capture with the summary.
	for _, s := range []*scopeProc{msgs, stats} {
		s.cmd.Process.Signal(os.Interrupt)
		if err := s.cmd.Wait(); err != nil {
			t.Errorf("%s: %v\n%s", s.name, err, s.stderr.String())
		}
		if !strings.Contains(s.stderr.String(), "packets received by the kernel") {
			t.Errorf("%s: no summary after Ctrl-C: %q", s.name, s.stderr.String())
		}
	}
}

// liveNamespace is a network namespace whose only interface is lo, held
// open by a sleeping process; commands join it with nsenter.
type liveNamespace struct {
	holder *exec.Cmd
	pid    int
}

func newLiveNamespace(t *testing.T) *liveNamespace {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (a network namespace and a packet socket)")
	}
	for _, tool := range []string{"unshare", "nsenter", "nginx", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	if _, err := os.Stat("/usr/lib/nginx/modules/ngx_rtmp_module.so"); err != nil {
		t.Skip("nginx RTMP module (libnginx-mod-rtmp) not installed")
	}
	holder := exec.Command("unshare", "-n", "sleep", "300")
	if err := holder.Start(); err != nil {
		t.Skipf("unshare -n: %v", err)
	}
	ns := &liveNamespace{holder: holder, pid: holder.Process.Pid}
	t.Cleanup(func() {
		holder.Process.Kill()
		holder.Wait()
	})
	// The namespace exists once the holder has left ours.
	deadline := time.Now().Add(10 * time.Second)
	self, _ := os.Readlink("/proc/self/ns/net")
	for {
		other, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", ns.pid))
		if err == nil && other != self {
			break
		}
		if time.Now().After(deadline) {
			t.Skip("unshare -n did not create a network namespace")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := ns.command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Skipf("ip link set lo up: %v %s", err, out)
	}
	return ns
}

func (ns *liveNamespace) command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"-t", fmt.Sprint(ns.pid), "-n", "--", name}, args...)...)
}

// startNginx runs nginx-rtmp with the captures' configuration, reduced to
// the main server, and waits until it listens.
func (ns *liveNamespace) startNginx(t *testing.T, dir string) {
	t.Helper()
	conf := fmt.Sprintf(`load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log info;
events { worker_connections 64; }
rtmp {
    server {
        listen 127.0.0.1:1935;
        chunk_size 4096;
        application live { live on; }
    }
}
`, dir)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := ns.command("nginx", "-c", path, "-p", dir, "-e", filepath.Join(dir, "nginx-error.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := ns.command("ss", "-ltn").Output()
		if strings.Contains(string(out), "127.0.0.1:1935") {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log"))
			t.Fatalf("nginx does not listen on 127.0.0.1:1935\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitCapturing waits until n packet sockets are open in the namespace:
// the rtmpscope processes are capturing.
func (ns *liveNamespace) waitCapturing(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, _ := ns.command("cat", "/proc/net/packet").Output()
		if lines := strings.Count(strings.TrimSpace(string(out)), "\n"); lines >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rtmpscope did not open its packet sockets: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scopeProc is a running rtmpscope whose stdout lines are collected with
// the time each arrived.
type scopeProc struct {
	name   string
	cmd    *exec.Cmd
	stderr strings.Builder
	mu     sync.Mutex
	lines  []liveLine
	cond   *sync.Cond
	done   bool
}

type liveLine struct {
	text string
	at   time.Time
}

func (ns *liveNamespace) startScope(t *testing.T, name string, bin string, args ...string) *scopeProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", fmt.Sprint(ns.pid), "-n", "--", bin}, args...)...)
	p := &scopeProc{name: name, cmd: cmd}
	p.cond = sync.NewCond(&p.mu)
	cmd.Stderr = &p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, liveLine{sc.Text(), time.Now()})
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		p.mu.Lock()
		p.done = true
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	return p
}

// wait returns a channel that receives the first line containing s (and
// is never sent to if the output ends without one).
func (p *scopeProc) wait(s string) <-chan liveLine {
	ch := make(chan liveLine, 1)
	go func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i := 0; ; {
			for ; i < len(p.lines); i++ {
				if strings.Contains(p.lines[i].text, s) {
					ch <- p.lines[i]
					return
				}
			}
			if p.done {
				return
			}
			p.cond.Wait()
		}
	}()
	return ch
}

func (p *scopeProc) all() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.lines {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}
