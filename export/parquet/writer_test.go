package parquet

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/story"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// committedCaptures lists testdata/pcaps/*.pcap and *.pcapng.
func committedCaptures(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(capturetest.Pcaps(), pat))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m...)
	}
	if len(names) == 0 {
		t.Fatal("no captures in " + capturetest.Pcaps())
	}
	return names
}

// captureConfig is the configuration the capture's script implies (the
// port of otherport.pcap, as its --port).
func captureConfig(path string) pipeline.Config {
	var cfg pipeline.Config
	if filepath.Base(path) == "otherport.pcap" {
		cfg.Flow.Ports = []uint16{1935, 19999}
		cfg.Reassembly.ServerPorts = []uint16{19999}
	}
	return cfg
}

// ndjson is what `rtmpscope -T ndjson` and `rtmpscope stats -T ndjson`
// write for the records: every event, then every stream.
func ndjson(t testing.TB, recs []session.Record) [][]byte {
	t.Helper()
	var lines [][]byte
	opts := export.EventOptions{Stories: story.New(story.Options{})}
	for i := range recs {
		b, err := export.MarshalEvent(recs[i], opts)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
	}
	col := &export.StatsCollector{OnStream: func(s export.StreamStats) {
		b, err := export.MarshalStats(s)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
	}}
	for i := range recs {
		col.Add(recs[i])
	}
	col.Flush()
	return lines
}

func kindCounts(t *testing.T, lines [][]byte) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, l := range lines {
		var h struct{ Kind string }
		if err := json.Unmarshal(l, &h); err != nil {
			t.Fatal(err)
		}
		n[h.Kind]++
	}
	return n
}

// readKind reads back every file of one kind under dir with parquet-go's
// reader, in file order.
func readKind[T any](t *testing.T, dir, kind string) []T {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "kind="+kind, "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var rows []T
	for _, f := range files {
		r, err := pq.ReadFile[T](f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rows = append(rows, r...)
	}
	return rows
}

// readAll reads back every kind and checks the row counts against want.
func readAll(t *testing.T, dir string) map[string]any {
	t.Helper()
	return map[string]any{
		"conn":       readKind[ConnRow](t, dir, "conn"),
		"handshake":  readKind[HandshakeRow](t, dir, "handshake"),
		"message":    readKind[MessageRow](t, dir, "message"),
		"diagnostic": readKind[DiagnosticRow](t, dir, "diagnostic"),
		"gap":        readKind[GapRow](t, dir, "gap"),
		"stream":     readKind[StreamRow](t, dir, "stream"),
	}
}

// TestCapturesBothEntries writes every committed capture twice, once
// through Record (the local pipeline, statistics computed by the writer)
// and once through WriteEvent over the NDJSON the commands write, reads
// both back with parquet-go's reader and checks that the rows are the
// same, that each kind has as many rows as the NDJSON has events of that
// kind, and that every field of the JSON has a column.
func TestCapturesBothEntries(t *testing.T) {
	for _, path := range committedCaptures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			recs := capturetest.Records(t, path, captureConfig(path))
			lines := ndjson(t, recs)
			want := kindCounts(t, lines)

			dirA, dirB := t.TempDir(), t.TempDir()
			// Small files and row groups on one capture, to see rows
			// follow each other across them (the race detector makes
			// small row groups slow on every capture).
			var small Options
			if filepath.Base(path) == "multi.pcap" {
				small = Options{RowGroupRows: 100, MaxRows: 250}
			}
			a, err := NewWriter(dirA, Options{Source: "test", Stats: true, RowGroupRows: small.RowGroupRows, MaxRows: small.MaxRows,
				Event: export.EventOptions{Stories: story.New(story.Options{})}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range recs {
				if err := a.Record(&recs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			b, err := NewWriter(dirB, Options{Source: "test", RowGroupRows: small.RowGroupRows, MaxRows: small.MaxRows})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				if err := b.WriteEvent(l); err != nil {
					t.Fatalf("%s: %v", l, err)
				}
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}

			rowsA, rowsB := readAll(t, dirA), readAll(t, dirB)
			for _, kind := range Kinds {
				n := reflect.ValueOf(rowsA[kind]).Len()
				if n != want[kind] {
					t.Errorf("%s: %d rows through Record, the NDJSON has %d", kind, n, want[kind])
				}
				if m := reflect.ValueOf(rowsB[kind]).Len(); m != want[kind] {
					t.Errorf("%s: %d rows through WriteEvent, the NDJSON has %d", kind, m, want[kind])
				}
				if !reflect.DeepEqual(rowsA[kind], rowsB[kind]) {
					t.Errorf("%s: rows through Record and WriteEvent differ", kind)
				}
				if got := a.Rows()[kind]; got != int64(want[kind]) {
					t.Errorf("%s: Rows() = %d, want %d", kind, got, want[kind])
				}
				extras := reflect.ValueOf(rowsA[kind])
				for i := 0; i < extras.Len(); i++ {
					if e := extras.Index(i).FieldByName("Extra").Interface().(*string); e != nil {
						t.Errorf("%s row %d: fields without a column: %s (give them one in export/parquet/rows.go and docs/parquet-schema.md)", kind, i, *e)
						break
					}
				}
			}
			for kind := range want {
				if !contains(Kinds, kind) {
					t.Errorf("the NDJSON has %s events, which have no Parquet files", kind)
				}
			}
			if small.MaxRows > 0 && len(a.Files()) <= len(Kinds) {
				t.Errorf("%d files: MaxRows %d did not roll over", len(a.Files()), small.MaxRows)
			}
			// No temporary file is left behind.
			filepath.WalkDir(dirA, func(p string, d os.DirEntry, err error) error {
				if strings.HasSuffix(p, ".tmp") {
					t.Errorf("left behind: %s", p)
				}
				return nil
			})
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestColumnsHoldTheEvent checks the columns against the JSON on a
// capture of each kind: the values a query reads are those jq reads.
func TestColumnsHoldTheEvent(t *testing.T) {
	path := filepath.Join(capturetest.Pcaps(), "publish.pcap")
	recs := capturetest.Records(t, path, pipeline.Config{})
	dir := t.TempDir()
	w, err := NewWriter(dir, Options{Stats: true})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []map[string]any
	for i := range recs {
		if err := w.Record(&recs[i]); err != nil {
			t.Fatal(err)
		}
		b, _ := export.MarshalEvent(recs[i], export.EventOptions{})
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["kind"] == "message" {
			msgs = append(msgs, m)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows := readKind[MessageRow](t, dir, "message")
	if len(rows) != len(msgs) || len(rows) == 0 {
		t.Fatalf("%d rows, %d messages", len(rows), len(msgs))
	}
	var commands []string
	for i, r := range rows {
		m := msgs[i]
		if r.Frame != int64(m["frame"].(float64)) || r.Type != m["type"] || r.Length != int64(m["length"].(float64)) || r.Summary != m["summary"] {
			t.Fatalf("row %d: %+v is not %v", i, r, m)
		}
		body, _ := json.Marshal(m[r.Type])
		var rb any
		if r.Body == nil || json.Unmarshal([]byte(*r.Body), &rb) != nil {
			t.Fatalf("row %d: body %v", i, r.Body)
		}
		if b2, _ := json.Marshal(rb); !bytes.Equal(b2, body) {
			t.Fatalf("row %d: body %s, JSON %s", i, b2, body)
		}
		if r.CommandName != nil {
			commands = append(commands, *r.CommandName)
		}
		if p, ok := m["pair"].(map[string]any); ok && p["latency_ms"] != nil {
			if r.PairLatencyMS == nil || *r.PairLatencyMS != p["latency_ms"].(float64) {
				t.Fatalf("row %d: pair latency %v, JSON %v", i, r.PairLatencyMS, p["latency_ms"])
			}
		}
	}
	// publish.pcap: ffmpeg's publish sequence, the stream key redacted.
	if got := strings.Join(commands, ","); !strings.Contains(got, "connect,_result,releaseStream,FCPublish,createStream") || !strings.Contains(got, "publish") {
		t.Errorf("commands %s", got)
	}
	for _, r := range rows {
		if r.Body != nil && strings.Contains(*r.Body, "token=") && !strings.Contains(*r.Body, "token=****") {
			t.Errorf("secret in a row: %s", *r.Body)
		}
	}
	streams := readKind[StreamRow](t, dir, "stream")
	if len(streams) != 1 || streams[0].Name == nil || !strings.Contains(*streams[0].Name, "****") || streams[0].VideoFrames == nil || *streams[0].VideoFrames != 75 {
		t.Errorf("stream rows %+v", streams)
	}
}

// TestBadLines: what is not an event is an error that says why, and the
// writer goes on.
func TestBadLines(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ line, want string }{
		{`not json`, "not a JSON object"},
		{`null`, "not a JSON object"},
		{`{"schema":2,"kind":"message"}`, "JSON schema 2"},
		{`{"schema":1}`, "no kind"},
		{`{"schema":1,"kind":"bogus","conn":"c1","time":"2026-11-21T00:26:59.7049Z"}`, "unknown event kind"},
		{`{"schema":1,"kind":"message","conn":"c1","time":"yesterday"}`, `field "time"`},
		{`{"schema":1,"kind":"message","conn":"c1","time":"2026-11-21T00:26:59.7049Z","frame":"x"}`, `field "frame"`},
	} {
		err := w.WriteEvent([]byte(tc.line))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.line, err, tc.want)
		}
	}
	if err := w.WriteEvent([]byte(`{"schema":1,"kind":"gap","conn":"c1","dir":"c2s","time":"2026-11-21T00:27:37.866177Z","bytes":-1,"offset":0,"reason":"mid-stream","frame":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteEvent([]byte(`{}`)); err == nil {
		t.Error("write after Close: no error")
	}
	gaps := readKind[GapRow](t, dir, "gap")
	if len(gaps) != 1 || gaps[0].Bytes != -1 || gaps[0].Reason != "mid-stream" {
		t.Errorf("gaps %+v", gaps)
	}
	if len(w.Files()) != 1 {
		t.Errorf("files %v: only the gap kind has rows", w.Files())
	}
}
