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

// A batch ends at prefetchPackets packets, at prefetchBytes bytes copied
// (from a source that reuses its buffer), or at prefetchStableBytes bytes
// in all. Stable packets (a mapped file's records) are not copied: what
// they keep resident is their pages, given back as batches are released
// (capture.Releaser). Their batches are bigger because every hand-over
// may wake a sleeping core, several microseconds in a virtual machine: on
// the 1 GB loopback capture, 256 KiB batches made 3900 hand-overs and
// 1 MiB ones 1000, and the run took 0.147 s instead of 0.158 s (mean of 8).
// prefetchDepth bounds how many batches exist (being filled, waiting, being
// handled), and so what the prefetcher holds: prefetchDepth ×
// (prefetchStableBytes + one packet) of mapped pages, or prefetchDepth ×
// (prefetchBytes + one packet) of copies. Four batches of 1 MiB were 0.005 s
// faster still, for 2 MiB more of resident pages.
const (
	prefetchPackets     = 512
	prefetchBytes       = 256 << 10
	prefetchStableBytes = 1 << 20
	prefetchDepth       = 3
)

// fetched is one decoded packet of a batch. Its data, and the slices of
// its segment (TCP payload, UDP payload), point into the batch's buffer or
// into the mapped file (capture.Packet.Stable). Its TCP layer is decoded
// in place (its options point into it), so a slot is never moved: the
// batch's array is made with its final capacity.
type fetched struct {
	p       capture.Packet
	outcome capture.Outcome
	seg     capture.Segment
	tcp     layers.TCP
}

type batch struct {
	pkts  []fetched
	buf   []byte
	bytes int   // packet bytes in the batch, across buffers
	err   error // the source's error after the last packet (io.EOF at the end)
	// end is the source's position after the batch's last packet, when
	// it is a Releaser (marked): released when the batch comes back.
	end    capture.Mark
	marked bool
}

// prefetcher reads and decodes packets ahead of the caller.
type prefetcher struct {
	out  chan *batch
	free chan *batch
	dec  capture.Decoder
	// decode says the prefetcher decodes what it reads; when false the
	// consumer does (decodeHere), which balances the two goroutines when
	// the consumer has little else to do (a count-only run: conns).
	decode   bool
	packets  uint64 // packets handed over (for the count)
	filtered uint64
	carry    capture.Packet // a packet that did not fit the last batch
	carried  bool
	carryBuf []byte
	stop     chan struct{}
	done     chan struct{}
}

// startPrefetch reads src on a new goroutine, at most count packets
// (0: all), passing each through tap first, until src ends or stop is
// closed.
func startPrefetch(ctx context.Context, src capture.Source, count uint64, tap func(capture.Packet) bool, decode bool) *prefetcher {
	f := &prefetcher{out: make(chan *batch, prefetchDepth), free: make(chan *batch, prefetchDepth),
		stop: make(chan struct{}), done: make(chan struct{}), decode: decode}
	for i := 0; i < prefetchDepth; i++ {
		// The buffer is made when a packet first needs it (add): packets
		// of a mapped file are Stable and never copied, and 1 MiB of
		// unused buffers counted against the memory target.
		f.free <- &batch{pkts: make([]fetched, 0, prefetchPackets)}
	}
	go f.run(ctx, src, count, tap)
	return f
}

func (f *prefetcher) run(ctx context.Context, src capture.Source, count uint64, tap func(capture.Packet) bool) {
	defer close(f.done)
	defer close(f.out)
	// A mapped file's pages are given back as batches come back, so the
	// pages resident are those of the batches in flight.
	rel, _ := src.(capture.Releaser)
	if rel != nil {
		rel.Release(capture.Mark{})
	}
	for {
		var b *batch
		select {
		case b = <-f.free:
		case <-f.stop:
			return
		}
		if b.marked {
			// Batches come back in order: every packet up to its end is done.
			rel.Release(b.end)
		}
		b.pkts, b.buf, b.bytes, b.err, b.marked = b.pkts[:0], b.buf[:0], 0, nil, false
		if f.carried {
			f.carried = false
			f.add(b, f.carry)
		}
		for len(b.pkts) < prefetchPackets && b.err == nil && len(b.buf) < prefetchBytes && b.bytes < prefetchStableBytes {
			if ctx.Err() != nil {
				b.err = ctx.Err()
				break
			}
			if count > 0 && f.packets+f.filtered >= count {
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
			if len(b.pkts) > 0 && !p.Stable && len(b.buf)+len(p.Data) > max(cap(b.buf), prefetchBytes) {
				// It does not fit: it opens the next batch. Its bytes
				// are kept aside meanwhile (the source reuses its buffer).
				f.carry, f.carried = p, true
				f.carryBuf = append(f.carryBuf[:0], p.Data...)
				f.carry.Data = f.carryBuf
				break
			}
			f.add(b, p)
		}
		if rel != nil {
			b.end, b.marked = rel.Mark(), true
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

// add decodes p into b, copying its bytes into b's buffer first unless
// they are Stable.
func (f *prefetcher) add(b *batch, p capture.Packet) {
	if !p.Stable {
		// The source reuses its buffer: the packet's bytes move into the
		// batch's, whose slices stay valid until the batch is handled.
		// Only a packet larger than the whole buffer, alone in its batch,
		// needs a bigger one (kept for the batch's next use).
		if len(b.buf)+len(p.Data) > cap(b.buf) {
			b.buf = make([]byte, 0, max(len(p.Data), prefetchBytes))
		}
		start := len(b.buf)
		b.buf = append(b.buf, p.Data...)
		p.Data = b.buf[start:len(b.buf):len(b.buf)]
	}
	b.bytes += len(p.Data)
	b.pkts = b.pkts[:len(b.pkts)+1] // within the capacity: run stops at prefetchPackets
	x := &b.pkts[len(b.pkts)-1]
	x.p = p
	f.packets++
	if f.decode {
		decodeSlot(&f.dec, x)
	}
}

// decodeSlot decodes a slot's packet into it. The decoder sets every field
// of the segment its outcome uses, and decodes TCP straight into the slot
// (no copy of the layer).
func decodeSlot(dec *capture.Decoder, x *fetched) {
	x.outcome = dec.DecodeInto(x.p, &x.seg, &x.tcp)
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

// release gives a handled batch back for reuse. Its slots keep their
// references until they are overwritten: to the batch's own buffer or to
// the mapped file, so nothing is kept alive that would not be anyway
// (clearing 512 slots per batch was a fifth of the prefetcher's time).
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
