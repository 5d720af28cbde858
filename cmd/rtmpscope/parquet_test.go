package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"
)

// -T parquet as a user runs it: every committed capture's files read back
// with as many rows per kind as the NDJSON of the same capture has events,
// and DuckDB's answers over the directory equal jq's over the NDJSON.

// parquetRows counts the rows of each kind=K directory under dir.
func parquetRows(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "kind=*", "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int64{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		pf, err := pq.OpenFile(fh, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		kind := strings.TrimPrefix(filepath.Base(filepath.Dir(f)), "kind=")
		if v, ok := pf.Lookup("rtmpscope.kind"); !ok || v != kind {
			t.Errorf("%s: metadata kind %q", f, v)
		}
		n[kind] += pf.NumRows()
		fh.Close()
	}
	return n
}

// ndjsonKinds counts the events of each kind in NDJSON output.
func ndjsonKinds(t *testing.T, out string) map[string]int64 {
	t.Helper()
	n := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var h struct{ Kind string }
		if err := json.Unmarshal([]byte(l), &h); err != nil {
			t.Fatal(err)
		}
		n[h.Kind]++
	}
	return n
}

// parquetRun writes one capture's Parquet files and returns the directory,
// with the counts the NDJSON and stats commands give for the same capture.
func parquetRun(t *testing.T, pcap string) (dir string, events, streams string) {
	t.Helper()
	dir = t.TempDir()
	if _, e, code := rtmpscope(t, "-r", pcap, "-T", "parquet", "-o", dir); code != 0 {
		t.Fatalf("-T parquet: exit %d: %s", code, e)
	} else if !strings.Contains(e, "Parquet files under "+dir) {
		t.Errorf("stderr does not say where the files are: %s", e)
	}
	events, e, code := rtmpscope(t, "-r", pcap, "-T", "ndjson")
	if code != 0 {
		t.Fatalf("-T ndjson: exit %d: %s", code, e)
	}
	streams, e, code = rtmpscope(t, "stats", "-r", pcap, "-T", "ndjson")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, e)
	}
	return dir, events, streams
}

// TestParquetEveryCapture: rows per kind equal the NDJSON's events per kind
// (stream rows: the stats command's streams) on every committed capture.
func TestParquetEveryCapture(t *testing.T) {
	var pcaps_ []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join(pcaps, pat))
		pcaps_ = append(pcaps_, m...)
	}
	if len(pcaps_) == 0 {
		t.Fatal("no committed captures")
	}
	for _, pcap := range pcaps_ {
		t.Run(filepath.Base(pcap), func(t *testing.T) {
			t.Parallel()
			dir, events, streams := parquetRun(t, pcap)
			want := ndjsonKinds(t, events)
			for k, v := range ndjsonKinds(t, streams) {
				want[k] += v
			}
			got := parquetRows(t, dir)
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("rows per kind %v, NDJSON %v", got, want)
			}
		})
	}
}

// TestParquetFlags: -T parquet needs -o; the Parquet flags need -T parquet.
func TestParquetFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-r", pcaps + "publish.pcap", "-T", "parquet"},
		{"-r", pcaps + "publish.pcap", "-o", t.TempDir()},
		{"-r", pcaps + "publish.pcap", "-T", "parquet", "-o", t.TempDir(), "--parquet-rows", "0"},
	} {
		if _, e, code := rtmpscope(t, args...); code != 2 || !strings.Contains(e, "parquet") {
			t.Errorf("%v: exit %d, %s", args, code, e)
		}
	}
}

// TestParquetDuckDB queries a capture's directory with DuckDB (the node
// binding, testdata/duckdb-query.cjs) and the same questions of its NDJSON
// with jq: rows per kind, each connection's commands in order, media bytes
// and keyframes per connection and direction, connect latency, streams.
// It runs where DuckDB does: RTMPSCOPE_DUCKDB_NODE_PATH names a
// node_modules holding @duckdb/node-api (.ci/run installs it with npm).
func TestParquetDuckDB(t *testing.T) {
	nodePath := os.Getenv("RTMPSCOPE_DUCKDB_NODE_PATH")
	if nodePath == "" {
		t.Skip("DuckDB not available: set RTMPSCOPE_DUCKDB_NODE_PATH to a node_modules with @duckdb/node-api (npm install @duckdb/node-api)")
	}
	for _, tool := range []string{"node", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	script, _ := filepath.Abs("testdata/duckdb-query.cjs")
	for _, name := range []string{"multi.pcap", "publish.pcap", "rtmpt-publish.pcap", "relay.pcap"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pcap := need(t, name)
			dir, events, streams := parquetRun(t, pcap)
			cmd := exec.Command("node", script, dir)
			cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
			out, err := cmd.Output()
			if err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					t.Fatalf("duckdb: %v\n%s", err, ee.Stderr)
				}
				t.Fatal(err)
			}
			var duck map[string]json.RawMessage
			if err := json.Unmarshal(out, &duck); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			jq := func(input, prog string) json.RawMessage {
				c := exec.Command("jq", "-cs", prog)
				c.Stdin = strings.NewReader(input)
				b, err := c.Output()
				if err != nil {
					t.Fatalf("jq %s: %v", prog, err)
				}
				return b
			}
			both := events + streams
			want := map[string]json.RawMessage{
				"kinds": jq(both, `group_by(.kind) | map({kind: .[0].kind, n: (length|tostring)})`),
				"commands": jq(events, `map(select(.kind == "message" and .command != null)) | group_by(.conn)
					| map({conn: .[0].conn, names: (map(.command.name) | join(","))})`),
				"media": jq(events, `map(select(.kind == "message" and (.type == "audio" or .type == "video")))
					| group_by([.conn, .dir, .type]) | map({conn: .[0].conn, dir: .[0].dir, type: .[0].type,
					  bytes: (map(.length) | add | tostring), n: (length | tostring),
					  keyframes: (map(select(.video.keyframe == true)) | length | tostring)})`),
				"latency": jq(events, `map(select(.kind == "message" and .pair.role == "response" and .pair.request == "connect"))
					| sort_by(.conn) | map({conn, pair_latency_ms: .pair.latency_ms})`),
				"streams": jq(streams, `sort_by(.conn, .dir, .msid) | map({conn, dir, msid: (.msid|tostring), name,
					video_frames: (if .video then (.video.frames|tostring) else null end),
					audio_frames: (if .audio then (.audio.frames|tostring) else null end)})`),
			}
			keys := make([]string, 0, len(want))
			for k := range want {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				var a, b any
				json.Unmarshal(duck[k], &a)
				json.Unmarshal(want[k], &b)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s:\nDuckDB %s\njq     %s", k, duck[k], want[k])
				}
			}
			if strings.Contains(string(out), "s3cr3t") {
				t.Error("a secret in DuckDB's answers")
			}
		})
	}
}
