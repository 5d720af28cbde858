package tui

import (
	"context"
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"

	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/store"
)

// A search looks for its query, case-insensitively, in each row's summary
// and, when the summary does not have it, in every field of the row's
// detail tree (labels and values), so "/avc1" finds video messages whose
// summary says only "AVC". It runs in the background from the row after
// (or before) the cursor and wraps around the selection once; n and N
// repeat it forwards and backwards. A newer search cancels an older one.

// searchProgress is how far a background search got, for the status bar
// (a search of the fields of a million rows takes seconds).
type searchProgress struct {
	done, total atomic.Int64
}

// percent is the share of rows examined.
func (p *searchProgress) percent() int {
	if p == nil || p.total.Load() == 0 {
		return 0
	}
	return int(min(p.done.Load()*100/p.total.Load(), 100))
}

// searchBatch is how many selection positions a search reads at a time.
const searchBatch = 256

// search starts looking for q from the cursor in direction dir (+1 or -1).
func (m *Model) search(q string, dir int) tea.Cmd {
	if m.searchCancel != nil {
		m.searchCancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.searchCancel = cancel
	m.searchGen++
	gen, cur, sel, st, reveal := m.searchGen, m.tl.cursor, m.tl.sel, m.st, m.reveal
	m.searchMsg = "searching: " + q
	prog := &searchProgress{}
	m.searchProg = prog
	lq := strings.ToLower(q)
	return func() tea.Msg {
		n := sel.count(st.Len())
		prog.total.Store(int64(n))
		pos, wrapped := scanFor(ctx, n, cur, dir, func(from, k int) []int { return sel.rows(from, k, st.Len()) },
			func(i int) bool {
				prog.done.Add(1)
				return rowMatches(st, i, lq, reveal)
			})
		return searchDoneMsg{gen: gen, pos: pos, query: q, wrapped: wrapped}
	}
}

// scanFor visits the n positions after cur (dir +1) or before it (dir -1),
// wrapping around once and ending on cur itself, and returns the first
// whose row matches, -1 when none does (or ctx ends), and whether the
// search wrapped to get there.
func scanFor(ctx context.Context, n, cur, dir int, rows func(from, k int) []int, match func(int) bool) (int, bool) {
	if n <= 0 {
		return -1, false
	}
	cur = min(max(cur, 0), n-1)
	for step := 1; step <= n; step += searchBatch {
		if ctx.Err() != nil {
			return -1, false
		}
		k := min(searchBatch, n-step+1)
		for j := range k {
			p := ((cur+dir*(step+j))%n + n) % n
			r := rows(p, 1)
			if len(r) == 1 && match(r[0]) {
				return p, (dir > 0 && p <= cur) || (dir < 0 && p >= cur)
			}
		}
	}
	return -1, false
}

// rowMatches says whether row i's summary or detail fields contain lq
// (already lower case).
func rowMatches(st *store.Store, i int, lq string, reveal bool) bool {
	if strings.Contains(strings.ToLower(st.Summary(i, reveal)), lq) {
		return true
	}
	rec, err := st.Record(i, reveal)
	if err != nil {
		return false
	}
	return treeHas(tree.Build(rec), lq, 0)
}

// treeHas says whether any node's label or value contains lq.
func treeHas(n *tree.Node, lq string, depth int) bool {
	if n == nil || depth > 64 {
		return false
	}
	if strings.Contains(strings.ToLower(n.Label), lq) || strings.Contains(strings.ToLower(n.Value), lq) {
		return true
	}
	for _, c := range n.Children {
		if treeHas(c, lq, depth+1) {
			return true
		}
	}
	return false
}
