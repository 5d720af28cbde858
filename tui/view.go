package tui

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/tui/store"
)

// Matcher says whether a record passes a display filter.
type Matcher func(*session.Record) bool

// selection is the set of rows the timeline shows: every row, or those of
// one connection and/or matching a display filter. A selection other than
// "everything" is computed by a goroutine that scans the store (re-decoding
// records when a display filter needs them) and keeps up with rows that
// arrive later; the UI reads its progress and rows under a lock.
type selection struct {
	all bool // every row: no index list

	mu      sync.Mutex
	idx     []int32 // matching store rows, ascending
	scanned int     // store rows examined
	cancel  context.CancelFunc
}

// selectAll is the selection of every row.
func selectAll() *selection { return &selection{all: true} }

// newSelection starts the scan of st for rows of connection conn (-1 for
// any) that match (nil for all). now scans what the store holds now before
// returning (tests, and cheap connection-only selections of small stores).
func newSelection(st *store.Store, conn int, match Matcher, reveal bool, now bool) *selection {
	ctx, cancel := context.WithCancel(context.Background())
	s := &selection{cancel: cancel}
	if now {
		s.scan(ctx, st, conn, match, reveal)
	}
	go func() {
		for ctx.Err() == nil {
			s.scan(ctx, st, conn, match, reveal)
			if st.Counts().Done && s.progress(st.Len()) {
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return s
}

// scan examines the rows not yet scanned.
func (s *selection) scan(ctx context.Context, st *store.Store, conn int, match Matcher, reveal bool) {
	s.mu.Lock()
	from := s.scanned
	s.mu.Unlock()
	n := st.Len()
	const batch = 4096
	var found []int32
	for i := from; i < n; i++ {
		row := st.Row(i)
		ok := conn < 0 || int(row.Conn) == conn
		if ok && match != nil {
			rec, err := st.Record(i, reveal)
			ok = err == nil && match(rec)
		}
		if ok {
			found = append(found, int32(i))
		}
		if (i+1-from)%batch == 0 || i == n-1 {
			s.mu.Lock()
			s.idx = append(s.idx, found...)
			s.scanned = i + 1
			s.mu.Unlock()
			found = found[:0]
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// progress reports whether all n rows have been scanned.
func (s *selection) progress(n int) bool {
	if s.all {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scanned >= n
}

// scannedCount returns how many rows were scanned.
func (s *selection) scannedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scanned
}

// stop ends the scan.
func (s *selection) stop() {
	if s.cancel != nil {
		s.cancel()
	}
}

// count returns the number of rows in the selection, given the store's.
func (s *selection) count(storeLen int) int {
	if s.all {
		return storeLen
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.idx)
}

// rows returns the store rows at positions [from, from+n) of the selection.
func (s *selection) rows(from, n, storeLen int) []int {
	out := make([]int, 0, max(n, 0))
	if s.all {
		for i := from; i < from+n && i < storeLen; i++ {
			out = append(out, i)
		}
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := from; i < from+n && i < len(s.idx); i++ {
		if i >= 0 {
			out = append(out, int(s.idx[i]))
		}
	}
	return out
}

// position returns the position of store row r in the selection, or of
// the first selected row after it (and false) when r is not selected.
func (s *selection) position(r, storeLen int) (int, bool) {
	if s.all {
		return r, r < storeLen
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := sort.Search(len(s.idx), func(i int) bool { return int(s.idx[i]) >= r })
	return p, p < len(s.idx) && int(s.idx[p]) == r
}
