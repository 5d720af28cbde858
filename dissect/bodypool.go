package dissect

import (
	"math/bits"
	"sync"

	"github.com/rtmpscope/rtmpscope/event"
)

// BodyPool recycles the buffers message bodies are assembled in. A media
// stream's bodies are most of what the dissector allocates (a 20 Mbit/s
// stream: 2.5 MB a second, every byte zeroed by the allocator, then
// copied over, then collected); when every sink is done with a record as
// soon as it returns (the text and NDJSON views), the pipeline gives the
// body back (Put) and the next message of about that size is assembled in
// it. Only buffers this pool handed out are taken back, and it holds at
// most maxPooled bytes. Safe for use by several goroutines.
type BodyPool struct {
	// Poison overwrites every buffer put back, so that a use after Put
	// shows in the output (tests).
	Poison bool
	// All pools bodies of every size, small ones too, so that a use after
	// Put shows for every message, not only for large ones (tests).
	All    bool
	mu     sync.Mutex
	free   [poolClasses][][]byte
	held   int                // bytes in free
	issued map[*byte]struct{} // buffers handed out and not yet put back
	// chunks are recycled chunk lists (event.Message.Chunks), for the
	// views that show them (-V): listing a video frame's chunks was most
	// of what the dissector allocated there.
	chunks [][]event.ChunkInfo
}

// maxPooledChunkLists bounds the chunk lists kept; a list longer than
// maxPooledChunkList entries is left to the collector.
const (
	maxPooledChunkLists = 64
	maxPooledChunkList  = 4096
)

// getChunks returns an empty recycled chunk list, or nil.
func (p *BodyPool) getChunks() []event.ChunkInfo {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.chunks); n > 0 {
		c := p.chunks[n-1]
		p.chunks = p.chunks[:n-1]
		return c[:0]
	}
	return nil
}

// PutChunks gives back a message's chunk list once nothing refers to it.
func (p *BodyPool) PutChunks(c []event.ChunkInfo) {
	if p == nil || cap(c) == 0 || cap(c) > maxPooledChunkList {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Poison {
		c = c[:cap(c)]
		for i := range c {
			c[i] = event.ChunkInfo{Offset: -1, HeaderLen: -1, Fmt: 0xEE, CSID: 0xEEEEEEEE, PayloadLen: -1, Frame: 0xEEEEEEEE, Header: []byte{0xEE}}
		}
	}
	if len(p.chunks) < maxPooledChunkLists {
		p.chunks = append(p.chunks, c[:0])
	}
}

// Buffers are pooled by size class: powers of two from minPooledBody to
// maxPooledBody. Smaller bodies (commands, audio frames) are cheap to
// allocate; larger ones are rare and would hold too much.
const (
	minPooledShift = 12 // 4 KiB
	maxPooledShift = 20 // 1 MiB
	poolClasses    = maxPooledShift - minPooledShift + 1
	maxPooled      = 8 << 20
	maxIssued      = 4096
)

// NewBodyPool returns an empty pool.
func NewBodyPool() *BodyPool { return &BodyPool{issued: make(map[*byte]struct{})} }

func poolClass(n int) int {
	if n <= 1<<minPooledShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minPooledShift
}

// get returns an empty buffer of capacity at least n, from the pool when n
// is within its classes; ok says whether it is the pool's.
func (p *BodyPool) get(n int) (b []byte, ok bool) {
	if p == nil || n < 1<<minPooledShift/2 && !p.All || n > 1<<maxPooledShift {
		return nil, false
	}
	c := poolClass(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free[c]); k > 0 {
		b = p.free[c][k-1]
		p.free[c] = p.free[c][:k-1]
		p.held -= cap(b)
	} else {
		b = make([]byte, 0, 1<<(c+minPooledShift))
	}
	if len(p.issued) >= maxIssued {
		// Bodies that never came back (dropped by a sink that keeps
		// records, cut by a budget) are forgotten, not kept alive here.
		clear(p.issued)
	}
	p.issued[&b[:1][0]] = struct{}{}
	return b[:0], true
}

// Put gives back a body the pool handed out, once nothing refers to it
// any more; any other slice is ignored.
func (p *BodyPool) Put(b []byte) {
	if p == nil || cap(b) == 0 {
		return
	}
	key := &b[:1][0]
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.issued[key]; !ok {
		return
	}
	delete(p.issued, key)
	if p.Poison {
		b = b[:cap(b)]
		for i := range b {
			b[i] = 0xEE
		}
	}
	if p.held+cap(b) > maxPooled {
		return
	}
	c := poolClass(cap(b))
	p.free[c] = append(p.free[c], b[:0])
	p.held += cap(b)
}

// grow appends src to a message body that will hold total bytes: the
// first bytes of a body whose total fits a pooled class go into a buffer
// from the pool, the rest as growAppend does.
func (p *BodyPool) grow(dst, src []byte, total uint32) []byte {
	if dst == nil && p != nil && int(total) >= len(src) {
		if b, ok := p.get(int(total)); ok {
			return append(b, src...)
		}
	}
	return growAppend(dst, src, total)
}
