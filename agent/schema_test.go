package agent

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

// TestDropReportValid: the agent.dropped event an agent puts on the stream
// is an event of the JSON export like any other: it validates against
// docs/events.schema.json.
func TestDropReportValid(t *testing.T) {
	f, err := os.Open("../docs/events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("events.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("events.schema.json")
	if err != nil {
		t.Fatal(err)
	}

	items := captureItems(t, "publish.pcap")
	_, _, otherBytes := split(items)
	srv := natstest.Embedded(t)
	nc := connect(t, srv.URL())
	p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "h1", Stream: DefaultEventStream, Block: true, QueueBytes: otherBytes + 2000})
	if err != nil {
		t.Fatal(err)
	}
	// The broker away while the capture is put: media is dropped.
	srv.Stop()
	for _, it := range items {
		kind, _ := kindOfSubject(it.Subject)
		p.Put(kind, it.Media, it.Line, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	}
	srv.Start(t)
	st, err := p.Close(context.Background())
	if err != nil || st.Queue.DroppedMedia == 0 {
		t.Fatalf("dropped %d, err %v", st.Queue.DroppedMedia, err)
	}
	js, _ := jetstream.New(nc)
	n := 0
	for _, m := range readStream(t, js) {
		if !bytes.Contains(m.Data(), []byte(`"agent.dropped"`)) {
			continue
		}
		n++
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.Data()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s\n%v", m.Data(), err)
		}
		if m.Subject() != "rtmpscope.h1.diagnostic" {
			t.Errorf("subject %s", m.Subject())
		}
	}
	if n == 0 {
		t.Error("no agent.dropped event on the stream")
	}
}
