package diff

import (
	"fmt"
	"io"
	"strings"
)

// Absent is the value shown for a fact one connection does not have.
const Absent = "(absent)"

// Line is one fact of both connections.
type Line struct {
	Section string `json:"section"`
	Name    string `json:"name"`
	A       string `json:"a"`
	B       string `json:"b"`
}

// Side names one compared connection.
type Side struct {
	Source string `json:"source,omitempty"`
	Conn   string `json:"conn"`
	Client string `json:"client"`
	Server string `json:"server"`
	Role   string `json:"role"`
}

// Result is a comparison: the differences first, then what is the same.
type Result struct {
	A           Side   `json:"a"`
	B           Side   `json:"b"`
	Differences []Line `json:"differences"`
	Same        []Line `json:"same"`
}

func side(p *Profile) Side {
	return Side{Source: p.Source, Conn: p.Conn, Client: p.Client, Server: p.Server, Role: p.Role}
}

// Compare lines up two profiles fact by fact, in section order: a fact
// either has is compared (Absent where one lacks it); facts empty on both
// sides are left out.
func Compare(a, b *Profile) Result {
	res := Result{A: side(a), B: side(b), Differences: []Line{}, Same: []Line{}}
	type key struct{ section, name string }
	var order []key
	seen := map[key]bool{}
	for _, p := range []*Profile{a, b} {
		for _, f := range p.Fields {
			k := key{f.Section, f.Name}
			if !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
	}
	// Keep section order across both profiles.
	var sorted []key
	for _, s := range sectionOrder {
		for _, k := range order {
			if k.section == s {
				sorted = append(sorted, k)
			}
		}
	}
	for _, k := range sorted {
		va, oka := a.Get(k.section, k.name)
		vb, okb := b.Get(k.section, k.name)
		if !oka {
			va = Absent
		}
		if !okb {
			vb = Absent
		}
		if (va == "" || va == Absent) && (vb == "" || vb == Absent) {
			continue
		}
		l := Line{k.section, k.name, va, vb}
		if va == vb {
			res.Same = append(res.Same, l)
		} else {
			res.Differences = append(res.Differences, l)
		}
	}
	return res
}

// WriteText writes a comparison: which connections, the differences
// (A and B under each other), then the facts that are the same.
func WriteText(w io.Writer, r Result) error {
	var b strings.Builder
	for _, s := range []struct {
		tag string
		s   Side
	}{{"A", r.A}, {"B", r.B}} {
		fmt.Fprintf(&b, "%s: %s %s → %s  %s", s.tag, s.s.Conn, s.s.Client, s.s.Server, s.s.Role)
		if s.s.Source != "" {
			fmt.Fprintf(&b, "  (%s)", s.s.Source)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "\n%d differences\n", len(r.Differences))
	section := ""
	for _, l := range r.Differences {
		if l.Section != section {
			section = l.Section
			fmt.Fprintf(&b, "\n[%s]\n", section)
		}
		fmt.Fprintf(&b, "  %s\n    A: %s\n    B: %s\n", l.Name, l.A, l.B)
	}
	fmt.Fprintf(&b, "\n%d the same\n", len(r.Same))
	section = ""
	for _, l := range r.Same {
		if l.Section != section {
			section = l.Section
			fmt.Fprintf(&b, "\n[%s]\n", section)
		}
		fmt.Fprintf(&b, "  %s: %s\n", l.Name, l.A)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
