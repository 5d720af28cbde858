package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/agent"
	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/parquet"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const queueUsage = `Usage: rtmpscope queue [flags] -o DIR INPUT...

Puts archived captures on a work queue in NATS JetStream, for any number of
'rtmpscope work' processes to take. INPUT is capture files, directories and
globs; their files are sorted into sequences, each the rotated files of one
capture point in time order (tcpdump -C/-G, dumpcap -b), and each sequence
is one job: a sequence is never split, because its connections run from file
to file. Each job is listed on standard output: its name, then its files in
reading order, separated by tabs. Workers write each job's events to
DIR/<job>.ndjson, or with -T parquet to DIR/kind=<kind>/<job>-<n>.parquet.
Every worker must see the files and DIR at the same paths (a shared file
system).

Queueing the same sequences again within the stream's duplicate window
(2 minutes by default) adds no job.

Examples:
  rtmpscope queue --nats nats://broker:4222 -o /srv/out /srv/captures/2026-12-*
  rtmpscope queue -o out testdata/pcaps

Flags:
`

func runQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("queue", pflag.ContinueOnError)
	url := fs.String("nats", natsURLDefault(), "NATS `URL` ($NATS_URL by default)")
	out := fs.StringP("output", "o", "", "`DIR` the workers write each job's output to")
	stream := fs.String("stream", agent.DefaultJobStream, "JetStream `STREAM` of the jobs (made when absent, work-queue retention)")
	format := fs.StringP("format", "T", "ndjson", "`FORMAT` the workers write: ndjson (OUT/<job>.ndjson) or parquet (OUT/kind=<kind>/<job>-<n>.parquet)")
	var nf natsFlags
	nf.register(fs)
	if err := parseFlagsArgs(fs, args, queueUsage, stdout, stderr); err != nil {
		return err
	}
	if *out == "" {
		return usagef("give -o DIR: where the workers write their output")
	}
	if fs.NArg() == 0 {
		return usagef("give the captures to queue (files, directories, globs)")
	}
	if *format != "ndjson" && *format != "parquet" {
		return usagef("-T %s: workers write ndjson or parquet", *format)
	}
	outDir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	seqs, err := capture.GroupFiles(fs.Args())
	if err != nil {
		return err
	}
	jobs := make([]agent.Job, 0, len(seqs))
	for _, s := range seqs {
		files := s.Names()
		for i, f := range files {
			if files[i], err = filepath.Abs(f); err != nil {
				return err
			}
		}
		jobs = append(jobs, agent.Job{Name: agent.JobName(s.Pattern, files), Files: files, Out: outDir, Format: *format})
	}
	nc, js, err := nf.jetStream(*url, "rtmpscope queue", stderr)
	if err != nil {
		return err
	}
	defer nc.Close()
	added, err := agent.Enqueue(ctx, js, *stream, jobs)
	if err != nil {
		return err
	}
	nfiles := 0
	for _, j := range jobs {
		nfiles += len(j.Files)
		fmt.Fprintf(stdout, "%s\t%s\n", j.Name, strings.Join(j.Files, "\t"))
	}
	fmt.Fprintf(stderr, "%d %s of %d files queued on %s (%d new), output to %s\n", len(jobs), plural(uint64(len(jobs)), "job"), nfiles, *stream, added, outDir)
	return nil
}

const workUsage = `Usage: rtmpscope work [flags]

Takes jobs that 'rtmpscope queue' put on the work queue, one at a time, and
writes each job's events (what -T ndjson or -T parquet writes for its
capture sequence) to OUT/<job>.ndjson or OUT/kind=<kind>/<job>-<n>.parquet,
atomically: a file appears whole, under a temporary name until then, so a
job done twice (its worker was killed before it acknowledged) does no harm.
Run as many workers, on as many machines, as you like. A worker says "in
progress" while a long job runs; one that dies stops saying it and its job
goes to another worker after --ack-wait.

Examples:
  rtmpscope work --nats nats://broker:4222
  rtmpscope work --until-empty

Flags:
`

func runWork(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("work", pflag.ContinueOnError)
	url := fs.String("nats", natsURLDefault(), "NATS `URL` ($NATS_URL by default)")
	stream := fs.String("stream", agent.DefaultJobStream, "JetStream `STREAM` of the jobs")
	ackWait := fs.Duration("ack-wait", agent.DefaultAckWait, "give a job to another worker when its worker has not been heard of for `DURATION`")
	maxDeliver := fs.Int("max-deliver", agent.DefaultMaxDeliver, "give a failing job up after `N` tries")
	untilEmpty := fs.Bool("until-empty", false, "stop once no job is waiting or being worked on")
	// Tests kill a worker in the middle of a job: it holds a finished
	// job's output under its temporary name until it is killed.
	hold := fs.Bool("hold-before-commit", false, "")
	fs.MarkHidden("hold-before-commit")
	// The flags of -r that change what is read, for every job alike:
	// more RTMP ports, and the keys of the encrypted variants (files on
	// the worker's machine).
	var keys inputFlags
	fs.UintSliceVar(&keys.portArg, "port", nil, "more TCP `PORT`s on which to expect RTMP besides 1935")
	fs.StringVar(&keys.tlsKeylog, "tls-keylog", "", "decrypt RTMPS/RTMPTS with the NSS key log `FILE`")
	fs.StringVar(&keys.tlsKey, "tls-key", "", "decrypt TLS 1.2 RSA key exchange with the server's PEM private key `FILE`")
	fs.StringVar(&keys.rtmpeKeys, "rtmpe-keys", "", "decrypt RTMPE/RTMPTE with the keys in `FILE`")
	fs.StringVar(&keys.rtmfpKeys, "rtmfp-keys", "", "decrypt RTMFP sessions with the keys in `FILE`")
	var nf natsFlags
	nf.register(fs)
	if err := parseFlags(fs, args, workUsage, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("work takes no arguments (got %q)", fs.Arg(0))
	}
	if *ackWait < 3*time.Second {
		return usagef("--ack-wait %v: give at least 3s", *ackWait)
	}
	nc, js, err := nf.jetStream(*url, "rtmpscope work", stderr)
	if err != nil {
		return err
	}
	defer nc.Close()
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "rtmpscope: work: "+format+"\n", a...) }
	st, err := agent.Work(ctx, js, agent.WorkOptions{
		Stream: *stream, AckWait: *ackWait, MaxDeliver: *maxDeliver, UntilEmpty: *untilEmpty, Log: logf,
	}, func(ctx context.Context, j agent.Job) error {
		return processJob(ctx, j, &keys, *hold, logf)
	})
	fmt.Fprintf(stderr, "%d %s done, %d failed, %d given up, %d taken over from another worker\n",
		st.Done, plural(st.Done, "job"), st.Failed, st.GivenUp, st.Redelivered)
	return err
}

// processJob reads a job's capture sequence as one capture, as
// 'rtmpscope -r FILE... -T FORMAT' does, into its output.
func processJob(ctx context.Context, j agent.Job, keys *inputFlags, hold bool, logf func(string, ...any)) error {
	in := inputFlags{reads: j.Files, snaplen: 262144, portArg: keys.portArg,
		tlsKeylog: keys.tlsKeylog, tlsKey: keys.tlsKey, rtmpeKeys: keys.rtmpeKeys, rtmfpKeys: keys.rtmfpKeys}
	if err := in.check(); err != nil {
		return err
	}
	src, err := openInput(&in)
	if err != nil {
		return err
	}
	p := newPipeline(src, &in, pipeline.Config{AsyncSinks: true, Dissect: noChunkList})
	out, err := newJobOutput(j, &in, p)
	if err != nil {
		src.close()
		return err
	}
	sum, runErr := p.Run(ctx, src.src, out.sink)
	src.flushCounts()
	if err := src.close(); runErr == nil {
		runErr = err
	}
	if runErr != nil && !errors.Is(runErr, capture.ErrTruncated) {
		out.abort()
		return runErr
	}
	if runErr != nil {
		// A cut file is what it is: trying again reads the same. What
		// could be read is kept, as -r does, and the cut is told.
		logf("job %s: %v (what could be read is in %s)", j.Name, runErr, out.where)
	}
	if hold {
		logf("job %s: holding before commit", j.Name)
		<-ctx.Done()
		out.abort()
		return ctx.Err()
	}
	if err := out.commit(); err != nil {
		return err
	}
	logf("job %s: %d %s, %d %s -> %s", j.Name, sum.Capture.Packets, plural(sum.Capture.Packets, "packet"),
		sum.Router.Flows, plural(sum.Router.Flows, "flow"), out.where)
	return nil
}

// jobOutput is where a job's events go, made visible by commit.
type jobOutput struct {
	sink   pipeline.Sink
	commit func() error
	abort  func()
	where  string
}

// newJobOutput opens a job's output:
//
//   - ndjson: OUT/<job>.ndjson, written under a hidden temporary name and
//     renamed into place by commit;
//   - parquet: OUT/kind=<kind>/<job>-<n>.parquet, the rows -T parquet
//     writes (with per-stream statistics); each file is written under a
//     hidden name and renamed when the pipeline closes it, and its name
//     depends only on the job, so a job done twice writes the same files
//     again, whole.
func newJobOutput(j agent.Job, in *inputFlags, p *pipeline.Pipeline) (*jobOutput, error) {
	switch j.Format {
	case "ndjson":
		name := filepath.Join(j.Out, j.Name+".ndjson")
		af, err := agent.CreateAtomic(name)
		if err != nil {
			return nil, err
		}
		return &jobOutput{sink: newjsonSink(af, false, ndjsonOptions(export.EventOptions{})), commit: af.Commit, abort: af.Abort, where: name}, nil
	case "parquet":
		tr := p.Tracker()
		// As -T parquet: the source column is the first file's name.
		w, err := parquet.NewWriter(j.Out, parquet.Options{
			Source: filepath.Base(in.read), Stats: true, Prefix: j.Name, State: tr.StateByName,
		})
		if err != nil {
			return nil, err
		}
		return &jobOutput{sink: w, commit: func() error { return nil }, abort: func() {}, where: filepath.Join(j.Out, "kind=*", j.Name+"-*.parquet")}, nil
	}
	return nil, fmt.Errorf("job %s: format %q: this worker writes ndjson or parquet", j.Name, j.Format)
}
