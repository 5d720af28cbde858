package displayfilter

import (
	"errors"
	"sync"
	"testing"
)

// TestAbsentFields checks the tshark-like rules for fields an event lacks,
// by comparing filters whose counts must agree on the same records.
func TestAbsentFields(t *testing.T) {
	recs := records(t, "publish.pcap")
	all := len(recs)
	conns := count(t, recs, `kind == "conn"`)
	for _, c := range []struct {
		src  string
		want int
	}{
		{``, all},
		{`   `, all},
		{`timestamp > 4294967295 || kind == "conn"`, conns}, // ordering with nil is false, not an error
		{`!(command.name == "publish")`, all - count(t, recs, `command.name == "publish"`)},
		{`command.name == nil`, all - count(t, recs, `kind == "message" && type == "command"`)},
		{`diagnostic.code == nil && severity == nil`, all - count(t, recs, `kind == "diagnostic"`)},
		{`"a" < 1 || kind == "conn"`, 0}, // a type mismatch fails the whole record
		{`video.avc_config.sps.width == 320`, 1},
		{`type == "video" && video == nil`, 0},
	} {
		if got := count(t, recs, c.src); got != c.want {
			t.Errorf("%q: %d, want %d", c.src, got, c.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		line int
		col  int
	}{
		{`comand.name == "x"`, 1, 1},
		{`type ==`, 1, 7}, // expr points at the last token before the end
		{`kind == "message" &&` + "\n" + `  vidoe.keyframe`, 2, 3},
		{`len(foo) > 1`, 1, 5},
		{`kind == "message" and`, 1, 21},
	} {
		_, err := Compile(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: %v, want a *SyntaxError", c.src, err)
			continue
		}
		if se.Line != c.line || se.Column != c.col {
			t.Errorf("%q: line %d column %d (%s), want %d:%d", c.src, se.Line, se.Column, se.Msg, c.line, c.col)
		}
	}
	// Builtins and let-bound names are not fields.
	for _, src := range []string{`len(command.args) > 1`, `let n = command.name; n == "connect"`, `any(command.args, # == nil)`} {
		if _, err := Compile(src); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestConcurrentMatch runs one Filter from several goroutines (go test
// -race finds shared state).
func TestConcurrentMatch(t *testing.T) {
	recs := records(t, "publish.pcap")
	f, err := Compile(`video.keyframe || command.name == "publish"`)
	if err != nil {
		t.Fatal(err)
	}
	want := count(t, recs, f.String())
	var wg sync.WaitGroup
	got := make([]int, 4)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range recs {
				if f.Match(&recs[i]) {
					got[g]++
				}
			}
		}()
	}
	wg.Wait()
	for g, n := range got {
		if n != want {
			t.Errorf("goroutine %d: %d, want %d", g, n, want)
		}
	}
}
