package amf

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// tsharkItem is one line of tshark's -V "RTMP Body" tree that names a value:
// the top-level values (8-space indent) and their direct properties
// (12-space indent).
type tsharkItem struct {
	typ   string // String, Number, Boolean, Null, Object, ECMA array, ...
	text  string // the value as tshark printed it ("live", "292.96875", "4 items")
	key   string // for properties
	props []tsharkItem
}

var (
	reTop  = regexp.MustCompile(`^        (String|Number|Boolean|Null|Undefined|Object|ECMA array|Strict array|Date|Long string|Typed object|AMF3 data)( (.*))?$`)
	reProp = regexp.MustCompile(`^            Property '((?:[^']|'[^ ])*)' (String|Number|Boolean|Null|Undefined|Object|ECMA array|Strict array|Date|Long string)( (.*))?$`)
)

func readTshark(t *testing.T, path string) []tsharkItem {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []tsharkItem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := reTop.FindStringSubmatch(line); m != nil {
			items = append(items, tsharkItem{typ: m[1], text: m[3]})
		} else if m := reProp.FindStringSubmatch(line); m != nil && len(items) > 0 {
			last := &items[len(items)-1]
			last.props = append(last.props, tsharkItem{typ: m[2], text: m[4], key: m[1]})
		}
	}
	return items
}

// unquote strips tshark's quotes from 'text'.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	return s
}

func checkScalar(t *testing.T, where string, want tsharkItem, got Value) {
	t.Helper()
	switch want.typ {
	case "String":
		// tshark prints AMF strings as C strings, cut at the first NUL:
		// nginx-rtmp's onMetaData sends profile and level as 32 NUL
		// bytes, which tshark shows as ''. We keep every byte (see
		// TestNULPaddedStrings); compare the part tshark shows.
		shown, _, _ := strings.Cut(got.Str, "\x00")
		if got.Kind != KindString || shown != unquote(want.text) {
			t.Errorf("%s: got %v, tshark says String %s", where, got, want.text)
		}
	case "Number":
		f, err := strconv.ParseFloat(want.text, 64)
		if err != nil {
			t.Fatalf("%s: tshark number %q: %v", where, want.text, err)
		}
		if got.Kind != KindNumber || got.Num != f {
			t.Errorf("%s: got %v, tshark says Number %s", where, got, want.text)
		}
	case "Boolean":
		if got.Kind != KindBoolean || strconv.FormatBool(got.Bool) != want.text {
			t.Errorf("%s: got %v, tshark says Boolean %s", where, got, want.text)
		}
	case "Null":
		if got.Kind != KindNull {
			t.Errorf("%s: got %v, tshark says Null", where, got)
		}
	case "Object", "ECMA array", "Strict array":
		kind := map[string]Kind{"Object": KindObject, "ECMA array": KindECMAArray, "Strict array": KindStrictArray}[want.typ]
		if got.Kind != kind {
			t.Errorf("%s: got %v, tshark says %s", where, got.Kind, want.typ)
		}
		n := len(got.Props)
		if got.Kind == KindStrictArray {
			n = len(got.Elems)
		}
		if want.text != "("+strconv.Itoa(n)+" items)" {
			t.Errorf("%s: %d members, tshark says %s", where, n, want.text)
		}
	}
}

func realBodyFiles() ([]string, error) { return filepath.Glob("testdata/*.bin") }

func realBodies(t testing.TB) []string {
	files, err := realBodyFiles()
	if err != nil || len(files) == 0 {
		t.Skip("no real bodies in testdata (run testdata/extract.sh)")
	}
	return files
}

// TestRealBodies decodes every command and data body extracted from the
// real captures and compares it with what tshark showed for the same bytes:
// the command name, transaction id, each top-level value's type and size,
// and every property's key (in order) and scalar value.
func TestRealBodies(t *testing.T) {
	for _, bin := range realBodies(t) {
		name := strings.TrimSuffix(filepath.Base(bin), ".bin")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			want := readTshark(t, strings.TrimSuffix(bin, ".bin")+".tshark.txt")
			vals, err := DecodeAll(body, 0, Options{})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(vals) != len(want) {
				t.Fatalf("%d values, tshark shows %d", len(vals), len(want))
			}
			for i, w := range want {
				checkScalar(t, "value "+strconv.Itoa(i), w, vals[i])
				if len(w.props) == 0 {
					continue
				}
				if len(vals[i].Props) != len(w.props) {
					t.Errorf("value %d: %d properties, tshark shows %d", i, len(vals[i].Props), len(w.props))
					continue
				}
				for j, wp := range w.props {
					p := vals[i].Props[j]
					if p.Key != wp.key {
						t.Errorf("value %d property %d: key %q, tshark says %q", i, j, p.Key, wp.key)
					}
					checkScalar(t, "property "+wp.key, wp, p.Value)
				}
			}
			// Re-encoding a real body gives back its bytes.
			enc, err := Encode0(vals...)
			if err != nil || string(enc) != string(body) {
				t.Errorf("re-encode differs (err %v)", err)
			}
		})
	}
}

// The parts of the real bodies the command layer relies on, pinned to the
// strings tshark printed.
func TestRealConnectAndMetadata(t *testing.T) {
	connect := readBody(t, "publish-f12-0-connect")
	ts := readTshark(t, "testdata/publish-f12-0-connect.tshark.txt")
	if unquote(ts[0].text) != "connect" || connect[0].Str != "connect" {
		t.Fatalf("name %v / tshark %v", connect[0], ts[0].text)
	}
	var keys, tkeys []string
	for _, p := range connect[2].Props {
		keys = append(keys, p.Key)
	}
	for _, p := range ts[2].props {
		tkeys = append(tkeys, p.key)
	}
	if strings.Join(keys, ",") != strings.Join(tkeys, ",") {
		t.Errorf("connect keys %v, tshark %v", keys, tkeys)
	}
	md := readBody(t, "publish-f30-0-setDataFrame")
	tmd := readTshark(t, "testdata/publish-f30-0-setDataFrame.tshark.txt")
	if md[1].Str != unquote(tmd[1].text) || md[2].Kind != KindECMAArray {
		t.Errorf("metadata %v %v", md[1], md[2].Kind)
	}
	if got, want := md[2].Count, uint32(len(tmd[2].props)); got != want {
		t.Errorf("ECMA count field %d, tshark shows %d properties", got, want)
	}
}

func TestNULPaddedStrings(t *testing.T) {
	md := readBody(t, "play-f29-2-onMetaData")
	p, ok := md[len(md)-1].Get("profile")
	if !ok || len(p.Str) != 32 || strings.Trim(p.Str, "\x00") != "" {
		t.Errorf("profile = %q, want 32 NUL bytes as sent", p.Str)
	}
}

func readBody(t testing.TB, name string) []Value {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".bin")
	if err != nil {
		t.Skip(err)
	}
	vals, err := DecodeAll(b, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

func BenchmarkDecodeConnect(b *testing.B) {
	benchDecode(b, "testdata/publish-f12-0-connect.bin")
}

func BenchmarkDecodeOnMetaData(b *testing.B) {
	benchDecode(b, "testdata/publish-f30-0-setDataFrame.bin")
}

func BenchmarkDecodePlayOnMetaData(b *testing.B) {
	benchDecode(b, "testdata/play-f29-2-onMetaData.bin")
}

func benchDecode(b *testing.B, path string) {
	body, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeAll(body, 0, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalJSONOnMetaData(b *testing.B) {
	body, err := os.ReadFile("testdata/publish-f30-0-setDataFrame.bin")
	if err != nil {
		b.Skip(err)
	}
	vals, _ := DecodeAll(body, 0, Options{})
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, v := range vals {
			buf = AppendJSON(buf, v)
		}
	}
}
