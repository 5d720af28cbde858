package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/rtmfp"
	"github.com/rtmpscope/rtmpscope/dissect/rtmpe"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/dissect/tlsrec"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// inputFlags are the flags shared by every command that reads packets;
// they mean what they mean in tcpdump and tshark.
type inputFlags struct {
	read    string   // the input named for people (readName); "" for live
	reads   []string // every -r value
	files   []string // the capture files -r stands for, in reading order
	iface   string
	filter  string
	write   string
	count   uint64
	snaplen int
	portArg []uint
	ports   []uint16
	quiet   bool
	// Secrets of the encrypted variants (never echoed).
	tlsKeylog, tlsKey, rtmpeKeys, rtmfpKeys string
	keys                                    pipeline.Keys
	limits                                  limitFlags // memory and CPU budgets (limits.go)
}

func (f *inputFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.reads, "read", "r", nil, "read packets from `FILE` (pcap, pcapng, gzip; - for stdin); several -r, a glob or a directory are the rotated files of one capture, read as one")
	fs.StringVarP(&f.iface, "interface", "i", "", "capture live on `IFACE` (\"any\" for all)")
	fs.StringVarP(&f.filter, "filter", "f", "", "capture filter, tcpdump syntax (`EXPR`)")
	fs.StringVarP(&f.write, "write", "w", "", "also write every captured packet to `FILE` (pcapng)")
	fs.Uint64VarP(&f.count, "count", "c", 0, "stop after `N` packets")
	fs.IntVarP(&f.snaplen, "snaplen", "s", 262144, "bytes kept of each live packet")
	fs.UintSliceVar(&f.portArg, "port", nil, "more TCP `PORT`s on which to expect RTMP besides 1935 (content is always checked too)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only the summary")
	fs.StringVar(&f.tlsKeylog, "tls-keylog", "", "decrypt RTMPS/RTMPTS with the NSS key log `FILE` (SSLKEYLOGFILE); a pcapng's own secrets are used too")
	fs.StringVar(&f.tlsKey, "tls-key", "", "decrypt TLS 1.2 RSA key exchange with the server's PEM private key `FILE`")
	fs.StringVar(&f.rtmpeKeys, "rtmpe-keys", "", "decrypt RTMPE/RTMPTE with the keys in `FILE` (scripts/rtmpe-keys.sh makes it from rtmpdump -V)")
	fs.StringVar(&f.rtmfpKeys, "rtmfp-keys", "", "decrypt RTMFP sessions with the keys in `FILE` (RTMFP_KEYS lines)")
	f.limits.register(fs)
}

func (f *inputFlags) check() error {
	if (len(f.reads) == 0) == (f.iface == "") {
		return usagef("give one of -r FILE or -i IFACE")
	}
	if len(f.reads) > 0 {
		files, err := resolveInputs(f.reads)
		if err != nil {
			return err
		}
		f.files, f.read = files, readName(f.reads, files)
	}
	f.ports = []uint16{1935}
	for _, p := range f.portArg {
		if p == 0 || p > 65535 {
			return usagef("--port %d: not a TCP port", p)
		}
		f.ports = append(f.ports, uint16(p))
	}
	if f.snaplen <= 0 || f.snaplen > 262144 {
		return usagef("-s %d: snap length must be 1..262144", f.snaplen)
	}
	return nil
}

// input is an opened file or interface, with the tap that applies a
// capture filter to files and tees packets to -w.
type input struct {
	src    capture.Source
	live   capture.LiveSource
	file   *capture.SequenceSource
	writer *capture.PcapngWriter
	tap    func(capture.Packet) bool
	// counts feeds the progress line; sinks add the messages they see.
	counts counters
	// limits counts the limit diagnostics for the summary (limits.go).
	limits limitCounts
	// writeName is -w's file, for the summary.
	writeName string
	// flushCounts publishes the tap's last packet counts (it counts in
	// batches); it is called once the source is drained.
	flushCounts func()
	// flags are the limit flags (memtarget.go reads the target).
	flags *limitFlags
	// tlsKeys is the key log the capture's secrets blocks are read into
	// when a TLS session first asks (loadKeys); close reports a malformed
	// block it found.
	tlsKeys *tlsrec.KeyLog
}

// memoryTarget is the run's memory target and whether an explicit limit
// replaces it (memtarget.go).
func (in *input) memoryTarget() (int64, bool) {
	if in.flags == nil {
		return defaultMemoryTarget, false
	}
	l := in.flags
	switch {
	case l.targetOff:
		return 0, false
	case l.target > 0:
		return int64(l.target), l.memory > 0
	}
	return defaultMemoryTarget, l.memory > 0
}

// loadKeys reads the key files and the capture's own TLS secrets. Errors
// name the file and line, never a secret.
func (f *inputFlags) loadKeys() error {
	var err error
	if f.tlsKeylog != "" {
		if f.keys.TLS.KeyLog, err = tlsrec.LoadKeyLog(f.tlsKeylog); err != nil {
			return fmt.Errorf("--tls-keylog: %w", err)
		}
	}
	// The capture's own secrets blocks are read only when a TLS session
	// asks for a key (tlsrec.KeyLog.Later): finding them walks the whole
	// file (40 ms per 365 MB of pcapng).
	var files []string
	for _, name := range f.files {
		if name != "-" {
			files = append(files, name)
		}
	}
	if len(files) > 0 {
		f.keys.TLS.KeyLog = f.keys.TLS.KeyLog.Later(func() (*tlsrec.KeyLog, error) {
			return readCaptureSecrets(files)
		})
	}
	if f.tlsKey != "" {
		if f.keys.TLS.RSAKey, err = tlsrec.LoadRSAKey(f.tlsKey); err != nil {
			return fmt.Errorf("--tls-key: %w", err)
		}
	}
	if f.rtmpeKeys != "" {
		if f.keys.RTMPE, err = rtmpe.LoadKeys(f.rtmpeKeys); err != nil {
			return fmt.Errorf("--rtmpe-keys: %w", err)
		}
	}
	if f.rtmfpKeys != "" {
		if f.keys.RTMFP, err = rtmfp.LoadKeys(f.rtmfpKeys); err != nil {
			return fmt.Errorf("--rtmfp-keys: %w", err)
		}
	}
	return nil
}

// readCaptureSecrets reads the TLS key logs of the files' Decryption
// Secrets Blocks, merged in file order. A file that cannot be walked gives
// none (the reader reports the fault itself); a malformed key log in a
// block is an error, reported when the run closes (input.close).
func readCaptureSecrets(files []string) (*tlsrec.KeyLog, error) {
	var all *tlsrec.KeyLog
	for _, name := range files {
		b, err := capture.ReadSecrets(name, capture.SecretsTLSKeyLog)
		if err != nil || len(b) == 0 {
			continue
		}
		kl, err := tlsrec.ParseKeyLog(bytes.NewReader(b))
		if err != nil {
			return all, fmt.Errorf("%s: TLS secrets block: %w", name, err)
		}
		if all == nil {
			all = kl
		} else {
			all.Merge(kl)
		}
	}
	return all, nil
}

func openInput(f *inputFlags) (*input, error) {
	if err := f.loadKeys(); err != nil {
		return nil, err
	}
	in := &input{flags: &f.limits, tlsKeys: f.keys.TLS.KeyLog}
	var match func([]byte, capture.Packet) bool
	if len(f.files) > 0 {
		src, err := capture.OpenSequence(f.files)
		if err != nil {
			return nil, err
		}
		in.src, in.file = src, src
		if f.filter != "" {
			m, err := newFileFilter(f.filter)
			if err != nil {
				src.Close()
				return nil, usageError{err}
			}
			match = m
		}
	} else {
		opts := capture.LiveOptions{Interface: f.iface, Snaplen: f.snaplen, FilterExpr: f.filter}
		if f.filter != "" && !capture.LiveFilterInKernel {
			prog, err := compileLiveFilter(f.filter, f.snaplen)
			if err != nil {
				return nil, usageError{err}
			}
			opts.Filter = prog
		}
		src, err := capture.OpenLive(opts)
		if err != nil {
			return nil, err
		}
		in.src, in.live = src, src
	}
	if f.write != "" {
		lt := linkTypeOf(in)
		w, err := capture.CreatePcapng(f.write, lt, f.snaplen)
		if err != nil {
			in.src.Close()
			return nil, err
		}
		in.writer, in.writeName = w, f.write
	}
	// The counts are kept here and published every countEvery packets
	// (every packet, live): two atomic adds per packet were a tenth of
	// the file reader's time. flushCounts publishes the rest at the end.
	var packets, bytes uint64
	countEvery := uint64(256)
	if in.live != nil {
		countEvery = 1
	}
	in.flushCounts = func() {
		in.counts.packets.Store(packets)
		in.counts.bytes.Store(bytes)
	}
	in.tap = func(p capture.Packet) bool {
		packets++
		bytes += uint64(len(p.Data))
		if packets%countEvery == 0 {
			in.flushCounts()
		}
		if match != nil && !match(p.Data, p) {
			return false
		}
		if in.writer != nil {
			if err := in.writer.Write(p); err != nil {
				fmt.Fprintf(os.Stderr, "rtmpscope: -w: %v\n", err)
				in.writer = nil
			}
		}
		return true
	}
	return in, nil
}

func linkTypeOf(in *input) layers.LinkType {
	if in.file != nil {
		return in.file.LinkType()
	}
	return in.live.LinkType()
}

func (in *input) close() error {
	var err error
	if in.writer != nil {
		err = in.writer.Close()
	}
	if e := in.src.Close(); err == nil {
		err = e
	}
	if e := in.tlsKeys.Wait(); err == nil {
		err = e
	}
	return err
}

// noChunkList is the dissector's options of every command but -V and the
// TUI: only their trees and hex views show each message's chunks, and
// listing them was most of what the dissector allocated on video.
var noChunkList = dissect.Options{SkipChunkList: true}

// newPipeline wires cfg with the input's flags: RTMP ports, -c, the tap
// (capture filter on files, -w), and the message counter of the progress
// line.
func newPipeline(in *input, fl *inputFlags, cfg pipeline.Config) *pipeline.Pipeline {
	cfg.Flow.Ports = fl.ports
	cfg.Count = fl.count
	cfg.Tap = in.tap
	cfg.Keys = fl.keys
	fl.limits.apply(&cfg)
	bodiesForTests(&cfg)
	return pipeline.New(cfg)
}

// countSink counts messages for the progress line.
func countSink(in *input) pipeline.Sink {
	return pipeline.NewSink(func(r *session.Record) error {
		if r.Kind == event.KindMessage {
			in.counts.messages.Add(1)
		}
		in.limits.note(&r.Event)
		return nil
	}, nil)
}

// runPipeline runs p over the input into sinks, printing live progress and
// the summary to stderr. The input is opened by the caller (openInput), so
// that a bad file or filter is reported before any output is written. The
// sinks are closed (flushed) before the summary is printed, so that the
// summary comes last on a terminal.
func runPipeline(ctx context.Context, in *input, p *pipeline.Pipeline, stderr io.Writer, sinks ...pipeline.Sink) (flow.Summary, error) {
	start := time.Now()
	stopTarget := startMemoryTarget(in.memoryTarget())
	stopProgress := startProgress(os.Stdout, stderr, in.file, &in.counts)
	sum, runErr := p.Run(ctx, in.src, append([]pipeline.Sink{countSink(in)}, sinks...)...)
	in.flushCounts()
	stopProgress()
	stopTarget()
	var live *capture.LiveStats
	if in.live != nil {
		st := in.live.Stats()
		live = &st
	}
	written := uint64(0)
	if in.writer != nil {
		written = in.writer.Count()
	}
	if err := in.close(); err != nil && runErr == nil {
		runErr = err
	}
	if errors.Is(runErr, syscall.EPIPE) {
		return sum, runErr // the reader went away: no summary, exit quietly
	}
	printSummary(stderr, sum, live, written, in.writeName, time.Since(start))
	in.limits.print(stderr)
	return sum, runErr
}

func printSummary(w io.Writer, s flow.Summary, live *capture.LiveStats, written uint64, wname string, took time.Duration) {
	c := s.Capture
	fmt.Fprintf(w, "%d packets (%d TCP", c.Packets+s.Filtered, c.TCP)
	for _, x := range []struct {
		n    uint64
		what string
	}{{c.UDP, "UDP"}, {c.ICMP, "ICMP"}, {c.OtherIP, "other IP"}, {c.NotIP, "not IP"},
		{c.Fragments, "IP fragments, not reassembled"}, {c.Undecodable, "undecodable"},
		{c.BadLinkType, "unsupported link type"}, {s.Filtered, "filtered out"}} {
		if x.n > 0 {
			fmt.Fprintf(w, ", %d %s", x.n, x.what)
		}
	}
	fmt.Fprintf(w, "), %d %s", s.Router.Flows, plural(s.Router.Flows, "flow"))
	if s.Router.Flows > 0 {
		var rtmp uint64
		for v, n := range s.Router.ByVariant {
			if v != event.VariantOther.String() {
				rtmp += n
			}
		}
		fmt.Fprintf(w, " (%d RTMP", rtmp)
		if n := s.Router.ByVariant[event.VariantOther.String()]; n > 0 {
			fmt.Fprintf(w, ", %d other", n)
		}
		io.WriteString(w, ")")
	}
	if c.SnapCut > 0 {
		fmt.Fprintf(w, ", %d cut by the snap length", c.SnapCut)
	}
	if s.Assembly.Gaps > 0 {
		fmt.Fprintf(w, ", %d gaps (%d bytes known missing)", s.Assembly.Gaps, s.Assembly.GapBytes)
	}
	if s.Router.UDPRefused > 0 {
		fmt.Fprintf(w, ", %d UDP flows not followed (limit), %d of their datagrams", s.Router.UDPRefused, s.Router.UDPPktsRef)
	}
	if s.Assembly.ConnsRefused > 0 {
		fmt.Fprintf(w, ", %d connections not followed (limit), %d of their packets", s.Assembly.ConnsRefused, s.Assembly.PktsRefused)
	}
	fmt.Fprintf(w, " in %.2fs\n", took.Seconds())
	if live != nil {
		fmt.Fprintf(w, "%d packets received by the kernel, %d dropped (the capture could not keep up), %d still queued when the capture stopped: %d not analyzed\n",
			live.Received, live.Dropped, live.Unread(), live.Dropped+live.Unread())
	}
	if wname != "" {
		fmt.Fprintf(w, "%d packets written to %s\n", written, wname)
	}
}

func plural(n uint64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
