package session

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/pcapsplice"
)

// TestRedactionBoundedOnCapture (#14 item 4): publish.pcap (a real ffmpeg
// publish through nginx) with 3,000 FCPublish calls of distinct names
// spliced in after its publish command, then a data message quoting the
// last and the first name among 20,000 other strings (what
// testdata/pcaps/hostile/derive.go -case names makes at full size: 20,000
// names, 200,000 strings). The connection's redactor keeps at most
// DefaultMaxSecrets of them (before: every one, and each string was
// searched for each), the newest name is masked in the data message, and
// the innocent strings are untouched.
func TestRedactionBoundedOnCapture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(pcapDir, "publish.pcap"))
	if err != nil {
		t.Skip(err)
	}
	c, err := pcapsplice.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	const n = 3000
	name := func(i int) string { return fmt.Sprintf("cam%06d_%08x", i, uint32(i)*2654435761) }
	ins := pcapsplice.SetChunkSize(1 << 22)
	for i := 0; i < n; i++ {
		body, _ := amf.Encode0(amf.String("FCPublish"), amf.Number(float64(100+i)), amf.Null(), amf.String(name(i)))
		ins = append(ins, pcapsplice.Message(3, 20, 0, 0, body)...)
	}
	strs := make([]amf.Value, 20000)
	for i := range strs {
		strs[i] = amf.String(fmt.Sprintf("note %d", i))
	}
	strs[0] = amf.String("first was " + name(0))
	strs[len(strs)-1] = amf.String("last was " + name(n-1))
	body, _ := amf.Encode0(amf.String("onNotes"), amf.StrictArray(strs...))
	ins = append(ins, pcapsplice.Message(4, 18, 1, 0, body)...)
	ins = append(ins, pcapsplice.SetChunkSize(4096)...)
	if err := c.InsertAfter(at, ins); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "names.pcap")
	if err := os.WriteFile(path, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var tr *Tracker
	remembered, seen := 0, false
	tr = New(Options{}, func(r Record) {
		if r.Kind != event.KindMessage || r.Body.Data == nil || r.Body.Data.Handler != "onNotes" {
			return
		}
		seen = true
		remembered = tr.conns[r.ConnID].redactor.Remembered()
		elems := r.Body.Data.Values[1].Elems
		if last := elems[len(elems)-1].Str; strings.Contains(last, name(n - 1)[3:]) {
			t.Errorf("the newest name leaks: %q", last)
		}
		if elems[1].Str != "note 1" {
			t.Errorf("an innocent string changed: %q", elems[1].Str)
		}
	})
	if _, err := runPipeline(path, tr); err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Fatal("no onNotes message")
	}
	if remembered == 0 || remembered > command.DefaultMaxSecrets {
		t.Errorf("%d secrets remembered, want 1..%d", remembered, command.DefaultMaxSecrets)
	}
}
