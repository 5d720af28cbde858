package command

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

func TestSecretSetReplace(t *testing.T) {
	s := newSecretSet(0)
	s.add("abc123", "****#1")
	s.add("K", "****#2")
	s.add("abc", "****#3")
	for in, want := range map[string]string{
		"":                      "",
		"xabc123y":              "x****#1y",            // inside a longer string, longest wins
		"key K accepted":        "key ****#2 accepted", // a short key as a word
		"Keep OK":               "Keep OK",             // not inside words
		"K":                     "****#2",
		"abc abc123 abc":        "****#3 ****#1 ****#3",
		"already ****#2 masked": "already ****#2 masked", // redacting twice changes nothing
	} {
		if got := s.replace(in); got != want {
			t.Errorf("replace(%q) = %q, want %q", in, got, want)
		}
	}
	// Overlapping secrets are masked as one run: no part of either shows.
	s.add("cdefgh", "****#4")
	if got := s.replace("abcdefgh"); strings.Contains(got, "efgh") || strings.Contains(got, "abc") {
		t.Errorf("overlap: %q", got)
	}
}

// TestSecretSetAutomaton: the automaton and the pending scan agree with a
// plain search on many secrets.
func TestSecretSetAutomaton(t *testing.T) {
	s := newSecretSet(0)
	var names []string
	for i := 0; i < 200; i++ {
		n := fmt.Sprintf("key%03d_%x", i, i*7919)
		names = append(names, n)
		s.add(n, fmt.Sprintf("****#%d", i+1))
	}
	for i, n := range names {
		got := s.replace("see " + n + ".")
		if want := fmt.Sprintf("see ****#%d.", i+1); got != want {
			t.Fatalf("%q → %q, want %q", n, got, want)
		}
	}
	if s.rebuilds == 0 {
		t.Error("the automaton was never built")
	}
}

// TestRedactorBounded (#14 item 4): a connection that teaches 20,000 names
// keeps at most DefaultMaxSecrets of them (the newest), rebuilds its
// matcher once per rebuildPending names, not once per name, and a message
// of 200,000 strings is scrubbed in one pass per string (before: 351 s of
// strings × secrets Contains calls).
func TestRedactorBounded(t *testing.T) {
	r := NewRedactor()
	const n = 20000
	for i := 0; i < n; i++ {
		c := Command{Name: "FCPublish", Values: []amf.Value{amf.String("FCPublish"), amf.Number(float64(i)), amf.Null(), amf.String(fmt.Sprintf("cam%06d_%08x", i, i*7919))}}
		r.Command(c)
		// A string to scrub after every name, as a real exchange has.
		r.String("status")
	}
	if got := len(r.secrets.repl); got > DefaultMaxSecrets {
		t.Errorf("%d secrets remembered, want at most %d", got, DefaultMaxSecrets)
	}
	// Rebuilds happen when the plain scans cost as much as a rebuild,
	// or every maxPending secrets: never once per name.
	if max := n / 8; r.secrets.rebuilds > max {
		t.Errorf("%d automaton builds for %d names, want at most %d", r.secrets.rebuilds, n, max)
	}
	strs := make([]amf.Value, 200000)
	for i := range strs {
		strs[i] = amf.String(fmt.Sprintf("note %d", i))
	}
	last := fmt.Sprintf("cam%06d_%08x", n-1, (n-1)*7919)
	strs[len(strs)-1] = amf.String("last was " + last)
	d := r.Data(Data{Handler: "onNotes", Values: []amf.Value{amf.String("onNotes"), amf.StrictArray(strs...)}})
	got := d.Values[1].Elems[len(strs)-1].Str
	if strings.Contains(got, last[6:]) {
		t.Errorf("the newest name leaks: %q", got)
	}
	if d.Values[1].Elems[0].Str != "note 0" {
		t.Errorf("an innocent string changed: %q", d.Values[1].Elems[0].Str)
	}
}

// FuzzSecretSet: whatever the secrets and the string, no secret of three
// bytes or more is left in the output outside a mask, and replacing twice
// gives what replacing once gave. Secrets are the fields of secs split at
// '|'; learning them one by one exercises the automaton and the pending
// scan together.
func FuzzSecretSet(f *testing.F) {
	f.Add("live_8f3a|s3cr3t|Q", "publishing live_8f3a?token=s3cr3t, key Q ok")
	f.Add("aaa|aaaa|aa", "aaaaaaaaaa")
	f.Add("abc|cdefgh|bcd", "abcdefgh ****#1 abc")
	f.Fuzz(func(t *testing.T, secs, s string) {
		set := newSecretSet(8)
		var kept []string
		for i, sec := range strings.Split(secs, "|") {
			if i > 40 {
				break
			}
			set.add(sec, fmt.Sprintf("****#%d", i+1))
			if len(sec) >= shortSecret && len(sec) <= maxSecretLen && !strings.Contains(sec, "*") && !strings.Contains(sec, "#") {
				kept = append(kept, sec)
			}
			_ = set.replace(s) // interleave learning and scanning
		}
		out := set.replace(s)
		if again := set.replace(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		for _, sec := range kept {
			if _, ok := set.repl[sec]; !ok {
				continue // forgotten (the set keeps 8)
			}
			// Look for the secret outside masks.
			for _, m := range outsideMasks(out, findAll(out, sec)) {
				t.Fatalf("secret %q left at %d in %q (from %q)", sec, m.start, out, s)
			}
		}
	})
}

// findAll lists every occurrence of sub in s as matches.
func findAll(s, sub string) []match {
	var ms []match
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			ms = append(ms, match{i, i + len(sub), ""})
		}
	}
	return ms
}

// TestSecretSetBytesBounded: long secrets are forgotten by bytes too, so a
// connection teaching long names stays within maxSecretBytes.
func TestSecretSetBytesBounded(t *testing.T) {
	s := newSecretSet(0)
	for i := 0; i < 100; i++ {
		s.add(fmt.Sprintf("%04d%s", i, strings.Repeat("x", 996)), "****")
	}
	total := 0
	for sec := range s.repl {
		total += len(sec)
	}
	if total > maxSecretBytes || total != s.size {
		t.Errorf("%d bytes remembered (size %d), bound %d", total, s.size, maxSecretBytes)
	}
	if _, ok := s.repl[fmt.Sprintf("%04d%s", 99, strings.Repeat("x", 996))]; !ok {
		t.Error("the newest secret was forgotten")
	}
}
