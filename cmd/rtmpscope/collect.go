package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/agent"
)

const collectUsage = `Usage: rtmpscope collect [flags] [-o DIR]

Reads the events that capture agents ('rtmpscope --publish URL') sent to
NATS JetStream, from every host, with a durable consumer, and writes them
as NDJSON: to standard output, or with -o to DIR/host=<host>/events.ndjson
(one file per host, each line as the agent's -T ndjson wrote it); or with
-T parquet -o DIR as Parquet files, DIR/host=<host>/kind=<kind>/*.parquet
(docs/parquet-schema.md), closed every --parquet-every or --parquet-rows
events. A collector that stops goes on where it left off; with -o every
event is stored exactly once, even when the collector is killed mid-batch.

Examples:
  rtmpscope collect --nats nats://broker:4222 -o /srv/rtmpscope/events
  rtmpscope collect --until-empty | jq -c 'select(.kind=="diagnostic")'
  rtmpscope collect --subject 'rtmpscope.ingest-01.*' -o ingest-01
  rtmpscope collect -T parquet -o /srv/rtmpscope/parquet

Flags:
`

func runCollect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("collect", pflag.ContinueOnError)
	url := fs.String("nats", natsURLDefault(), "NATS `URL` ($NATS_URL by default)")
	out := fs.StringP("output", "o", "", "write to `DIR`/host=<host>/events.ndjson instead of standard output")
	format := fs.StringP("format", "T", "ndjson", "`FORMAT` of the store: ndjson, or parquet (with -o)")
	pqEvery := fs.Duration("parquet-every", agent.DefaultParquetEvery, "close the Parquet files (and acknowledge their events) at least every `DURATION`")
	pqRows := fs.Int("parquet-rows", agent.DefaultParquetRows, "close the Parquet files after `N` events")
	stream := fs.String("stream", agent.DefaultEventStream, "JetStream `STREAM` of the events")
	durable := fs.String("durable", agent.DefaultDurable, "durable consumer `NAME`: one per collector and store (several collectors: each its own name, --subject and -o)")
	subject := fs.String("subject", agent.EventSubjects, "collect only the subjects matching `FILTER`")
	untilEmpty := fs.Bool("until-empty", false, "stop once every event in the stream has been collected")
	// Tests kill a collector between writing and committing.
	crashAfter := fs.Uint64("crash-after", 0, "")
	fs.MarkHidden("crash-after")
	var nf natsFlags
	nf.register(fs)
	if err := parseFlags(fs, args, collectUsage, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("collect takes no arguments (got %q)", fs.Arg(0))
	}
	var st agent.Store
	var pqs *agent.ParquetStore
	switch {
	case *format == "parquet" && *out == "":
		return usagef("-T parquet writes a directory: give -o DIR")
	case *format == "parquet":
		var err error
		if pqs, err = agent.OpenParquetStore(*out, *pqEvery, *pqRows); err != nil {
			return fmt.Errorf("-o %s: %w", *out, err)
		}
		pqs.Log = func(format string, a ...any) { fmt.Fprintf(stderr, "rtmpscope: collect: "+format+"\n", a...) }
		st = pqs
	case *format != "ndjson":
		return usagef("-T %s: collect writes ndjson or parquet", *format)
	case *out != "":
		ds, err := agent.OpenDirStore(*out)
		if err != nil {
			return fmt.Errorf("-o %s: %w", *out, err)
		}
		st = ds
	default:
		st = agent.NewWriterStore(stdout)
	}
	nc, js, err := nf.jetStream(*url, "rtmpscope collect", stderr)
	if err != nil {
		st.Close()
		return err
	}
	defer nc.Close()
	stats, err := agent.Collect(ctx, js, st, agent.CollectOptions{
		Stream: *stream, Durable: *durable, Filter: *subject, UntilEmpty: *untilEmpty, CrashAfter: *crashAfter,
		Log: func(format string, a ...any) { fmt.Fprintf(stderr, "rtmpscope: collect: "+format+"\n", a...) },
	})
	if e := st.Close(); err == nil {
		err = e
	}
	hosts := make([]string, 0, len(stats.ByHost))
	for h := range stats.ByHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	fmt.Fprintf(stderr, "%d events collected from %d %s", stats.Events, len(hosts), plural(uint64(len(hosts)), "host"))
	for i, h := range hosts {
		sep := ", "
		if i == 0 {
			sep = " ("
		}
		fmt.Fprintf(stderr, "%s%s: %d", sep, h, stats.ByHost[h])
	}
	if len(hosts) > 0 {
		fmt.Fprint(stderr, ")")
	}
	if pqs != nil && pqs.Rejected > 0 {
		fmt.Fprintf(stderr, ", %d not stored (no Parquet row for them)", pqs.Rejected)
	}
	if stats.Skipped > 0 {
		fmt.Fprintf(stderr, ", %d delivered again and skipped (already stored)", stats.Skipped)
	}
	fmt.Fprintln(stderr)
	return err
}
