package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

func TestHostToken(t *testing.T) {
	for in, want := range map[string]string{
		"ingest-01.cdn.example": "ingest-01_cdn_example",
		"a b*c>d":               "a_b_c_d",
		"":                      "unknown",
		"x/../y":                "x____y",
		"höst":                  "h_st",
	} {
		if got := HostToken(in); got != want {
			t.Errorf("HostToken(%q) = %q, want %q", in, got, want)
		}
	}
	if h, k, ok := SplitSubject(Subject("h1", event.KindMessage)); !ok || h != "h1" || k != "message" {
		t.Errorf("SplitSubject: %q %q %v", h, k, ok)
	}
}

// readStream returns every message of the event stream, in stream order.
func readStream(t *testing.T, js jetstream.JetStream) []jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	c, err := js.OrderedConsumer(ctx, DefaultEventStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for uint64(len(out)) < info.NumPending {
		b, err := c.Fetch(int(info.NumPending)-len(out), jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			out = append(out, m)
		}
		if b.Error() != nil {
			t.Fatal(b.Error())
		}
	}
	return out
}

func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := Connect(ConnOptions{URL: url, Name: "test", ReconnectWait: 100 * time.Millisecond, RetryFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// TestPublishAll: a real publish's events reach the stream, each on its
// kind's subject, the same bytes, in capture order, numbered.
func TestPublishAll(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	for _, kind := range natstest.Kinds(t) {
		srv := kind(t)
		t.Run(srv.Name(), func(t *testing.T) {
			nc := connect(t, srv.URL())
			p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "h1", Stream: DefaultEventStream, Block: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				kind, _ := kindOfSubject(it.Subject)
				p.Put(kind, it.Media, it.Line, time.Time{})
			}
			st, err := p.Close(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Published != uint64(len(items)) || st.Queue.DroppedMedia != 0 {
				t.Fatalf("published %d of %d, dropped %d", st.Published, len(items), st.Queue.DroppedMedia)
			}
			js, _ := jetstream.New(nc)
			msgs := readStream(t, js)
			if len(msgs) != len(items) {
				t.Fatalf("stream holds %d messages, published %d", len(msgs), len(items))
			}
			for i, m := range msgs {
				if m.Subject() != "rtmpscope.h1."+strings.Split(items[i].Subject, ".")[2] || !bytes.Equal(m.Data(), items[i].Line) {
					t.Fatalf("message %d: %s %s\nwant %s %s", i, m.Subject(), m.Data(), items[i].Subject, items[i].Line)
				}
				if m.Headers().Get(HeaderSeq) == "" || m.Headers().Get(HeaderRun) == "" {
					t.Fatalf("message %d lacks headers: %v", i, m.Headers())
				}
			}
		})
	}
}

func kindOfSubject(s string) (event.Kind, bool) {
	var k event.Kind
	parts := strings.Split(s, ".")
	err := k.UnmarshalText([]byte(parts[len(parts)-1]))
	return k, err == nil
}

// TestPublishBrokerRestart: the broker stops in the middle of a real
// capture and comes back (same store). Every session event arrives; media
// that did not fit the queue meanwhile is dropped, counted, and the count
// is on the stream in an agent.dropped diagnostic: what arrived plus what
// was dropped is what was put, nothing twice.
func TestPublishBrokerRestart(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	_, other, otherBytes := split(items)
	for _, kind := range natstest.Kinds(t) {
		srv := kind(t)
		t.Run(srv.Name(), func(t *testing.T) {
			nc := connect(t, srv.URL())
			// Room for the session events and a little media.
			p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "h1", Stream: DefaultEventStream,
				Block: true, QueueBytes: otherBytes + 4000, AckTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			half := len(items) / 3
			put := func(from, to int) {
				for _, it := range items[from:to] {
					kind, _ := kindOfSubject(it.Subject)
					p.Put(kind, it.Media, it.Line, time.Time{})
				}
			}
			put(0, half)
			srv.Stop()
			done := make(chan struct{})
			go func() { put(half, len(items)); close(done) }()
			// Restart once the rest is queued (or session events wait for
			// room).
		wait:
			for {
				select {
				case <-done:
					break wait
				case <-time.After(20 * time.Millisecond):
					if p.q.Stats().Blocked > 0 {
						break wait
					}
				}
			}
			srv.Start(t)
			<-done
			st, err := p.Close(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			js, _ := jetstream.New(nc)
			msgs := readStream(t, js)
			want := map[string]int{}
			isMedia := map[string]bool{}
			for _, it := range items {
				want[string(it.Line)]++
				isMedia[string(it.Line)] = it.Media
			}
			var gotOther, gotMedia, reports int
			var reported uint64
			for _, m := range msgs {
				line := string(m.Data())
				if strings.Contains(line, `"code":"`+DroppedCode+`"`) {
					reports++
					var d struct{ Text string }
					if err := json.Unmarshal(m.Data(), &d); err != nil {
						t.Fatal(err)
					}
					if _, err := fmt.Sscanf(d.Text, "%d audio/video", &reported); err != nil {
						t.Errorf("report text %q: %v", d.Text, err)
					}
					continue
				}
				if want[line] == 0 {
					t.Fatalf("unexpected or duplicated event: %s", line)
				}
				want[line]--
				if isMedia[line] {
					gotMedia++
				} else {
					gotOther++
				}
			}
			if gotOther != other {
				t.Errorf("session events: %d arrived of %d", gotOther, other)
			}
			if st.Queue.DroppedMedia == 0 {
				t.Errorf("no media dropped: the queue was not full, the test proves nothing")
			}
			// Nothing is lost uncounted. Media given up in flight may still
			// have been stored (the broker took it, its acknowledgement was
			// lost to the restart), so arrived + dropped may exceed what was
			// put, by at most the media given up.
			if n := uint64(gotMedia+gotOther) + st.Queue.DroppedMedia; n < uint64(len(items)) || n > uint64(len(items))+st.Queue.DroppedMedia {
				t.Errorf("arrived %d + dropped %d, put %d", gotMedia+gotOther, st.Queue.DroppedMedia, len(items))
			}
			if reports == 0 || reported != st.Queue.DroppedMedia {
				t.Errorf("%d drop reports on the stream (count %d, dropped %d)", reports, reported, st.Queue.DroppedMedia)
			}
		})
	}
}

// TestPublishGivesUp: with the broker gone for good, Close gives up when
// its context ends, and says how many events were not delivered.
func TestPublishGivesUp(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	srv := natstest.Embedded(t)
	nc := connect(t, srv.URL())
	p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "h1", Stream: DefaultEventStream, Block: true, AckTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for _, it := range items {
		kind, _ := kindOfSubject(it.Subject)
		p.Put(kind, it.Media, it.Line, time.Time{})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := p.Close(ctx)
	if err == nil || st.Lost == 0 || st.Lost+st.Published+st.Queue.DroppedMedia != uint64(len(items)) {
		t.Errorf("lost %d, published %d, dropped %d of %d; err %v", st.Lost, st.Published, st.Queue.DroppedMedia, len(items), err)
	}
}

// TestPublishBrokerLate: a live agent starts before its broker: the
// publisher starts anyway, and once the broker is up the stream is made and
// everything queued meanwhile is stored.
func TestPublishBrokerLate(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	srv := natstest.Embedded(t)
	srv.Stop() // not there yet
	nc := connect(t, srv.URL())
	p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "late", Stream: DefaultEventStream, AckTimeout: time.Second})
	if err != nil {
		t.Fatalf("publisher without a broker: %v", err)
	}
	for _, it := range items {
		kind, _ := kindOfSubject(it.Subject)
		p.Put(kind, it.Media, it.Line, time.Time{})
	}
	srv.Start(t)
	st, err := p.Close(context.Background())
	if err != nil || st.Published != uint64(len(items)) {
		t.Fatalf("published %d of %d: %v", st.Published, len(items), err)
	}
	js, _ := jetstream.New(nc)
	if n := len(readStream(t, js)); n != len(items) {
		t.Errorf("stream holds %d of %d", n, len(items))
	}
}
