// Package metrics serves rtmpscope's live view as Prometheus/OpenMetrics
// metrics: per-stream media figures from export.StatsCollector (the engine
// of `rtmpscope stats`), per-connection state, handshake and command
// latency histograms, event and capture counters.
//
// The Sink is fed by the pipeline (it must be a synchronous sink: it asks
// the session Tracker for the names of open connections' streams); every
// Refresh it publishes an immutable snapshot of the streams and
// connections through an atomic pointer, and scrapes read only that
// snapshot and atomic counters, so a scrape never waits for the pipeline
// nor the pipeline for a scrape.
package metrics

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
)

// Defaults of Options.
const (
	// DefaultMaxStreams is the streams (label sets of the per-stream
	// metrics, up to two tracks each) exported at once.
	DefaultMaxStreams = 100
	// DefaultMaxConns is the connections exported at once by the
	// per-connection metrics.
	DefaultMaxConns = 100
	// DefaultRefresh is how often the pipeline publishes a new snapshot
	// of the streams still open.
	DefaultRefresh = time.Second
)

// CaptureCounters are the capture's running totals, read at scrape time.
type CaptureCounters struct {
	Packets, Bytes uint64 // read from the file or interface
	// Live captures: what the kernel received and dropped (Live false for
	// files).
	Live               bool
	Received, Dropped  uint64
	RefusedConns       uint64 // TCP connections not followed (connection limit)
	RefusedUDPFlows    uint64 // UDP flows not followed (flow limit)
	RefusedPackets     uint64 // packets of refused connections and flows
	HaveRefusedCounter bool   // the refused counts are known (the run has reported its progress)
}

// Options configure a Sink. Zero values take the defaults.
type Options struct {
	// MaxStreams and MaxConns cap the label sets (DefaultMaxStreams,
	// DefaultMaxConns): when full, the oldest ended stream (closed
	// connection) makes room; with none, the new one is counted in
	// rtmpscope_metrics_*_overflow_total and not exported.
	MaxStreams, MaxConns int
	// Refresh is the snapshot period (DefaultRefresh), in wall-clock time.
	Refresh time.Duration
	// State is the session state of an open connection
	// (session.Tracker.StateByName): app, stream names, status.
	State func(conn string) *session.State
	// Capture returns the capture counters; nil leaves them out.
	Capture func() CaptureCounters
	// Now is the clock of Refresh (time.Now when nil).
	Now func() time.Time
}

// Sink is a pipeline.Sink that keeps the metrics. Make it with New and
// serve it with Listen (or its Registry with a handler of your own).
type Sink struct {
	opts Options
	reg  *prometheus.Registry

	// Pipeline side: only the pipeline's goroutine touches these.
	col      *export.StatsCollector
	streams  map[export.StreamKey]*streamEntry
	conns    map[string]*connEntry
	refused  map[export.StreamKey]bool // streams counted as overflow
	refusedC map[string]bool
	apps     map[string]string // app of a closing connection, for its streams
	opens    map[string]string // variant of each connection seen opening, until it closes
	seq      uint64
	lastRef  time.Time

	// Scrape side.
	snap atomic.Pointer[snapshot]

	// Event-driven metrics: client_golang's own, safe to update from the
	// pipeline while a scrape reads them.
	events      *prometheus.CounterVec
	diags       *prometheus.CounterVec
	gaps        prometheus.Counter
	gapBytes    prometheus.Counter
	opened      *prometheus.CounterVec
	closed      *prometheus.CounterVec
	open        *prometheus.GaugeVec
	hsRTT       prometheus.Histogram
	hsDelay     prometheus.Histogram
	cmdLatency  *prometheus.HistogramVec
	overStreams prometheus.Counter
	overConns   prometheus.Counter
}

// streamEntry is one exported stream: its latest statistics.
type streamEntry struct {
	app   string
	stats export.StreamStats
	ended bool
	seq   uint64 // order of arrival, for eviction
}

// connEntry is one exported connection.
type connEntry struct {
	id     string
	info   event.ConnInfo
	start  time.Time
	state  string
	app    string
	closed bool
	seq    uint64
}

// snapshot is what a scrape reads: copies, never touched again.
type snapshot struct {
	streams []streamEntry
	conns   []connEntry
}

// New makes a Sink and its registry.
func New(opts Options) *Sink {
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = DefaultMaxStreams
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultRefresh
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Sink{opts: opts, reg: prometheus.NewRegistry(),
		streams: map[export.StreamKey]*streamEntry{}, conns: map[string]*connEntry{},
		refused: map[export.StreamKey]bool{}, refusedC: map[string]bool{}, apps: map[string]string{}, opens: map[string]string{}}
	s.col = &export.StatsCollector{State: opts.State, OnStream: s.ended}
	s.snap.Store(&snapshot{})
	s.register()
	return s
}

// Registry is the registry to serve (every rtmpscope metric, and only
// those).
func (s *Sink) Registry() *prometheus.Registry { return s.reg }

// Record implements pipeline.Sink.
func (s *Sink) Record(r *session.Record) error {
	s.events.WithLabelValues(r.Kind.String()).Inc()
	switch r.Kind {
	case event.KindConn:
		s.conn(r)
	case event.KindHandshake:
		switch h := r.Handshake; {
		case h == nil:
		case h.RTMFP != nil:
			if h.RTMFP.HelloRTT > 0 {
				s.hsRTT.Observe(h.RTMFP.HelloRTT.Seconds())
			}
		case h.C1.Present && h.S1.Present:
			// Both measured from C1 to S1 (zero on loopback is a value).
			s.hsRTT.Observe(h.RTT.Seconds())
			s.hsDelay.Observe(h.ServerDelay.Seconds())
		}
	case event.KindDiagnostic:
		s.diags.WithLabelValues(r.Diag.Severity.String(), r.Diag.Code).Inc()
	case event.KindGap:
		s.gaps.Inc()
		if r.Gap.Bytes > 0 {
			s.gapBytes.Add(float64(r.Gap.Bytes))
		}
	case event.KindMessage:
		if p := r.Pair; p != nil && p.Role == session.RoleResponse {
			s.cmdLatency.WithLabelValues(commandLabel(p.Request)).Observe(p.Latency.Seconds())
		}
	}
	dirty := false
	if r.Kind == event.KindConn && r.Conn.Closed {
		if r.Session != nil {
			s.apps[r.ConnID.String()] = r.Session.App
		}
		dirty = true
	}
	s.col.Add(*r) // a closing connection reports its streams to s.ended
	delete(s.apps, r.ConnID.String())
	if now := s.opts.Now(); now.Sub(s.lastRef) >= s.opts.Refresh {
		s.lastRef = now
		s.refreshOpen()
		dirty = true
	}
	if dirty {
		s.publish()
	}
	return nil
}

// Tick publishes the open streams' figures now. Call it on the pipeline's
// goroutine (pipeline.Config.Progress does, every second even while no
// packet comes), so that a stream that goes quiet shows its last figures.
func (s *Sink) Tick() {
	s.lastRef = s.opts.Now()
	s.refreshOpen()
	s.publish()
}

// Close implements pipeline.Sink: the streams still open get their final
// figures (as `rtmpscope stats` reports them at the end), and the snapshot
// stays served.
func (s *Sink) Close() error {
	s.col.Flush()
	s.publish()
	return nil
}

// conn follows a connection's life for the per-connection metrics.
func (s *Sink) conn(r *session.Record) {
	c := r.Conn
	if !c.Info.Variant.IsRTMP() {
		return // flows of other protocols are counted by the capture counters
	}
	id := r.ConnID.String()
	variant := c.Info.Variant.String()
	if !c.Closed {
		s.opened.WithLabelValues(variant).Inc()
		s.open.WithLabelValues(variant).Inc()
		s.opens[id] = variant
		if !s.admitConn(id) {
			return
		}
		s.seq++
		s.conns[id] = &connEntry{id: id, info: c.Info, start: r.Time, state: "handshake", seq: s.seq}
		return
	}
	s.closed.WithLabelValues(variant).Inc()
	if v, ok := s.opens[id]; ok {
		// The variant it was counted open under (a close seen without its
		// open leaves the gauge alone).
		s.open.WithLabelValues(v).Dec()
		delete(s.opens, id)
	}
	delete(s.refusedC, id)
	e := s.conns[id]
	if e == nil {
		return
	}
	e.closed, e.state = true, "closed"
	if r.Session != nil {
		e.app = r.Session.App
	}
}

// admitConn makes room for a new connection, or counts it as overflow.
func (s *Sink) admitConn(id string) bool {
	if len(s.conns) < s.opts.MaxConns {
		return true
	}
	var oldest *connEntry
	oldestID := ""
	for k, e := range s.conns {
		if e.closed && (oldest == nil || e.seq < oldest.seq) {
			oldest, oldestID = e, k
		}
	}
	if oldest == nil {
		if !s.refusedC[id] {
			s.refusedC[id] = true
			s.overConns.Inc()
		}
		return false
	}
	delete(s.conns, oldestID)
	return true
}

// ended receives a stream's final statistics when its connection closes
// (and at Close for those still open).
func (s *Sink) ended(st export.StreamStats) {
	app := s.apps[st.Conn]
	if app == "" && s.opts.State != nil {
		app = appOf(s.opts.State(st.Conn))
	}
	s.update(st, app, true)
	delete(s.refused, st.StreamKey)
}

// refreshOpen updates the open streams from the collector and the open
// connections' state from the tracker.
func (s *Sink) refreshOpen() {
	s.col.Snapshot(func(st export.StreamStats) {
		app := ""
		if s.opts.State != nil {
			app = appOf(s.opts.State(st.Conn))
		}
		s.update(st, app, false)
	})
	if s.opts.State == nil {
		return
	}
	for id, e := range s.conns {
		if e.closed {
			continue
		}
		st := s.opts.State(id)
		if st == nil {
			continue
		}
		e.app, e.state = st.App, connState(st)
	}
}

// connState names what an open connection is doing.
func connState(st *session.State) string {
	state := "handshake"
	if st.App != "" || st.ConnectCode != "" {
		state = "connecting"
	}
	if st.ConnectCode != "" {
		state = "connected"
		if st.ConnectCode != "NetConnection.Connect.Success" {
			state = "rejected"
		}
	}
	for _, x := range st.Streams {
		switch x.Action {
		case session.ActionPublish:
			state = "publishing"
		case session.ActionPlay:
			if state != "publishing" {
				state = "playing"
			}
		}
	}
	return state
}

func (s *Sink) update(st export.StreamStats, app string, ended bool) {
	e := s.streams[st.StreamKey]
	if e == nil {
		if s.refused[st.StreamKey] || !s.admitStream(st.StreamKey) {
			return
		}
		s.seq++
		e = &streamEntry{seq: s.seq}
		s.streams[st.StreamKey] = e
	}
	e.stats, e.ended = st, ended
	if app != "" {
		e.app = app
	}
}

// admitStream makes room for a new stream, or counts it as overflow.
func (s *Sink) admitStream(k export.StreamKey) bool {
	if len(s.streams) < s.opts.MaxStreams {
		return true
	}
	var oldest *streamEntry
	var oldestKey export.StreamKey
	for key, e := range s.streams {
		if e.ended && (oldest == nil || e.seq < oldest.seq) {
			oldest, oldestKey = e, key
		}
	}
	if oldest == nil {
		s.refused[k] = true
		s.overStreams.Inc()
		return false
	}
	delete(s.streams, oldestKey)
	return true
}

// publish makes a new snapshot for the scrapes.
func (s *Sink) publish() {
	snap := &snapshot{streams: make([]streamEntry, 0, len(s.streams)), conns: make([]connEntry, 0, len(s.conns))}
	for _, e := range s.streams {
		snap.streams = append(snap.streams, *e)
	}
	for _, e := range s.conns {
		snap.conns = append(snap.conns, *e)
	}
	sort.Slice(snap.streams, func(i, j int) bool { return snap.streams[i].seq < snap.streams[j].seq })
	sort.Slice(snap.conns, func(i, j int) bool { return snap.conns[i].seq < snap.conns[j].seq })
	s.snap.Store(snap)
}

// commands are the command names latency is labelled with; the others,
// which come from the wire, are "other" (a bounded label set).
var commands = map[string]bool{
	"connect": true, "createStream": true, "deleteStream": true, "publish": true, "play": true, "play2": true,
	"releaseStream": true, "FCPublish": true, "FCUnpublish": true, "FCSubscribe": true, "getStreamLength": true,
	"closeStream": true, "pause": true, "seek": true, "receiveAudio": true, "receiveVideo": true, "call": true,
}

func commandLabel(name string) string {
	if commands[name] {
		return name
	}
	return "other"
}

// appOf is the connection's application name, "" when unknown.
func appOf(st *session.State) string {
	if st == nil {
		return ""
	}
	return st.App
}
