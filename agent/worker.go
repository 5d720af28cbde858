package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultWorkers is the durable consumer every `rtmpscope work` shares:
// each job goes to one of them.
const DefaultWorkers = "rtmpscope-work"

// Defaults of WorkOptions.
const (
	DefaultAckWait    = time.Minute
	DefaultMaxDeliver = 5
)

// WorkOptions configure a worker.
type WorkOptions struct {
	// Stream is the job stream (DefaultJobStream when "").
	Stream string
	// Durable is the shared consumer (DefaultWorkers when "").
	Durable string
	// AckWait is how long a job may go without news from its worker
	// before JetStream gives it to another (DefaultAckWait when 0). A
	// worker that is alive says "in progress" every AckWait/3, so a long
	// job is not given away; a killed one stops saying it.
	AckWait time.Duration
	// MaxDeliver is how many times a failing job is tried before it is
	// given up (DefaultMaxDeliver when 0).
	MaxDeliver int
	// UntilEmpty stops the worker once no job is waiting and none is being
	// worked on by anyone (a killed worker's job counts until it is given
	// to another); otherwise it runs until ctx ends.
	UntilEmpty bool
	// Log, when set, is told of each job taken, done, failed or given up.
	Log func(format string, a ...any)
}

// WorkStats counts what a worker did.
type WorkStats struct {
	Done        uint64 // jobs processed and acknowledged
	Failed      uint64 // jobs that failed (tried again later, or given up)
	GivenUp     uint64 // jobs terminated: unparseable, or out of tries
	Redelivered uint64 // jobs taken that an earlier worker had not finished
}

// Process does one job; its output must appear atomically (AtomicFile),
// because a job may be done twice (its first worker was killed after
// writing, before its ack).
type Process func(ctx context.Context, j Job) error

// Work takes jobs one at a time from the work queue and processes them
// until ctx ends (or, with UntilEmpty, until there is nothing left).
func Work(ctx context.Context, js jetstream.JetStream, o WorkOptions, process Process) (WorkStats, error) {
	var st WorkStats
	if o.Stream == "" {
		o.Stream = DefaultJobStream
	}
	if o.Durable == "" {
		o.Durable = DefaultWorkers
	}
	if o.AckWait <= 0 {
		o.AckWait = DefaultAckWait
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = DefaultMaxDeliver
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			o.Log(format, a...)
		}
	}
	if _, err := EnsureJobStream(ctx, js, o.Stream); err != nil {
		return st, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, o.Stream, jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "rtmpscope work",
		FilterSubject: JobSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    o.MaxDeliver,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return st, fmt.Errorf("consumer %s on %s: %w", o.Durable, o.Stream, err)
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			if !pause(ctx, logf, "fetch", err) {
				break
			}
			continue
		}
		var msg jetstream.Msg
		for m := range batch.Messages() {
			msg = m
		}
		if msg == nil {
			if o.UntilEmpty {
				info, err := cons.Info(ctx)
				if err != nil {
					if !pause(ctx, logf, "consumer info", err) {
						break
					}
					continue
				}
				if info.NumPending == 0 && info.NumAckPending == 0 {
					break
				}
			}
			continue
		}
		runOne(ctx, msg, o, process, &st, logf)
	}
	return st, nil
}

// runOne processes one delivered job, saying "in progress" while it runs.
func runOne(ctx context.Context, msg jetstream.Msg, o WorkOptions, process Process, st *WorkStats, logf func(string, ...any)) {
	meta, err := msg.Metadata()
	if err != nil {
		logf("job without metadata: %v", err)
		msg.Term()
		st.GivenUp++
		return
	}
	job, err := ParseJob(msg.Data())
	if err != nil {
		logf("stream sequence %d: %v; dropping it", meta.Sequence.Stream, err)
		msg.TermWithReason(err.Error())
		st.GivenUp++
		return
	}
	if meta.NumDelivered > 1 {
		st.Redelivered++
		logf("job %s: delivery %d (an earlier worker did not finish it)", job.Name, meta.NumDelivered)
	}
	logf("job %s: %d file(s), %s", job.Name, len(job.Files), job.Files[0])
	hbDone := make(chan struct{})
	hbStopped := make(chan struct{})
	go func() {
		defer close(hbStopped)
		t := time.NewTicker(o.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-hbDone:
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	err = process(ctx, job)
	close(hbDone)
	<-hbStopped
	switch {
	case err == nil:
		actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if aerr := msg.DoubleAck(actx); aerr != nil {
			// The job comes again; its output is already in place, and
			// writing it again is harmless.
			logf("job %s: done, but the ack failed: %v", job.Name, aerr)
		} else {
			logf("job %s: done", job.Name)
		}
		cancel()
		st.Done++
	case ctx.Err() != nil:
		// Stopped: hand it back at once.
		msg.Nak()
	case int(meta.NumDelivered) >= o.MaxDeliver:
		logf("job %s: %v; giving up after %d tries", job.Name, err, meta.NumDelivered)
		msg.TermWithReason(err.Error())
		st.Failed++
		st.GivenUp++
	default:
		logf("job %s: %v; it will be tried again", job.Name, err)
		msg.NakWithDelay(o.AckWait / 2)
		st.Failed++
	}
}

func pause(ctx context.Context, logf func(string, ...any), what string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	logf("%s: %v; trying again", what, err)
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Second):
		return true
	}
}

// AtomicFile is an output file that appears whole or not at all: it is
// written under a temporary name in the same directory and renamed into
// place by Commit. A worker killed before Commit leaves only a hidden
// ".NAME.tmp-*" file, which a later run of the same job does not touch.
type AtomicFile struct {
	*os.File
	name string
}

// CreateAtomic starts writing name.
func CreateAtomic(name string) (*AtomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return nil, err
	}
	// CreateTemp makes the file private; an output is for others to read.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &AtomicFile{File: f, name: name}, nil
}

// Commit syncs the file and renames it into place.
func (a *AtomicFile) Commit() error {
	err := a.Sync()
	if e := a.File.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(a.File.Name(), a.name)
	}
	if err != nil {
		os.Remove(a.File.Name())
		return fmt.Errorf("%s: %w", a.name, err)
	}
	return nil
}

// Abort removes the temporary file.
func (a *AtomicFile) Abort() {
	a.File.Close()
	os.Remove(a.File.Name())
}
