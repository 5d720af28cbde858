package command

import (
	"hash/maphash"
	"strconv"
)

// DefaultMaxTags bounds the distinct secrets a Tags table numbers.
const DefaultMaxTags = 1 << 16

// Tags gives each distinct secret of one run a stable, distinguishable mask:
// the first secret becomes "****#1", the second "****#2", and the same
// secret gets the same tag in every connection and every output of the run,
// so two publishers, or a publisher and its players, can be told apart and
// matched up without showing either key.
//
// A tag is a per-run counter, never derived from the secret's value: it
// cannot be reversed, and the same key gets unrelated tags in two runs
// (a hash could be brute-forced offline and linked across runs).
//
// The table is bounded (max distinct secrets); past it, new secrets are
// masked without a number ("****") while the ones already numbered keep
// theirs. A nil *Tags masks without numbers. Not safe for concurrent use.
type Tags struct {
	max int
	// tag is keyed by a hash of the secret with a seed of this run only
	// (never output, so nothing can be brute-forced from it), so that the
	// table costs a few bytes per secret however long the secrets are.
	seed  maphash.Seed
	tag   map[uint64]string
	count int
	// Overflow counts secrets that found the table full.
	Overflow int
}

// NewTags returns an empty table of at most max distinct secrets
// (DefaultMaxTags when max <= 0).
func NewTags(max int) *Tags {
	if max <= 0 {
		max = DefaultMaxTags
	}
	return &Tags{max: max, seed: maphash.MakeSeed(), tag: map[uint64]string{}}
}

// Mask returns the tagged mask of secret ("****#n").
func (t *Tags) Mask(secret string) string {
	if t == nil {
		return Mask
	}
	h := maphash.String(t.seed, secret)
	if s, ok := t.tag[h]; ok {
		return s
	}
	if len(t.tag) >= t.max {
		t.Overflow++
		return Mask
	}
	t.count++
	s := Mask + "#" + strconv.Itoa(t.count)
	t.tag[h] = s
	return s
}

// Len is how many distinct secrets have a tag.
func (t *Tags) Len() int {
	if t == nil {
		return 0
	}
	return len(t.tag)
}

// StreamName applies the stream-name rule (see Redactor) to one name with
// this table's tags: "live_8f3a?token=x" → "live_****#1?token=****#2".
func (t *Tags) StreamName(name string) string { return redactStreamName(name, t.Mask) }
