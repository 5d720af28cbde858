package agent

import (
	"sync"
)

// Item is one event waiting to be sent: its subject, its NDJSON line, and
// whether it is media (an audio, video or aggregate message), which the
// queue may drop when it is full.
type Item struct {
	Subject string
	Line    []byte
	Media   bool
	// Seq numbers the items of one Publisher from 1 in the order they were
	// put; it survives drops (a gap in Seq is a dropped item).
	Seq uint64
	// id overrides the message id made of the run and Seq (the drop
	// report, which has no Seq).
	id string
}

// itemOverhead is what one queued item costs besides its line (the Item,
// its subject string, the slice slots), so that a flood of tiny events is
// bounded too.
const itemOverhead = 96

func (it *Item) cost() int { return len(it.Line) + len(it.Subject) + itemOverhead }

// QueueStats counts what the queue did.
type QueueStats struct {
	Put           uint64 // items offered
	DroppedMedia  uint64 // media items dropped because the queue was full
	DroppedOther  uint64 // session items dropped (only when not blocking)
	Blocked       uint64 // times Put waited for room (blocking queues)
	MaxBytes      int    // the budget
	HighWaterMark int    // the most bytes held at once (queued + in flight)
}

// Queue is a bounded FIFO of events between the pipeline and the sender.
// Its budget counts the bytes queued and the bytes taken but not yet
// acknowledged by the broker (in flight), so memory stays within it while
// the broker is away.
//
// When an item does not fit, media goes first: a media item is dropped
// (counted); a session item evicts the oldest queued media item instead,
// and only when no media is left to evict does it wait for room (Block) or
// get dropped too (counted separately). Items keep their order.
//
// It is safe for one producer and one consumer at a time.
type Queue struct {
	mu       sync.Mutex
	room     *sync.Cond // signalled when bytes are released or the queue closes
	ready    *sync.Cond // signalled when an item is queued or the queue closes
	items    []*Item    // FIFO; dropped media are set to nil in place
	head     int        // index of the first live slot in items
	media    []int      // absolute positions (base+index) of queued media, oldest first
	base     int        // absolute position of items[0]
	queued   int        // live items in items
	bytes    int        // queued + in flight
	max      int
	block    bool
	closed   bool
	waiting  int  // Puts waiting for room
	squeezed bool // a session item found no room (dropped, or waiting) since the last Squeezed
	seq      uint64
	st       QueueStats
	dropMark uint64 // DroppedMedia+DroppedOther when last reported (TakeDropReport)
}

// NewQueue makes a queue holding at most maxBytes of events (queued and in
// flight). With block, a session item that finds the queue full of session
// items waits for room; without, it is dropped and counted.
func NewQueue(maxBytes int, block bool) *Queue {
	q := &Queue{max: maxBytes, block: block}
	q.room = sync.NewCond(&q.mu)
	q.ready = sync.NewCond(&q.mu)
	q.st.MaxBytes = maxBytes
	return q
}

// Put offers an item. It reports whether the item was queued (false: it
// was dropped, or the queue is closed). It sets it.Seq.
func (q *Queue) Put(it Item) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.seq++
	it.Seq = q.seq
	q.st.Put++
	c := it.cost()
	waited := false
	for !q.fits(c) {
		if it.Media {
			q.st.DroppedMedia++
			return false
		}
		if q.evictMedia() {
			continue
		}
		q.squeezed = true
		if !q.block {
			q.st.DroppedOther++
			return false
		}
		if !waited {
			q.st.Blocked++
			waited = true
		}
		q.waiting++
		q.room.Wait()
		q.waiting--
		if q.closed {
			return false
		}
	}
	q.bytes += c
	if q.bytes > q.st.HighWaterMark {
		q.st.HighWaterMark = q.bytes
	}
	if it.Media {
		q.media = append(q.media, q.base+len(q.items))
	}
	q.items = append(q.items, &it)
	q.queued++
	q.ready.Signal()
	return true
}

// fits reports whether c more bytes fit. An item larger than the whole
// budget is let in when nothing else is held, so that it cannot wait
// forever.
func (q *Queue) fits(c int) bool {
	return q.bytes+c <= q.max || q.bytes == 0
}

// evictMedia drops the oldest queued media item; false when there is none.
func (q *Queue) evictMedia() bool {
	for len(q.media) > 0 {
		pos := q.media[0] - q.base
		q.media = q.media[1:]
		if pos < q.head || pos >= len(q.items) || q.items[pos] == nil {
			continue // already taken
		}
		q.bytes -= q.items[pos].cost()
		q.items[pos] = nil
		q.queued--
		q.st.DroppedMedia++
		return true
	}
	return false
}

// Take waits for at least one item and returns up to max of them, oldest
// first; their bytes stay counted until Done. It returns nil once the
// queue is closed and empty.
func (q *Queue) Take(max int) []Item {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.queued == 0 && !q.closed {
		q.ready.Wait()
	}
	var out []Item
	for q.head < len(q.items) && len(out) < max {
		it := q.items[q.head]
		q.items[q.head] = nil
		q.head++
		if it != nil {
			out = append(out, *it)
			q.queued--
		}
	}
	q.compact()
	return out
}

// compact reclaims the taken prefix of items once it is most of the slice.
func (q *Queue) compact() {
	if q.head < 1024 || q.head < len(q.items)/2 {
		return
	}
	n := copy(q.items, q.items[q.head:])
	clear(q.items[n:])
	q.items = q.items[:n]
	q.base += q.head
	q.head = 0
	// Positions in media before base are stale; evictMedia skips them.
	for len(q.media) > 0 && q.media[0] < q.base {
		q.media = q.media[1:]
	}
}

// Done releases the budget of items returned by Take once the broker has
// acknowledged them (or they were given up).
func (q *Queue) Done(items []Item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range items {
		q.bytes -= items[i].cost()
	}
	q.room.Broadcast()
}

// Squeezed reports whether session items are short of room: one waits,
// or one found no room since the last call. The sender then gives up the
// media it holds in flight for a broker that is not answering, so that
// media goes before session events there too.
func (q *Queue) Squeezed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.squeezed || q.waiting > 0
	q.squeezed = false
	return s
}

// DropTaken gives up media items taken but not delivered: they are counted
// as dropped and their bytes released.
func (q *Queue) DropTaken(items []Item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range items {
		q.bytes -= items[i].cost()
		q.st.DroppedMedia++
	}
	q.room.Broadcast()
}

// Close stops Put and lets Take return what is left, then nil.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.ready.Broadcast()
	q.room.Broadcast()
}

// Len returns the number of items queued (not in flight).
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.queued
}

// Stats returns the counters.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.st
}

// TakeDropReport returns the cumulative drop counts when they grew since
// the last call (zeros otherwise), for the publisher's agent.dropped event.
func (q *Queue) TakeDropReport() (media, other uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	total := q.st.DroppedMedia + q.st.DroppedOther
	if total == q.dropMark {
		return 0, 0
	}
	q.dropMark = total
	return q.st.DroppedMedia, q.st.DroppedOther
}
