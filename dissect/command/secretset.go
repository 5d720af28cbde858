package command

import (
	"slices"
	"strings"
)

// Bounds of what one Redactor remembers (see Redactor).
const (
	// DefaultMaxSecrets is how many learned secrets a Redactor keeps; past
	// it the oldest is forgotten (it is still masked where a rule finds it,
	// but no longer inside other strings).
	DefaultMaxSecrets = 1024
	// maxSecretBytes bounds the bytes of the secrets one Redactor
	// remembers (with DefaultMaxSecrets, the count), so ten thousand open
	// connections cost at most 160 MiB even when each teaches long names;
	// real connections teach a few hundred bytes.
	maxSecretBytes = 16 << 10
	// maxSecretLen: longer values are masked where a rule finds them but
	// not searched for elsewhere (a stream name of a megabyte is garbage,
	// and searching for it would cost as much as the name).
	maxSecretLen = 1024
	// shortSecret: secrets shorter than this are matched only as a whole
	// word, so that a one-letter key masks "key K accepted" without
	// masking every K in every string.
	shortSecret = 3
	// maxPending: learned secrets are searched for by a plain scan of
	// each string until the automaton is rebuilt, which happens when the
	// plain scans have cost as much as a rebuild would (ski rental: the
	// total is at most twice the best choice), or when this many are
	// pending, so a stream of learned names costs a rebuild per many
	// names, not one per name, and a string never costs more than
	// maxPending plain searches.
	maxPending = 256
)

// secretSet is the bounded set of secrets a Redactor has learned, with
// a matcher that finds all of them in a string in time linear in the
// string (an Aho–Corasick automaton over the set, plus a short list of
// secrets learned since it was built).
type secretSet struct {
	max     int
	repl    map[string]string // secret → replacement
	order   []string          // learning order, for eviction
	ac      *automaton
	pending []string // learned after ac was built
	stale   int      // secrets in ac that were forgotten since
	// rebuilds counts automaton builds, for tests of the bound.
	rebuilds int
	// size is the bytes of the remembered secrets (a rebuild's cost);
	// naive is what the plain scans of pending secrets cost since the
	// last build.
	size, naive int
}

func newSecretSet(max int) *secretSet {
	if max <= 0 {
		max = DefaultMaxSecrets
	}
	return &secretSet{max: max, repl: map[string]string{}}
}

func (s *secretSet) empty() bool { return len(s.repl) == 0 }

// add remembers a secret and what replaces it; the first replacement
// learned for a secret stays.
func (s *secretSet) add(secret, replacement string) {
	if secret == "" || secret == replacement || len(secret) > maxSecretLen {
		return
	}
	if _, ok := s.repl[secret]; ok {
		return
	}
	for len(s.order) > 0 && (len(s.order) >= s.max || s.size+len(secret) > maxSecretBytes) {
		old := s.order[0]
		s.order = s.order[1:]
		delete(s.repl, old)
		s.size -= len(old)
		s.stale++
	}
	s.size += len(secret)
	s.repl[secret] = replacement
	s.order = append(s.order, secret)
	s.pending = append(s.pending, secret)
}

// match is one occurrence of a secret: bytes [start, end).
type match struct {
	start, end int
	repl       string
}

// replace returns s with every occurrence of a remembered secret replaced.
// Overlapping occurrences are merged into one masked run (replaced by the
// longest one's replacement), so no part of any secret is left visible.
func (s *secretSet) replace(str string) string {
	if len(s.repl) == 0 || str == "" {
		return str
	}
	if len(s.pending) > 0 && (len(s.pending) >= maxPending || s.naive >= s.size) || s.stale > len(s.repl) {
		s.rebuild()
	}
	s.naive += len(str) * len(s.pending)
	var ms []match
	if s.ac != nil {
		ms = s.ac.find(str, s.repl, ms)
	}
	for _, p := range s.pending {
		r, ok := s.repl[p]
		if !ok {
			continue
		}
		for i := 0; i <= len(str)-len(p); {
			j := strings.Index(str[i:], p)
			if j < 0 {
				break
			}
			st := i + j
			if len(p) >= shortSecret || wordAt(str, st, st+len(p)) {
				ms = append(ms, match{st, st + len(p), r})
			}
			i = st + 1
		}
	}
	ms = outsideMasks(str, ms)
	if len(ms) == 0 {
		return str
	}
	slices.SortFunc(ms, func(a, b match) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	var sb strings.Builder
	last := 0
	for i := 0; i < len(ms); {
		cur := ms[i]
		best := cur
		for i++; i < len(ms) && ms[i].start < cur.end; i++ {
			if ms[i].end > cur.end {
				cur.end = ms[i].end
			}
			if ms[i].end-ms[i].start > best.end-best.start {
				best = ms[i]
			}
		}
		sb.WriteString(str[last:cur.start])
		sb.WriteString(best.repl)
		last = cur.end
	}
	sb.WriteString(str[last:])
	return sb.String()
}

// outsideMasks drops the matches that touch a mask already in str
// ("****" and its "#n" tag), so that redacting redacted text changes
// nothing: a secret "1" does not eat the tag "****#1".
func outsideMasks(str string, ms []match) []match {
	if len(ms) == 0 || !strings.Contains(str, Mask) {
		return ms
	}
	var regions [][2]int
	for i := 0; ; {
		j := strings.Index(str[i:], Mask)
		if j < 0 {
			break
		}
		st := i + j
		end := st + len(Mask)
		for end < len(str) && str[end] == '*' {
			end++
		}
		if end < len(str) && str[end] == '#' {
			k := end + 1
			for k < len(str) && str[k] >= '0' && str[k] <= '9' {
				k++
			}
			if k > end+1 {
				end = k
			}
		}
		regions = append(regions, [2]int{st, end})
		i = end
	}
	out := ms[:0]
	for _, m := range ms {
		// Regions are sorted; find the first ending after m.start.
		k, _ := slices.BinarySearchFunc(regions, m.start, func(r [2]int, t int) int {
			if r[1] <= t {
				return -1
			}
			return 1
		})
		if k < len(regions) && regions[k][0] < m.end {
			continue
		}
		out = append(out, m)
	}
	return out
}

func (s *secretSet) rebuild() {
	s.ac = newAutomaton(s.order)
	s.rebuilds++
	s.naive = 0
	s.pending = s.pending[:0]
	s.stale = 0
}

// wordAt reports whether s[start:end] is a whole word: not preceded or
// followed by a letter, digit or underscore (or by a mask's '*' or '#', so
// that redacting redacted text changes nothing: found by FuzzSecretSet).
func wordAt(s string, start, end int) bool {
	return (start == 0 || !isWordByte(s[start-1])) && (end == len(s) || !isWordByte(s[end]))
}

func isWordByte(c byte) bool {
	return c == '_' || c == '*' || c == '#' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// automaton is an Aho–Corasick matcher over a fixed list of patterns.
type automaton struct {
	nodes []acNode
	pats  []string
}

type acNode struct {
	edges []acEdge
	fail  int32
	out   int32 // pattern ending here, -1 if none
	dict  int32 // nearest node on the fail chain with out >= 0, -1 if none
}

type acEdge struct {
	b  byte
	to int32
}

func (n *acNode) next(b byte) int32 {
	for _, e := range n.edges {
		if e.b == b {
			return e.to
		}
	}
	return -1
}

func newAutomaton(pats []string) *automaton {
	a := &automaton{nodes: []acNode{{fail: 0, out: -1, dict: -1}}, pats: slices.Clone(pats)}
	for pi, p := range a.pats {
		cur := int32(0)
		for i := 0; i < len(p); i++ {
			nx := a.nodes[cur].next(p[i])
			if nx < 0 {
				nx = int32(len(a.nodes))
				a.nodes = append(a.nodes, acNode{out: -1, dict: -1})
				a.nodes[cur].edges = append(a.nodes[cur].edges, acEdge{p[i], nx})
			}
			cur = nx
		}
		if a.nodes[cur].out < 0 {
			a.nodes[cur].out = int32(pi)
		}
	}
	// Breadth-first: fail and dict links of a node come from its parent's.
	queue := make([]int32, 0, len(a.nodes))
	for _, e := range a.nodes[0].edges {
		a.nodes[e.to].fail = 0
		queue = append(queue, e.to)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range a.nodes[u].edges {
			f := a.nodes[u].fail
			for {
				if nx := a.nodes[f].next(e.b); nx >= 0 && nx != e.to {
					a.nodes[e.to].fail = nx
					break
				}
				if f == 0 {
					a.nodes[e.to].fail = 0
					break
				}
				f = a.nodes[f].fail
			}
			fl := a.nodes[e.to].fail
			if a.nodes[fl].out >= 0 {
				a.nodes[e.to].dict = fl
			} else {
				a.nodes[e.to].dict = a.nodes[fl].dict
			}
			queue = append(queue, e.to)
		}
	}
	return a
}

// find appends, for each end position in s, the longest pattern ending
// there that is still in live (forgotten ones are skipped) and, when short,
// stands as a whole word.
func (a *automaton) find(s string, live map[string]string, ms []match) []match {
	cur := int32(0)
	for i := 0; i < len(s); i++ {
		for {
			if nx := a.nodes[cur].next(s[i]); nx >= 0 {
				cur = nx
				break
			}
			if cur == 0 {
				break
			}
			cur = a.nodes[cur].fail
		}
		n := cur
		if a.nodes[n].out < 0 {
			n = a.nodes[n].dict
		}
		for n > 0 {
			p := a.pats[a.nodes[n].out]
			if r, ok := live[p]; ok {
				st := i + 1 - len(p)
				if len(p) >= shortSecret || wordAt(s, st, i+1) {
					ms = append(ms, match{st, i + 1, r})
					break
				}
			}
			n = a.nodes[n].dict
		}
	}
	return ms
}

// Remembered is how many secrets r remembers now (at most its bound).
func (r *Redactor) Remembered() int { return len(r.secrets.repl) }
