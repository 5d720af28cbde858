package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLiveUnreadAccounted: packets the kernel received for a live capture
// but that it never read — here because -c stopped it while 300 datagrams
// waited in its ring — are counted in the closing summary and in a
// capture.live_loss diagnostic (conn c0) on the NDJSON output. rtmpscope
// is stopped (SIGSTOP) while the datagrams arrive, so they are all queued
// before it reads the first one.
func TestLiveUnreadAccounted(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("waitRunning reads amd64 syscall numbers")
	}
	ns := newLiveNamespace(t)
	cmd := ns.command(binPath, "-i", "lo", "-c", "5", "-T", "ndjson", "-f", "udp port 9")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitRunning(t, cmd.Process.Pid)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGSTOP)
	burst := ns.command("bash", "-c", `for i in $(seq 300); do echo "datagram $i" > /dev/udp/127.0.0.1/9; done`)
	if b, err := burst.CombinedOutput(); err != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
		t.Fatalf("sending datagrams: %v %s", err, b)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("rtmpscope: %v\n%s", err, errOut.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("rtmpscope -c 5 did not stop\n%s", errOut.String())
	}
	m := regexp.MustCompile(`(\d+) packets received by the kernel, (\d+) dropped \(the capture could not keep up\), (\d+) still queued when the capture stopped: (\d+) not analyzed`).FindStringSubmatch(errOut.String())
	if m == nil {
		t.Fatalf("summary does not account for the kernel's packets:\n%s", errOut.String())
	}
	n := func(i int) uint64 { v, _ := strconv.ParseUint(m[i], 10, 64); return v }
	if n(1) < 300 || n(3) < 300-5 || n(1) != n(2)+n(3)+5 {
		t.Errorf("received %d, dropped %d, unread %d: want 300 received, all but the 5 read unread", n(1), n(2), n(3))
	}
	var diag struct {
		Kind, Conn, Code, Text string
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &diag); err != nil {
		t.Fatal(err)
	}
	if diag.Kind != "diagnostic" || diag.Conn != "c0" || diag.Code != "capture.live_loss" ||
		!strings.Contains(diag.Text, fmt.Sprintf("%d still queued", n(3))) {
		t.Errorf("last NDJSON line %s, want the capture.live_loss diagnostic", lines[len(lines)-1])
	}
}

// waitRunning waits until rtmpscope (pid) waits for packets in poll(2) on
// its packet socket: its ring is set up, its counters cleared and its
// filter attached, so from then on the kernel queues and counts packets
// for it. (The socket is "running" in /proc/net/packet earlier, while it
// is still being set up.) Go's own netpoller uses epoll, not (p)poll.
func waitRunning(t *testing.T, pid int) {
	t.Helper()
	// poll and ppoll on amd64 (x/sys/unix.Poll is ppoll); other
	// architectures: the test skips.
	const sysPoll, sysPpoll = "7 ", "271 "
	deadline := time.Now().Add(15 * time.Second)
	for {
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		for _, task := range tasks {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/syscall", pid, task.Name()))
			if strings.HasPrefix(string(b), sysPoll) || strings.HasPrefix(string(b), sysPpoll) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rtmpscope did not start waiting for packets")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
