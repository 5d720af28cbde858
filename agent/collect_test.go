package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/rtmpscope/rtmpscope/internal/natstest"
)

// restartingStore is a DirStore whose broker is stopped and started again
// (same store) after a number of writes: mid-batch, before the commit.
type restartingStore struct {
	*DirStore
	after, writes int
	restart       func()
}

func (s *restartingStore) Write(seq uint64, host string, line []byte) error {
	s.writes++
	if s.writes == s.after {
		s.restart()
	}
	return s.DirStore.Write(seq, host, line)
}

// TestCollectBrokerRestart: the broker restarts while a collector is in the
// middle of a batch; the collector goes back to its last commit and reads on
// from there, and the store holds every event of the capture once, in
// order.
func TestCollectBrokerRestart(t *testing.T) {
	t.Parallel()
	items := captureItems(t, "multi.pcap")
	srv := natstest.Embedded(t)
	nc := connect(t, srv.URL())
	p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "h1", Stream: DefaultEventStream, Block: true})
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, it := range items {
		kind, _ := kindOfSubject(it.Subject)
		p.Put(kind, it.Media, it.Line, time.Time{})
		want.Write(it.Line)
		want.WriteByte('\n')
	}
	if _, err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ds, err := OpenDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := &restartingStore{DirStore: ds, after: 300, restart: func() { srv.Stop(); srv.Start(t) }}
	js, _ := jetstream.New(nc)
	stats, err := Collect(context.Background(), js, st, CollectOptions{UntilEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	got, _ := os.ReadFile(filepath.Join(dir, "host=h1", "events.ndjson"))
	if string(got) != want.String() {
		t.Errorf("store holds %d bytes, the capture's events %d (%d written in all)", len(got), want.Len(), stats.Events)
	}
	// Whether the collector had to go back depends on where the restart
	// caught the acknowledgement; either way the store must be exact.
	t.Logf("%d writes for %d events", st.writes, len(items))
}
