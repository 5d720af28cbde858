package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/agent"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/story"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// natsFlags are how every command that talks to NATS reaches it
// (docs/deploying.md). A user and password or a token go in the URL.
type natsFlags struct {
	creds, nkey            string
	tlsCA, tlsCert, tlsKey string
}

func (n *natsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&n.creds, "nats-creds", "", "NATS credentials `FILE` (user JWT and NKey seed, as nsc writes it)")
	fs.StringVar(&n.nkey, "nats-nkey", "", "NATS NKey seed `FILE`")
	fs.StringVar(&n.tlsCA, "nats-tls-ca", "", "verify the broker's TLS certificate with the CAs in PEM `FILE`")
	fs.StringVar(&n.tlsCert, "nats-tls-cert", "", "client certificate PEM `FILE` for mutual TLS (with --nats-tls-key)")
	fs.StringVar(&n.tlsKey, "nats-tls-key", "", "client private key PEM `FILE` for mutual TLS")
}

// connect dials url; retryFirst keeps trying when the broker is not up
// yet. Reconnections are told on stderr.
func (n *natsFlags) connect(url, name string, retryFirst bool, stderr io.Writer) (*nats.Conn, error) {
	return agent.Connect(agent.ConnOptions{
		URL: url, Name: name, Creds: n.creds, NKey: n.nkey,
		TLSCA: n.tlsCA, TLSCert: n.tlsCert, TLSKey: n.tlsKey,
		RetryFirst: retryFirst,
		Log:        func(format string, a ...any) { fmt.Fprintf(stderr, "rtmpscope: nats: "+format+"\n", a...) },
	})
}

// publishFlags are --publish and its companions on the messages job.
type publishFlags struct {
	url    string
	host   string
	stream string
	queue  byteSize
	flush  time.Duration
	nats   natsFlags
}

func (p *publishFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.url, "publish", "", "also send every event to NATS JetStream at `URL` (nats://HOST:4222), subjects rtmpscope.<host>.<kind> (docs/deploying.md)")
	fs.StringVar(&p.host, "publish-host", "", "the `NAME` of this capture point in the subjects (default: the hostname)")
	fs.StringVar(&p.stream, "publish-stream", agent.DefaultEventStream, "JetStream `STREAM` to create when absent (\"\" to leave streams to the operator)")
	p.queue = agent.DefaultQueueBytes
	fs.Var(&p.queue, "publish-queue", "bytes of events held for a slow or absent broker (64MiB); beyond them audio/video events are dropped first, and counted")
	fs.DurationVar(&p.flush, "publish-flush", 0, "at the end, wait at most `DURATION` for the broker to take what is queued (0: as long as it takes; after Ctrl-C at most 5s)")
	p.nats.register(fs)
}

// check validates the flags (usage errors).
func (p *publishFlags) check() error {
	if p.url == "" {
		return nil
	}
	if p.queue < 16<<10 {
		return usagef("--publish-queue %d: give at least 16KiB", p.queue)
	}
	return nil
}

// publisher is an open --publish: the connection and the sink that feeds
// it.
type publisher struct {
	nc   *nats.Conn
	sink *agent.Sink
	host string
}

// start opens the publisher when --publish is given (nil otherwise: the
// methods of a nil *publisher do nothing).
func (p *publishFlags) start(ctx context.Context, in *inputFlags, opts export.EventOptions, match func(*session.Record) bool, stderr io.Writer) (*publisher, error) {
	if p.url == "" {
		return nil, nil
	}
	return p.open(ctx, in.iface != "", ndjsonOptions(opts), match, stderr)
}

// sinks is the publishing sink, for the pipeline.
func (p *publisher) sinks() []pipeline.Sink {
	if p == nil {
		return nil
	}
	return []pipeline.Sink{p.sink}
}

// abort closes a publisher that will not run (the input failed to open).
func (p *publisher) abort() {
	if p == nil {
		return
	}
	p.sink.Close()
	p.nc.Close()
}

// open connects and starts the publisher. Reading files, session events
// wait for room in the queue (nothing is lost, the reading pauses); live,
// they are dropped and counted when even the media is gone from a full
// queue, because the kernel will not wait.
func (p *publishFlags) open(ctx context.Context, live bool, opts export.EventOptions, match func(*session.Record) bool, stderr io.Writer) (*publisher, error) {
	// One subject token, as docs/deploying.md says: dots and the like
	// become '_'.
	host := agent.HostToken(p.host)
	if p.host == "" {
		host = agent.DefaultHost()
	}
	nc, err := p.nats.connect(p.url, "rtmpscope publish "+host, live, stderr)
	if err != nil {
		return nil, fmt.Errorf("--publish: %w", err)
	}
	pub, err := agent.NewPublisher(ctx, nc, agent.PublishOptions{
		Host: host, Stream: p.stream, QueueBytes: int(p.queue), Block: !live,
		Log: func(format string, a ...any) { fmt.Fprintf(stderr, "rtmpscope: publish: "+format+"\n", a...) },
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("--publish: %w", err)
	}
	return &publisher{nc: nc, host: host, sink: &agent.Sink{P: pub, Opts: opts, Match: match, FlushTimeout: p.flush,
		Interrupted: func() bool { return ctx.Err() != nil }}}, nil
}

// finish closes the connection (the sink was closed by the pipeline) and
// prints what was published and dropped.
func (p *publisher) finish(stderr io.Writer) {
	if p == nil {
		return
	}
	p.nc.Close()
	st := p.sink.Stats
	fmt.Fprintf(stderr, "%d events published to rtmpscope.%s.* (%d sent again after an error)", st.Published, p.host, st.Retries)
	if q := st.Queue; q.DroppedMedia+q.DroppedOther > 0 {
		fmt.Fprintf(stderr, ", %d audio/video and %d session events dropped (queue of %d bytes full)", q.DroppedMedia, q.DroppedOther, q.MaxBytes)
	}
	if st.Lost > 0 {
		fmt.Fprintf(stderr, ", %d not delivered", st.Lost)
	}
	fmt.Fprintln(stderr)
}

// jetStream connects to url and opens JetStream, for collect, queue and
// work (the broker must be there: they fail at once otherwise). Close
// the connection when done.
func (n *natsFlags) jetStream(url, name string, stderr io.Writer) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := n.connect(url, name, false, stderr)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// ndjsonOptions completes opts as -T ndjson has them, so that what is
// published or written by a worker is the same bytes: each sink its own
// story builder (stories go on conn-closed events).
func ndjsonOptions(opts export.EventOptions) export.EventOptions {
	opts.Stories = story.New(story.Options{})
	return opts
}

// natsURLDefault is the broker of collect, queue and work when --nats is
// not given: $NATS_URL, as the nats CLI reads it, or the local default.
func natsURLDefault() string {
	if u := os.Getenv("NATS_URL"); u != "" {
		return u
	}
	return nats.DefaultURL
}
