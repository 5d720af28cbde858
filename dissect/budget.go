package dissect

import "sync/atomic"

// DefaultMaxTotalBodyBytes is the default budget for partial message bodies
// across all connections of a run (Options.MaxTotalBodyBytes).
const DefaultMaxTotalBodyBytes = 16 << 20

// Budget is a byte budget shared by every connection of one run: the
// bytes held in partial (incomplete) message bodies, which a hostile or
// broken peer can make as large as its length claims. Each connection also
// has its own cap (Options.MaxBodyBytes), so one connection cannot take all
// of it. Safe for concurrent use.
type Budget struct {
	max  int64
	used atomic.Int64
	// refused counts the bodies that were not kept because the budget
	// was spent.
	refused atomic.Int64
	peak    atomic.Int64
}

// NewBudget returns a budget of max bytes (DefaultMaxTotalBodyBytes when
// max <= 0).
func NewBudget(max int64) *Budget {
	if max <= 0 {
		max = DefaultMaxTotalBodyBytes
	}
	return &Budget{max: max}
}

// Max is the budget's size in bytes.
func (b *Budget) Max() int64 { return b.max }

// Used is how many bytes are held now.
func (b *Budget) Used() int64 { return b.used.Load() }

// Peak is the most bytes held at once.
func (b *Budget) Peak() int64 { return b.peak.Load() }

// Refused is how many message bodies were not kept for want of budget.
func (b *Budget) Refused() int64 { return b.refused.Load() }

// take reserves n bytes, or reports false (and reserves nothing) when they
// would exceed the budget.
func (b *Budget) take(n int64) bool {
	u := b.used.Add(n)
	if u > b.max {
		b.used.Add(-n)
		b.refused.Add(1)
		return false
	}
	for p := b.peak.Load(); u > p && !b.peak.CompareAndSwap(p, u); p = b.peak.Load() {
	}
	return true
}

// give returns n bytes.
func (b *Budget) give(n int64) { b.used.Add(-n) }

// adjust corrects a reservation by n bytes (either sign) after the fact,
// without refusing: the allocation has been made.
func (b *Budget) adjust(n int64) {
	if n != 0 {
		b.used.Add(n)
	}
}

// release gives back n bytes of partial bodies this connection held.
func (c *Conn) release(n int64) {
	c.liveBody -= n
	c.opts.Budget.give(n)
}
