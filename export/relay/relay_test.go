package relay

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// frameKey identifies a coded frame the way ffmpeg's framecrc does: stream
// (0 video, 1 audio), timestamp, payload size and adler32.
type frameKey struct {
	stream   int
	ts       int64
	size     int
	checksum uint32
}

// playerFrame is one line of a player's log: when the player wrote it.
type playerFrame struct {
	key frameKey
	at  time.Time
}

// readPlayerLog reads relay.playerN.txt: "<unix time> <framecrc line>"
// (make-captures.sh play_log).
func readPlayerLog(t *testing.T, name string) []playerFrame {
	t.Helper()
	f, err := os.Open(filepath.Join(capturetest.Pcaps(), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []playerFrame
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		when, line, _ := strings.Cut(sc.Text(), " ")
		if strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, ",")
		if len(fs) < 6 {
			t.Fatalf("%s: %q", name, line)
		}
		num := func(s string) int64 {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", name, line, err)
			}
			return n
		}
		sec, err := strconv.ParseFloat(when, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, playerFrame{
			key: frameKey{int(num(fs[0])), num(fs[1]), int(num(fs[4])), uint32(num(fs[5]))},
			at:  time.Unix(0, int64(sec*1e9)),
		})
	}
	return out
}

// relay.pcap: one ffmpeg publisher and two ffmpeg players through
// nginx-rtmp, the players logging every frame they got (framecrc with the
// wall clock). Every relayed frame is matched to the publisher's; the
// frames each player logged are the frames the capture shows it received,
// one for one; and the latency the analysis reports agrees with the
// players' own view: each frame reached the player's socket before the
// player wrote it, and the median publisher → player latency is within a
// few milliseconds of the median publisher → player-log latency.
func TestRelayAgainstPlayers(t *testing.T) {
	matches := map[event.ConnID]map[frameKey]Match{}
	recv := map[event.ConnID]map[frameKey]time.Time{}
	keyOf := map[event.ConnID]map[[2]int64]frameKey{} // (stream, ts) → key
	a := New(Options{})
	a.opts.OnMatch = func(m Match) {
		s := int64(1)
		if m.Video {
			s = 0
		}
		if k, ok := keyOf[m.Player][[2]int64{s, int64(m.Timestamp)}]; ok {
			matches[m.Player][k] = m
		}
	}
	for _, r := range capturetest.Records(t, filepath.Join(capturetest.Pcaps(), "relay.pcap"), pipeline.Config{}) {
		if m := r.Message; m != nil && m.Dir == event.S2C && (m.TypeID == event.TypeAudio || m.TypeID == event.TypeVideo) {
			var k frameKey
			switch {
			case r.Body.Video != nil && r.Body.Video.PacketType == media.VideoCodedFrames && !r.Body.Video.IsSequenceHeader():
				k = frameKey{0, int64(m.Timestamp), len(m.Body) - 5, adler0(m.Body[5:])}
			case r.Body.Audio != nil && r.Body.Audio.PacketType == media.AudioCodedFrames && len(m.Body) > 2:
				k = frameKey{1, int64(m.Timestamp), len(m.Body) - 2, adler0(m.Body[2:])}
			}
			if k.size > 0 {
				if recv[r.ConnID] == nil {
					recv[r.ConnID], keyOf[r.ConnID], matches[r.ConnID] = map[frameKey]time.Time{}, map[[2]int64]frameKey{}, map[frameKey]Match{}
				}
				recv[r.ConnID][k] = r.Time
				keyOf[r.ConnID][[2]int64{int64(k.stream), k.ts}] = k
			}
		}
		a.Add(&r)
	}
	rep := a.Report()
	if len(rep.Publishers) != 1 || len(rep.Players) != 2 {
		t.Fatalf("%d publishers, %d players", len(rep.Publishers), len(rep.Players))
	}
	for _, p := range rep.Players {
		if p.Frames < 100 || p.Matched != p.Frames || p.Unmatched != 0 || p.Dropped != 0 || p.From != rep.Publishers[0].Conn {
			t.Errorf("%s: %+v", p.Conn, p)
		}
		if p.FirstFrameMS == nil || p.FirstKeyframeMS == nil || *p.FirstKeyframeMS < *p.FirstFrameMS {
			t.Errorf("%s: startup %v %v", p.Conn, p.FirstFrameMS, p.FirstKeyframeMS)
		}
		if p.Latency.Samples != p.Matched || p.Latency.MinMS > p.Latency.MedianMS || p.Latency.MedianMS > p.Latency.P99MS || p.Latency.P99MS > p.Latency.MaxMS {
			t.Errorf("%s: latency %+v", p.Conn, p.Latency)
		}
	}
	for _, logName := range []string{"relay.player1.txt", "relay.player2.txt"} {
		frames := readPlayerLog(t, logName)
		// The player is the connection whose frames hold the log's.
		// Both players may start at the same keyframe: take the one that
		// holds the most of the log's frames.
		var who event.ConnID
		best := 0
		for id, got := range recv {
			n := 0
			for _, f := range frames {
				if _, ok := got[f.key]; ok {
					n++
				}
			}
			if n > best || (n == best && id < who) {
				who, best = id, n
			}
		}
		if who == 0 {
			t.Fatalf("%s: its first frame %+v is in no player's connection", logName, frames[0].key)
		}
		var ours, theirs []float64
		for _, f := range frames {
			at, ok := recv[who][f.key]
			if !ok {
				t.Errorf("%s: %+v logged by the player, not received on %s", logName, f.key, who)
				continue
			}
			m, ok := matches[who][f.key]
			if !ok {
				t.Errorf("%s: %+v not matched to the publisher", logName, f.key)
				continue
			}
			if f.at.Before(at.Add(-time.Millisecond)) {
				t.Errorf("%s: %+v logged at %v, before it reached the player at %v", logName, f.key, f.at, at)
			}
			ours = append(ours, float64(m.Received.Sub(m.Sent).Microseconds())/1000)
			theirs = append(theirs, float64(f.at.Sub(m.Sent).Microseconds())/1000)
		}
		// ffmpeg holds its first frames while it probes the stream: the
		// player's own view is compared after its first second.
		skip := 0
		for skip < len(frames) && frames[skip].at.Sub(frames[0].at) < time.Second {
			skip++
		}
		if len(frames)-skip < 20 || len(ours) != len(frames) {
			t.Fatalf("%s: %d frames logged, %d matched", logName, len(frames), len(ours))
		}
		mo, mt := median(ours[skip:]), median(theirs[skip:])
		t.Logf("%s (%s): %d frames, median latency %.3f ms to the socket, %.3f ms to the player's log (%d frames after its first second)",
			logName, who, len(frames), mo, mt, len(frames)-skip)
		if mt < mo || mt-mo > 10 {
			t.Errorf("%s: median latency %.3f ms to the socket, %.3f ms to the player's log", logName, mo, mt)
		}
		if int64(len(frames)) > rep.Players[0].Frames+rep.Players[1].Frames {
			t.Errorf("%s: more frames logged than received", logName)
		}
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// adler0 is Adler-32 started from 0 rather than 1, as ffmpeg's framecrc
// computes it (av_adler32_update(0, data, size)).
func adler0(b []byte) uint32 {
	const mod = 65521
	var s1, s2 uint32
	for _, c := range b {
		s1 = (s1 + uint32(c)) % mod
		s2 = (s2 + s1) % mod
	}
	return s2<<16 | s1
}

// A frame the server did not relay is counted: relay.pcap with every 10th
// coded video frame of the first player left out (as if nginx had dropped
// them) reports exactly those as dropped, and the other player none.
func TestRelayDropped(t *testing.T) {
	a := New(Options{})
	var player event.ConnID
	removed, n := 0, 0
	for _, r := range capturetest.Records(t, filepath.Join(capturetest.Pcaps(), "relay.pcap"), pipeline.Config{}) {
		if m := r.Message; m != nil && m.Dir == event.S2C && r.Body.Video != nil {
			if player == 0 {
				player = r.ConnID
			}
			if ok, _ := coded(nil, r.Body.Video); ok && r.ConnID == player {
				n++
				if n%10 == 5 {
					removed++
					continue
				}
			}
		}
		a.Add(&r)
	}
	for _, p := range a.Report().Players {
		want := int64(0)
		if p.Conn == player.String() {
			want = int64(removed)
		}
		if p.Dropped != want || p.Unmatched != 0 {
			t.Errorf("%s: %d dropped, %d unmatched; %d frames were left out", p.Conn, p.Dropped, p.Unmatched, want)
		}
	}
	if removed < 5 {
		t.Fatalf("only %d frames left out", removed)
	}
}
