package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/metrics"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// metricsFlags are the flags of --metrics (docs/deploying.md, Metrics).
type metricsFlags struct {
	addr       string
	linger     bool
	maxStreams int
	maxConns   int
}

func (f *metricsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "metrics", "", "serve Prometheus/OpenMetrics metrics on `ADDR`/metrics (e.g. 127.0.0.1:9464) while the capture runs")
	fs.BoolVar(&f.linger, "metrics-linger", false, "with --metrics and -r: keep serving the final figures after the file ends, until interrupted")
	fs.IntVar(&f.maxStreams, "metrics-streams", metrics.DefaultMaxStreams, "with --metrics: export at most `N` streams (label sets; the oldest ended one makes room, the rest are counted in rtmpscope_metrics_streams_overflow_total)")
	fs.IntVar(&f.maxConns, "metrics-conns", metrics.DefaultMaxConns, "with --metrics: export at most `N` connections in rtmpscope_connection_state")
}

// check reports --metrics-* flags without --metrics.
func (f *metricsFlags) check(fs *pflag.FlagSet) error {
	if f.addr == "" {
		for _, name := range []string{"metrics-linger", "metrics-streams", "metrics-conns"} {
			if fs.Changed(name) {
				return usagef("--%s is for --metrics ADDR", name)
			}
		}
		return nil
	}
	if f.maxStreams <= 0 || f.maxConns <= 0 {
		return usagef("--metrics-streams and --metrics-conns take a positive number")
	}
	return nil
}

// metricsRun is one run's metrics: the sink, the server, and the capture
// counters read at scrape time. A nil *metricsRun is no --metrics.
type metricsRun struct {
	sink   *metrics.Sink
	server *metrics.Server
	linger bool
	file   bool
	stderr io.Writer

	in *input // packets and bytes (atomics), the live source
	// The kernel's counters, sampled on the pipeline's goroutine while the
	// source is open (a scrape must not call the source: it may be closed).
	sampled           time.Time
	received, dropped atomic.Uint64
	// The refused connections and flows, from the run's progress
	// (pipeline.Config.Progress) and then its summary.
	refused                   atomic.Bool
	refConns, refUDP, refPkts atomic.Uint64
	tracker                   *session.Tracker
}

// startMetrics starts serving before the run. The sink must be
// synchronous (it asks the pipeline's Tracker for open connections' names,
// attach): the pipeline is made without AsyncSinks when --metrics is given,
// and with progress (the refused flows).
func startMetrics(f *metricsFlags, in *input, stderr io.Writer) (*metricsRun, error) {
	if f.addr == "" {
		return nil, nil
	}
	m := &metricsRun{linger: f.linger, file: in.file != nil, stderr: stderr, in: in}
	m.sink = metrics.New(metrics.Options{MaxStreams: f.maxStreams, MaxConns: f.maxConns,
		State: m.state, Capture: m.capture})
	srv, err := metrics.Listen(f.addr, m.sink)
	if err != nil {
		return nil, err
	}
	m.server = srv
	fmt.Fprintf(stderr, "serving metrics on http://%s/metrics\n", srv.Addr())
	return m, nil
}

// attach gives the sink the pipeline's session layer.
func (m *metricsRun) attach(p *pipeline.Pipeline) {
	if m != nil {
		m.tracker = p.Tracker()
	}
}

// state is the session state of an open connection (pipeline goroutine).
func (m *metricsRun) state(conn string) *session.State {
	if m.tracker == nil {
		return nil
	}
	return m.tracker.StateByName(conn)
}

// progress is pipeline.Config.Progress: nil without --metrics.
func (m *metricsRun) progress() func(flow.Summary) {
	if m == nil {
		return nil
	}
	return func(s flow.Summary) {
		m.setRefused(s)
		m.sink.Tick()
	}
}

func (m *metricsRun) setRefused(s flow.Summary) {
	m.refConns.Store(s.Assembly.ConnsRefused)
	m.refUDP.Store(s.Router.UDPRefused)
	m.refPkts.Store(s.Assembly.PktsRefused + s.Router.UDPPktsRef)
	m.refused.Store(true)
}

// capture reads the capture counters (from a scrape's goroutine).
func (m *metricsRun) capture() metrics.CaptureCounters {
	c := metrics.CaptureCounters{Packets: m.in.counts.packets.Load(), Bytes: m.in.counts.bytes.Load()}
	if m.in.live != nil {
		c.Live, c.Received, c.Dropped = true, m.received.Load(), m.dropped.Load()
	}
	if m.refused.Load() {
		c.HaveRefusedCounter = true
		c.RefusedConns, c.RefusedUDPFlows, c.RefusedPackets = m.refConns.Load(), m.refUDP.Load(), m.refPkts.Load()
	}
	return c
}

// sinks adds the metrics sink to the run's sinks.
func (m *metricsRun) sinks(s ...pipeline.Sink) []pipeline.Sink {
	if m == nil {
		return s
	}
	return append(s, m)
}

// Record implements pipeline.Sink: the metrics sink's, and a sample of
// the kernel's counters every second.
func (m *metricsRun) Record(r *session.Record) error {
	if now := time.Now(); now.Sub(m.sampled) >= time.Second {
		m.sampled = now
		m.sample()
	}
	return m.sink.Record(r)
}

// Close implements pipeline.Sink (before the source is closed).
func (m *metricsRun) Close() error {
	m.sample()
	return m.sink.Close()
}

func (m *metricsRun) sample() {
	if m.in.live != nil {
		st := m.in.live.Stats()
		m.received.Store(st.Received)
		m.dropped.Store(st.Dropped)
	}
}

// finish records the run's summary; with --metrics-linger on a file it
// keeps serving until ctx is done (Ctrl-C), then stops the server.
func (m *metricsRun) finish(ctx context.Context, sum flow.Summary, runErr error) error {
	if m == nil {
		return runErr
	}
	m.setRefused(sum)
	if m.linger && m.file && runErr == nil && ctx.Err() == nil {
		fmt.Fprintf(m.stderr, "the capture has ended; serving its final metrics on http://%s/metrics until interrupted\n", m.server.Addr())
		<-ctx.Done()
	}
	if err := m.server.Close(); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}
