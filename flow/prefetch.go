package flow

import (
	"context"
	"errors"
	"io"

	"github.com/gopacket/gopacket/layers"

	"github.com/rtmpscope/rtmpscope/capture"
)

// Reading a file and decoding its link, IP and TCP headers is a third of
// the work of following its connections. For a saved capture, Run does it
// on a goroutine of its own (the prefetcher), one batch of packets ahead
// of reassembly and the protocol handlers, so that two cores share the
// work; live captures are read inline, so that every packet is handled the
// moment it arrives.

// prefetchPackets and prefetchBytes bound a batch; prefetchDepth bounds
// how many batches exist (being filled, waiting, being handled), and so
// the memory the prefetcher holds: prefetchDepth × (prefetchBytes + one
// packet).
const (
	prefetchPackets = 512
	prefetchBytes   = 1 << 20
	prefetchDepth   = 4
)

// fetched is one decoded packet of a batch. Its data, and the slices of
// its segment (TCP payload, UDP payload), point into the batch's buffer.
type fetched struct {
	p       capture.Packet
	outcome capture.Outcome
	seg     capture.Segment
	tcp     layers.TCP
	opts    []layers.TCPOption // tcp.Options' own array, reused
}

type batch struct {
	pkts []fetched
	buf  []byte
	err  error // the source's error after the last packet (io.EOF at the end)
}

// prefetcher reads and decodes packets ahead of the caller.
type prefetcher struct {
	out      chan *batch
	free     chan *batch
	dec      capture.Decoder
	filtered uint64
	stop     chan struct{}
	done     chan struct{}
}

// startPrefetch reads src on a new goroutine, at most count packets
// (0: all), passing each through tap first, until src ends or stop is
// closed.
func startPrefetch(ctx context.Context, src capture.Source, count uint64, tap func(capture.Packet) bool) *prefetcher {
	f := &prefetcher{out: make(chan *batch, prefetchDepth), free: make(chan *batch, prefetchDepth),
		stop: make(chan struct{}), done: make(chan struct{})}
	for i := 0; i < prefetchDepth; i++ {
		f.free <- &batch{pkts: make([]fetched, 0, prefetchPackets), buf: make([]byte, 0, prefetchBytes)}
	}
	go f.run(ctx, src, count, tap)
	return f
}

func (f *prefetcher) run(ctx context.Context, src capture.Source, count uint64, tap func(capture.Packet) bool) {
	defer close(f.done)
	defer close(f.out)
	for {
		var b *batch
		select {
		case b = <-f.free:
		case <-f.stop:
			return
		}
		b.pkts, b.buf, b.err = b.pkts[:0], b.buf[:0], nil
		for len(b.pkts) < prefetchPackets && b.err == nil {
			if ctx.Err() != nil {
				b.err = ctx.Err()
				break
			}
			if count > 0 && f.dec.Stats.Packets+f.filtered >= count {
				b.err = io.EOF
				break
			}
			p, err := src.Next()
			if err != nil {
				b.err = err
				break
			}
			if tap != nil && !tap(p) {
				f.filtered++
				continue
			}
			f.add(b, p)
			if len(b.buf) >= prefetchBytes {
				break
			}
		}
		select {
		case f.out <- b:
		case <-f.stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// add copies p into b and decodes it there.
func (f *prefetcher) add(b *batch, p capture.Packet) {
	// The source reuses its buffer: the packet's bytes move into the
	// batch's, whose slices stay valid until the batch is handled. When
	// they do not fit, a new buffer is started; the packets already in
	// the batch keep pointing into the old one.
	if len(b.buf)+len(p.Data) > cap(b.buf) {
		b.buf = make([]byte, 0, max(prefetchBytes, len(p.Data)))
	}
	start := len(b.buf)
	b.buf = append(b.buf, p.Data...)
	p.Data = b.buf[start:len(b.buf):len(b.buf)]
	if len(b.pkts) < cap(b.pkts) {
		b.pkts = b.pkts[:len(b.pkts)+1] // reuse the slot and its options array
	} else {
		b.pkts = append(b.pkts, fetched{})
	}
	x := &b.pkts[len(b.pkts)-1]
	opts := x.opts[:0]
	*x = fetched{p: p}
	x.outcome = f.dec.Decode(x.p, &x.seg)
	if x.outcome == capture.OutcomeTCP {
		// The decoder reuses its TCP layer and the array of its options.
		x.tcp = *x.seg.TCP
		x.opts = append(opts, x.tcp.Options...)
		x.tcp.Options = x.opts
		x.seg.TCP = &x.tcp
	} else {
		x.opts = opts
	}
	if len(x.seg.Encap) > 0 {
		x.seg.Encap = append([]capture.Encap(nil), x.seg.Encap...)
	}
}

// next returns the next batch, or nil after the last.
func (f *prefetcher) next() *batch {
	b, ok := <-f.out
	if !ok {
		return nil
	}
	return b
}

// release gives a handled batch back for reuse.
func (f *prefetcher) release(b *batch) {
	select {
	case f.free <- b:
	default:
	}
}

// close stops the prefetcher (early: a sink failed) and waits for it.
func (f *prefetcher) close() {
	close(f.stop)
	for range f.out {
	}
	<-f.done
}

// sourceErr maps the error that ended a batch to Run's: none at the end
// of the file.
func sourceErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
