package agent

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

// TestWorkHeartbeat: a job that runs for several ack waits stays with its
// worker (in-progress heartbeats), while a second worker that would take a
// redelivered job takes none; every job is done exactly once.
func TestWorkHeartbeat(t *testing.T) {
	t.Parallel()
	srv := natstest.Embedded(t)
	nc := connect(t, srv.URL())
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	pcaps, _ := filepath.Abs(capturetest.Pcaps())
	seqs, err := capture.GroupFiles([]string{filepath.Join(pcaps, "wild", "rotated", "multi"), filepath.Join(pcaps, "publish.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []Job
	for _, s := range seqs {
		jobs = append(jobs, Job{Name: JobName(s.Pattern, s.Names()), Files: s.Names(), Out: t.TempDir(), Format: "ndjson"})
	}
	if n, err := Enqueue(context.Background(), js, "", jobs); err != nil || n != len(jobs) {
		t.Fatalf("enqueued %d of %d: %v", n, len(jobs), err)
	}
	if n, err := Enqueue(context.Background(), js, "", jobs); err != nil || n != 0 {
		t.Fatalf("enqueued again: %d new, %v", n, err)
	}

	const ackWait = 3 * time.Second
	var mu sync.Mutex
	done := map[string]int{}
	var slowStarted atomic.Bool
	started := make(chan struct{})
	// The first worker's first job takes more than two ack waits.
	process := func(ctx context.Context, j Job) error {
		if slowStarted.CompareAndSwap(false, true) {
			close(started)
			time.Sleep(ackWait*2 + ackWait/2)
		}
		mu.Lock()
		done[j.Name]++
		mu.Unlock()
		return nil
	}
	opts := WorkOptions{AckWait: ackWait, UntilEmpty: true}
	var wg sync.WaitGroup
	var stats [2]WorkStats
	wg.Add(1)
	go func() {
		defer wg.Done()
		stats[0], _ = Work(context.Background(), js, opts, process)
	}()
	<-started
	wg.Add(1)
	go func() {
		defer wg.Done()
		stats[1], _ = Work(context.Background(), js, opts, process)
	}()
	wg.Wait()
	for _, j := range jobs {
		if done[j.Name] != 1 {
			t.Errorf("job %s done %d times", j.Name, done[j.Name])
		}
	}
	if r := stats[0].Redelivered + stats[1].Redelivered; r != 0 {
		t.Errorf("%d jobs redelivered while their worker was alive", r)
	}
	if stats[0].Done+stats[1].Done != uint64(len(jobs)) {
		t.Errorf("done %d + %d of %d", stats[0].Done, stats[1].Done, len(jobs))
	}
}
