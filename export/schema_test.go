package export

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaPath = "../docs/events.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("events.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("events.schema.json")
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, line []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, line)
	}
	return s.Validate(v)
}

// TestSchemaValidatesCaptures validates every event of every committed
// capture, with and without payloads, against docs/events.schema.json.
func TestSchemaValidatesCaptures(t *testing.T) {
	s := compileSchema(t)
	for _, name := range committedCaptures(t) {
		kinds := map[string]int{}
		for i, r := range captureRecords(t, name) {
			kinds[r.Kind.String()]++
			for _, opts := range []EventOptions{{}, {Payload: "base64"}} {
				if opts.Payload != "" && i%7 != 0 {
					continue // payloads only change "payload"; a sample is enough
				}
				line, err := MarshalEvent(r, opts)
				if err != nil {
					t.Fatalf("%s record %d: %v", name, i, err)
				}
				if err := validate(t, s, line); err != nil {
					t.Fatalf("%s record %d does not validate: %v\n%s", name, i, err, line)
				}
			}
		}
		// Encrypted variants read without their key files have no messages.
		encrypted := strings.HasPrefix(name, "rtmfp-") || strings.HasPrefix(name, "rtmps-") || strings.HasPrefix(name, "rtmpe-")
		if kinds["conn"] < 2 || (kinds["message"] == 0 && !encrypted) {
			t.Errorf("%s: %v: expected conn open/closed and messages", name, kinds)
		}
	}
}

// TestSchemaRejects makes sure the schema is strict enough to fail: each
// line breaks one rule of a valid event.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	valid := `{"schema":1,"kind":"gap","conn":"c1","dir":"c2s","time":"2026-11-21T00:26:59.7049Z","bytes":10,"offset":5,"reason":"lost","frame":3}`
	if err := validate(t, s, []byte(valid)); err != nil {
		t.Fatalf("valid line rejected: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(valid, `"kind":"gap"`, `"kind":"gaps"`, 1),
		strings.Replace(valid, `"dir":"c2s"`, `"dir":"up"`, 1),
		strings.Replace(valid, `"reason":"lost"`, `"reason":"eaten"`, 1),
		strings.Replace(valid, `,"bytes":10`, ``, 1),
		strings.Replace(valid, `"frame":3`, `"frame":3,"surprise":true`, 1),
		strings.Replace(valid, `"frame":3`, `"frame":"3"`, 1),
		strings.Replace(valid, `"time":"2026-11-21T00:26:59.7049Z"`, `"time":"yesterday"`, 1),
		`{"schema":1,"kind":"diagnostic","conn":"c1","time":"2026-11-21T00:26:59Z","severity":"fatal","code":"a.b","text":"","offset":0,"frames":[1,1]}`,
		`{"schema":1,"kind":"conn","conn":"c1","time":"2026-11-21T00:26:59Z","client":"a","server":"b","state":"closed","oriented":"syn"}`,
	} {
		if validate(t, s, []byte(bad)) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}

// TestSchemaDocExamples validates the complete example events of
// docs/json-schema.md (those not shortened with "…"), and checks that the
// schema's message type enum is MessageTypes.
func TestSchemaDocExamples(t *testing.T) {
	s := compileSchema(t)
	doc, err := os.ReadFile("../docs/json-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, `{"schema":1,`) || strings.Contains(line, "…") {
			continue
		}
		n++
		if err := validate(t, s, []byte(line)); err != nil {
			t.Errorf("docs example does not validate: %v\n%s", err, line)
		}
	}
	if n < 5 {
		t.Errorf("only %d complete examples in docs/json-schema.md", n)
	}
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var sch struct {
		Defs struct {
			Message struct {
				Properties struct {
					Type struct {
						Enum []string `json:"enum"`
					} `json:"type"`
				} `json:"properties"`
			} `json:"message"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &sch); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(sch.Defs.Message.Properties.Type.Enum, " "), strings.Join(event.MsgTypeKeys(), " "); got != want {
		t.Errorf("schema message types %q, MessageTypes %q", got, want)
	}
}

// TestSchemaValidatesStreams validates `rtmpscope stats -T ndjson` output
// (kind "stream") for every committed capture against the schema.
func TestSchemaValidatesStreams(t *testing.T) {
	s := compileSchema(t)
	total := 0
	for _, name := range committedCaptures(t) {
		var lines [][]byte
		c := &StatsCollector{OnStream: func(st StreamStats) {
			line, err := MarshalStats(st)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			lines = append(lines, line)
		}}
		for _, r := range captureRecords(t, name) {
			c.Add(r)
		}
		c.Flush()
		for _, line := range lines {
			if err := validate(t, s, line); err != nil {
				t.Errorf("%s: stream does not validate: %v\n%s", name, err, line)
			}
		}
		total += len(lines)
	}
	if total == 0 {
		t.Fatal("no streams in any capture")
	}
}
