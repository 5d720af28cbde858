package agent

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// captureItems turns a committed capture into queue items as the Sink
// does: each record's -T ndjson line, media marked.
func captureItems(t *testing.T, name string) []Item {
	t.Helper()
	recs := capturetest.Records(t, capturetest.Pcaps()+"/"+name, pipeline.Config{})
	items := make([]Item, 0, len(recs))
	for i := range recs {
		line, err := export.MarshalEvent(recs[i], export.EventOptions{})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, Item{Subject: Subject("h", recs[i].Kind), Line: line, Media: IsMedia(&recs[i])})
	}
	return items
}

func split(items []Item) (media, other int, otherBytes int) {
	for i := range items {
		if items[i].Media {
			media++
		} else {
			other++
			otherBytes += items[i].cost()
		}
	}
	return
}

// TestQueueDropsMediaFirst: a queue with room for the session events of a
// real publish but not its media, and no consumer (the broker is away):
// every session event is kept, in order; media is dropped and counted, so
// that kept + dropped is what was put.
func TestQueueDropsMediaFirst(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	media, other, otherBytes := split(items)
	if media == 0 || other == 0 {
		t.Fatalf("capture has %d media and %d session events", media, other)
	}
	q := NewQueue(otherBytes+2000, false)
	for _, it := range items {
		q.Put(it)
	}
	q.Close()
	st := q.Stats()
	var got []Item
	for b := q.Take(64); b != nil; b = q.Take(64) {
		got = append(got, b...)
	}
	keptMedia, keptOther, _ := split(got)
	if keptOther != other || st.DroppedOther != 0 {
		t.Errorf("session events: kept %d of %d, dropped %d", keptOther, other, st.DroppedOther)
	}
	if keptMedia+int(st.DroppedMedia) != media || st.DroppedMedia == 0 {
		t.Errorf("media: kept %d + dropped %d, put %d", keptMedia, st.DroppedMedia, media)
	}
	// Order and sequence numbers: increasing, gaps only where dropped.
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Fatalf("item %d has seq %d after %d", i, got[i].Seq, got[i-1].Seq)
		}
	}
	if st.HighWaterMark > st.MaxBytes {
		t.Errorf("held %d bytes, budget %d", st.HighWaterMark, st.MaxBytes)
	}
	if m, o := q.TakeDropReport(); m != st.DroppedMedia || o != 0 {
		t.Errorf("drop report %d/%d", m, o)
	}
	if m, o := q.TakeDropReport(); m+o != 0 {
		t.Errorf("second drop report without new drops: %d/%d", m, o)
	}
}

// TestQueueNonBlockingDropsSession: without Block (live capture), when not
// even the session events fit, they are dropped too, and counted apart.
func TestQueueNonBlockingDropsSession(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	_, other, otherBytes := split(items)
	q := NewQueue(otherBytes/2, false)
	for _, it := range items {
		q.Put(it)
	}
	q.Close()
	var kept int
	for b := q.Take(64); b != nil; b = q.Take(64) {
		for _, it := range b {
			if it.Media {
				t.Fatalf("media seq %d kept while session events were dropped", it.Seq)
			}
			kept++
		}
	}
	st := q.Stats()
	if st.DroppedOther == 0 || kept+int(st.DroppedOther) != other {
		t.Errorf("kept %d + dropped %d session events, put %d", kept, st.DroppedOther, other)
	}
}

// TestQueueBlockingKeepsAll: with Block and a consumer that acknowledges,
// nothing is lost even when the budget is far below the capture, and the
// order is the capture's.
func TestQueueBlockingKeepsAll(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	_, _, otherBytes := split(items)
	q := NewQueue(otherBytes/4, true)
	got := make(chan []Item)
	go func() {
		var all []Item
		for b := q.Take(8); b != nil; b = q.Take(8) {
			all = append(all, b...)
			q.Done(b)
		}
		got <- all
	}()
	for _, it := range items {
		q.Put(it)
	}
	q.Close()
	all := <-got
	st := q.Stats()
	// Media may go while session events wait; session events never.
	var n int
	for _, it := range all {
		if !it.Media {
			n++
		}
	}
	_, other, _ := split(items)
	if n != other || st.DroppedOther != 0 {
		t.Errorf("session events delivered %d of %d (dropped %d)", n, other, st.DroppedOther)
	}
	if len(all)+int(st.DroppedMedia) != len(items) {
		t.Errorf("delivered %d + dropped %d of %d", len(all), st.DroppedMedia, len(items))
	}
	for i := range all {
		if i > 0 && all[i].Seq <= all[i-1].Seq {
			t.Fatalf("out of order at %d", i)
		}
	}
	if st.HighWaterMark > st.MaxBytes {
		t.Errorf("held %d bytes, budget %d", st.HighWaterMark, st.MaxBytes)
	}
}

// TestQueueInFlightMediaMakesRoom: media taken for a broker that does not
// answer holds the budget; a session event that finds no room squeezes the
// queue, the sender gives that media up (counted), and the session event
// gets in.
func TestQueueInFlightMediaMakesRoom(t *testing.T) {
	items := captureItems(t, "publish.pcap")
	var media []Item
	var session *Item
	for i := range items {
		if items[i].Media {
			media = append(media, items[i])
		} else if session == nil && i > 0 {
			session = &items[i]
		}
	}
	budget := 0
	for _, it := range media[:20] {
		budget += it.cost()
	}
	q := NewQueue(budget, true)
	for _, it := range media[:20] {
		if !q.Put(it) {
			t.Fatal("media did not fit an empty queue of its size")
		}
	}
	taken := q.Take(100) // in flight: the broker does not answer
	if len(taken) != 20 {
		t.Fatalf("took %d", len(taken))
	}
	if q.Squeezed() {
		t.Fatal("squeezed before any session event came")
	}
	put := make(chan bool)
	go func() { put <- q.Put(*session) }()
	for !q.Squeezed() {
		select {
		case ok := <-put:
			t.Fatalf("session event put (%v) while the budget was held", ok)
		default:
		}
	}
	q.DropTaken(taken)
	if !<-put {
		t.Fatal("session event not queued after the media was given up")
	}
	if st := q.Stats(); st.DroppedMedia != 20 || st.DroppedOther != 0 {
		t.Errorf("dropped %d media, %d session", st.DroppedMedia, st.DroppedOther)
	}
}
