package displayfilter

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rtmpscope/rtmpscope/export"
)

// captures lists the committed captures (pcap and pcapng).
func captures(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(pcaps, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	if len(names) == 0 {
		t.Fatal("no captures")
	}
	return names
}

// TestFieldsAgreeWithJSON is the contract between filters and the JSON
// export: on every record of every capture, each name's value in the
// filter environment equals what the exported JSON event has under that
// name (nil when it has none), and every name the export writes is a
// name a filter may use.
func TestFieldsAgreeWithJSON(t *testing.T) {
	for _, name := range captures(t) {
		recs := records(t, name)
		for i := range recs {
			r := &recs[i]
			line, err := export.MarshalEvent(*r, export.EventOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(line, &want); err != nil {
				t.Fatal(err)
			}
			for key := range want {
				if _, ok := fields[key]; !ok {
					t.Errorf("%s: the export writes %q, which filters do not know", name, key)
				}
			}
			var ev eventJSON
			for key, get := range fields {
				if _, _, alias := aliasByIdent(key); alias {
					continue // tshark's names: aliases_test.go
				}
				got := normalize(get(r, &ev))
				w, ok := want[key]
				if key == "diagnostic" && r.Diag != nil {
					w, ok = want, true
				}
				if !ok {
					w = nil
				}
				if !reflect.DeepEqual(got, w) {
					t.Fatalf("%s record %d (%s) %q: filter sees %#v, JSON has %#v\n%s", name, i, r.Kind, key, got, w, line)
				}
			}
		}
	}
}

// normalize gives v the types encoding/json decodes into any.
func normalize(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	return out
}
