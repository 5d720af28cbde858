package metrics

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtmpscope/rtmpscope/export"
)

// This file names the metrics (docs/deploying.md, Metrics) and turns a
// snapshot into them at scrape time. Units are bytes and seconds, counters
// end in _total, as Prometheus' naming rules ask.

const ns = "rtmpscope"

var (
	// track is the Enhanced RTMP track id (0 unless multitrack: each
	// track is a stream of its own); media is video or audio.
	trackLabels  = []string{"conn", "msid", "track", "role", "app", "stream", "media", "codec"}
	streamLabels = []string{"conn", "msid", "track", "role", "app", "stream"}
	connLabels   = []string{"conn", "variant", "client", "server", "app", "state"}
)

func desc(name, help string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc(ns+"_"+name, help, labels, nil)
}

// Per-track metrics of the stream table.
var (
	dBytes     = desc("stream_bytes_total", "Media bytes of the track (audio or video message bodies).", trackLabels)
	dMessages  = desc("stream_messages_total", "Media messages of the track.", trackLabels)
	dFrames    = desc("stream_frames_total", "Coded frames of the track (sequence headers and commands left out).", trackLabels)
	dKeyframes = desc("stream_keyframes_total", "Keyframes of the video track.", trackLabels)
	dFPS       = desc("stream_frames_per_second", "Frame rate over the steps between coded frames, in media time (timestamp jumps left out).", trackLabels)
	dBitrate   = desc("stream_bitrate_bytes_per_second", "Average bitrate over the media time of the coded frames, in bytes per second (0 under 1 s of media).", trackLabels)
	dGOPFrames = desc("stream_gop_frames", "Average keyframe interval (GOP) in frames.", trackLabels)
	dGOPSec    = desc("stream_gop_seconds", "Average keyframe interval (GOP) in media seconds.", trackLabels)
	dJumps     = desc("stream_timestamp_jumps_total", "Forward timestamp steps larger than the jump threshold (1 s).", trackLabels)
	dBackwards = desc("stream_timestamps_backwards_total", "Timestamps that went backwards.", trackLabels)
	dDuration  = desc("stream_media_duration_seconds", "Media time of the track: first to last timestamp.", trackLabels)
	dRTF       = desc("stream_realtime_factor", "Media time divided by the capture time of the same coded frames (1 = real time; above 1 faster, below 1 the sender falls behind).", trackLabels)
)

// Per-stream and per-connection metrics.
var (
	dDrift     = desc("stream_av_drift_seconds", "Audio minus video timestamp at close capture times, last sample.", streamLabels)
	dDriftAvg  = desc("stream_av_drift_avg_seconds", "Audio minus video timestamp at close capture times, average.", streamLabels)
	dOpen      = desc("stream_open", "1 while the stream's connection is open, 0 once it ended.", streamLabels)
	dLastMedia = desc("stream_last_media_timestamp_seconds", "Capture time of the stream's last media message (Unix seconds).", streamLabels)
	dConn      = desc("connection_state", "One series per connection: 1, with its state (handshake, connecting, connected, rejected, publishing, playing, closed).", connLabels)
	dConnStart = desc("connection_start_timestamp_seconds", "Capture time of the connection's first packet (Unix seconds).", []string{"conn"})
)

// Capture counters.
var (
	dPackets     = desc("capture_packets_total", "Packets read from the file or interface.", nil)
	dCapBytes    = desc("capture_bytes_total", "Bytes of the packets read.", nil)
	dReceived    = desc("capture_kernel_received_total", "Packets the kernel received for the live capture.", nil)
	dDropped     = desc("capture_kernel_dropped_total", "Packets the kernel dropped (buffer full, interface drops).", nil)
	dRefConns    = desc("capture_refused_connections_total", "TCP connections not followed because of the connection limit.", nil)
	dRefUDP      = desc("capture_refused_udp_flows_total", "UDP flows not followed because of the flow limit.", nil)
	dRefPackets  = desc("capture_refused_packets_total", "Packets of the connections and flows not followed.", nil)
	allSnapDescs = []*prometheus.Desc{dBytes, dMessages, dFrames, dKeyframes, dFPS, dBitrate, dGOPFrames, dGOPSec,
		dJumps, dBackwards, dDuration, dRTF, dDrift, dDriftAvg, dOpen, dLastMedia, dConn, dConnStart,
		dPackets, dCapBytes, dReceived, dDropped, dRefConns, dRefUDP, dRefPackets}
)

// register makes the event-driven metrics and registers everything.
func (s *Sink) register() {
	s.events = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "events_total",
		Help: "Events of the session layer, by kind (conn, handshake, message, diagnostic, gap)."}, []string{"kind"})
	s.diags = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "diagnostics_total",
		Help: "Diagnostics by severity and code (docs/diagnostics.md)."}, []string{"severity", "code"})
	s.gaps = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "gaps_total",
		Help: "Gaps: byte ranges missing from a direction."})
	s.gapBytes = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "gap_bytes_total",
		Help: "Bytes known missing in gaps (gaps of unknown size left out)."})
	s.opened = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "connections_opened_total",
		Help: "RTMP-family connections seen opening, by variant."}, []string{"variant"})
	s.closed = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "connections_closed_total",
		Help: "RTMP-family connections closed, by variant."}, []string{"variant"})
	s.open = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "connections_open",
		Help: "RTMP-family connections open now, by variant."}, []string{"variant"})
	s.hsRTT = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "handshake_rtt_seconds",
		Help:    "Handshake round-trip estimate (C1 to S1; RTMFP: IHello to RHello).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)})
	s.hsDelay = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "handshake_server_delay_seconds",
		Help:    "Server's handshake delay: C1's last byte to S0/S1's first byte.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)})
	s.cmdLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "command_latency_seconds",
		Help:    "Request to response of paired commands (connect to _result, publish to onStatus, ...), by request.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)}, []string{"command"})
	s.overStreams = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "metrics_streams_overflow_total",
		Help: "Streams not exported because the stream label sets were at their cap (--metrics-streams)."})
	s.overConns = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "metrics_connections_overflow_total",
		Help: "Connections not exported because the connection series were at their cap (--metrics-conns)."})
	s.reg.MustRegister(s.events, s.diags, s.gaps, s.gapBytes, s.opened, s.closed, s.open, s.hsRTT, s.hsDelay,
		s.cmdLatency, s.overStreams, s.overConns, snapCollector{s})
}

// snapCollector emits the snapshot and the capture counters.
type snapCollector struct{ s *Sink }

// Describe implements prometheus.Collector.
func (c snapCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allSnapDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it reads the last snapshot
// (never the pipeline's state) and the capture counters.
func (c snapCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.snap.Load()
	for i := range snap.streams {
		collectStream(ch, &snap.streams[i])
	}
	for i := range snap.conns {
		e := &snap.conns[i]
		id := e.id
		emit(ch, dConn, prometheus.GaugeValue, 1,
			id, e.info.Variant.String(), e.info.Client.String(), e.info.Server.String(), labelValue(e.app), e.state)
		emit(ch, dConnStart, prometheus.GaugeValue, unixSeconds(e.start), id)
	}
	if c.s.opts.Capture == nil {
		return
	}
	cc := c.s.opts.Capture()
	emit(ch, dPackets, prometheus.CounterValue, float64(cc.Packets))
	emit(ch, dCapBytes, prometheus.CounterValue, float64(cc.Bytes))
	if cc.Live {
		emit(ch, dReceived, prometheus.CounterValue, float64(cc.Received))
		emit(ch, dDropped, prometheus.CounterValue, float64(cc.Dropped))
	}
	if cc.HaveRefusedCounter {
		emit(ch, dRefConns, prometheus.CounterValue, float64(cc.RefusedConns))
		emit(ch, dRefUDP, prometheus.CounterValue, float64(cc.RefusedUDPFlows))
		emit(ch, dRefPackets, prometheus.CounterValue, float64(cc.RefusedPackets))
	}
}

func collectStream(ch chan<- prometheus.Metric, e *streamEntry) {
	st := &e.stats
	base := []string{st.Conn, strconv.FormatUint(uint64(st.MSID), 10), strconv.Itoa(int(st.Track)), st.Role(),
		labelValue(e.app), labelValue(st.Name)}
	for _, t := range []struct {
		name string
		tr   *export.TrackStats
	}{{"video", st.Video}, {"audio", st.Audio}} {
		if t.tr == nil {
			continue
		}
		r := t.tr
		codec := r.Codec
		if codec == "" {
			codec = "unknown"
		}
		l := append(append([]string(nil), base...), t.name, labelValue(codec))
		counter := func(d *prometheus.Desc, v float64) {
			emit(ch, d, prometheus.CounterValue, v, l...)
		}
		gauge := func(d *prometheus.Desc, v float64) {
			emit(ch, d, prometheus.GaugeValue, v, l...)
		}
		counter(dBytes, float64(r.Bytes))
		counter(dMessages, float64(r.Messages))
		counter(dFrames, float64(r.Frames))
		counter(dJumps, float64(r.Jumps))
		counter(dBackwards, float64(r.Backwards))
		gauge(dFPS, r.FrameRate)
		gauge(dBitrate, r.BitrateAvg/8)
		gauge(dDuration, float64(r.DurationMS)/1000)
		if r.RealTimeFactor > 0 {
			gauge(dRTF, r.RealTimeFactor)
		}
		if t.name == "video" {
			counter(dKeyframes, float64(r.Keyframes))
			gauge(dGOPFrames, r.GOPFramesAvg)
			gauge(dGOPSec, r.GOPMSAvg/1000)
		}
	}
	open := 1.0
	if e.ended {
		open = 0
	}
	emit(ch, dOpen, prometheus.GaugeValue, open, base...)
	emit(ch, dLastMedia, prometheus.GaugeValue, unixSeconds(st.Last), base...)
	if d := st.Drift; d != nil {
		emit(ch, dDrift, prometheus.GaugeValue, float64(d.LastMS)/1000, base...)
		emit(ch, dDriftAvg, prometheus.GaugeValue, d.AvgMS/1000, base...)
	}
}

// unixSeconds is t as Unix seconds (0 for the zero time).
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// maxLabel bounds a label value taken from the wire (an app or stream
// name, a codec's FourCC).
const maxLabel = 256

// labelValue makes a value from the wire a valid label value: UTF-8
// (client_golang refuses anything else, and a scrape must not fail on a
// peer's bytes) and at most maxLabel bytes, cut at a character boundary.
func labelValue(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) <= maxLabel {
		return v
	}
	cut := maxLabel
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}

// emit sends one sample; a sample client_golang refuses is left out
// rather than failing the scrape (labelValue makes that not happen).
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	if m, err := prometheus.NewConstMetric(d, t, v, labels...); err == nil {
		ch <- m
	}
}
