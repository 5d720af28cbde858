package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPublishLive: an agent captures live (-i lo) in a network namespace
// of its own while ffmpeg publishes to nginx-rtmp there, writes -T ndjson
// to a file and publishes to Debian's nats-server in the same namespace;
// after Ctrl-C, collect stores exactly the bytes the agent wrote locally.
func TestPublishLive(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("nats-server"); err != nil {
		t.Skip("nats-server binary not installed (apt-get install nats-server)")
	}
	ns := newLiveNamespace(t)
	dir := t.TempDir()
	ns.startNginx(t, dir)
	nats := ns.command("nats-server", "-a", "127.0.0.1", "-p", "4222", "-js", "-sd", filepath.Join(dir, "js"))
	natsLog, _ := os.Create(filepath.Join(dir, "nats.log"))
	nats.Stdout, nats.Stderr = natsLog, natsLog
	if err := nats.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nats.Process.Kill()
		nats.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := ns.command("ss", "-ltn").Output()
		if strings.Contains(string(out), "127.0.0.1:4222") {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "nats.log"))
			t.Fatalf("nats-server does not listen\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}

	agent := ns.startScope(t, "agent", binPath, "-i", "lo", "-f", "tcp port 1935", "-T", "ndjson",
		"--publish", "nats://127.0.0.1:4222", "--publish-host", "live-1")
	ns.waitCapturing(t, 1)
	ff := ns.command("ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
		"-f", "flv", "rtmp://127.0.0.1:1935/live/agenttest")
	if out, err := ff.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	// The connection's close event is the last one; then stop the agent.
	select {
	case <-agent.wait(`"state":"closed"`):
	case <-time.After(time.Minute):
		t.Fatalf("no conn-closed event\n%s", agent.all())
	}
	agent.cmd.Process.Signal(os.Interrupt)
	if err := agent.cmd.Wait(); err != nil {
		t.Fatalf("agent: %v\n%s", err, agent.stderr.String())
	}
	if !strings.Contains(agent.stderr.String(), "events published to rtmpscope.live-1.*") {
		t.Errorf("agent summary: %s", agent.stderr.String())
	}
	local := agent.all()
	if !strings.Contains(local, `"name":"publish"`) || strings.Contains(local, "agenttest") {
		t.Fatalf("local output lacks the publish command, or shows the stream key:\n%.2000s", local)
	}

	store := filepath.Join(dir, "store")
	collect := ns.command(binPath, "collect", "--nats", "nats://127.0.0.1:4222", "--until-empty", "-o", store)
	if out, err := collect.CombinedOutput(); err != nil {
		t.Fatalf("collect: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(store, "host=live-1", "events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte(local)) {
		t.Errorf("collected %d lines, the agent wrote %d: not the same bytes", len(lines(got)), len(lines([]byte(local))))
	}
	t.Logf("%d events captured live, published and collected", len(lines(got)))
}
