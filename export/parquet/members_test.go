package parquet

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// agree checks members and scalar against encoding/json on one line: the
// same members with the same bytes, the same error or none, and each
// member read as a string, an integer, a float and a bool the same way.
func agree(t *testing.T, line []byte) {
	t.Helper()
	var want map[string]json.RawMessage
	werr := json.Unmarshal(line, &want)
	got, gerr := members(line)
	if werr != nil || want == nil {
		if gerr == nil {
			t.Fatalf("%q: members accepted what encoding/json refuses (%v)", line, werr)
		}
		return
	}
	if gerr != nil {
		t.Fatalf("%q: members: %v; encoding/json accepts it", line, gerr)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, encoding/json %d", line, len(got), len(want))
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !bytes.Equal(g, w) {
			t.Fatalf("%q: member %q = %q, encoding/json %q", line, k, g, w)
		}
		for _, dst := range []func() (any, any){
			func() (any, any) { return new(string), new(string) },
			func() (any, any) { return new(int64), new(int64) },
			func() (any, any) { return new(int32), new(int32) },
			func() (any, any) { return new(float64), new(float64) },
			func() (any, any) { return new(bool), new(bool) },
		} {
			a, b := dst()
			if scalar(w, a) {
				if json.Unmarshal(w, b) != nil || !reflect.DeepEqual(a, b) {
					t.Fatalf("%q: %q read as %T gives %v, encoding/json %v", line, k, a, reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
				}
			}
		}
	}
}

// TestMembersAgree: on every event of every committed capture (every kind,
// payloads in hex, stream objects too) the fast reader reads what
// encoding/json reads.
func TestMembersAgree(t *testing.T) {
	for _, path := range committedCaptures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			for _, l := range ndjson(t, capturetest.Records(t, path, captureConfig(path))) {
				agree(t, l)
			}
		})
	}
	for _, l := range []string{`{}`, ` { "a" : 1 , "a" : [ 2 , {"x":"}"} ] } `, `{"k\u00e9y":"v\"al","n":-0,"f":1e3,"b":false,"z":null}`,
		"{\"bad\xff\":\"\xfe\"}", `{"n":12345678901234567890}`, `[1]`, `null`, `"s"`, `{"a":1`, ``} {
		agree(t, []byte(l))
	}
}

// FuzzMembers: for any input, the fast reader and encoding/json agree.
// Seeds: real event lines (FuzzWriteEvent's) and the hand cases above.
func FuzzMembers(f *testing.F) {
	path := filepath.Join(capturetest.Pcaps(), "midstream.pcap")
	for i, l := range ndjson(f, capturetest.Records(f, path, pipeline.Config{})) {
		if i%8 == 0 {
			f.Add(l)
		}
	}
	f.Add([]byte(`{"k\u00e9y":"v\"al","n":-0,"f":1e3,"b":false,"z":null,"o":{"a":[1,"]"]}}`))
	f.Fuzz(func(t *testing.T, line []byte) { agree(t, line) })
}
