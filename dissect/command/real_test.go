package command

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// The real bodies and tshark's view of them live with package amf; see
// dissect/amf/testdata/extract.sh.
const realDir = "../amf/testdata/"

func readReal(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(realDir + name + ".bin")
	if err != nil {
		t.Skip(err)
	}
	return b
}

type tshark struct {
	top   []string          // top-level value lines: "String 'connect'", "Number 1", "Null", ...
	props map[string]string // "key" → "String 'live'" for properties of top-level values
	keys  []string          // property keys in order
}

var (
	reTopLine  = regexp.MustCompile(`^        ([A-Z].*)$`)
	rePropLine = regexp.MustCompile(`^            Property '(.*?)' (String '.*'|Number \S+|Boolean \S+|Null|Object.*|ECMA array.*)$`)
)

func readTshark(t testing.TB, name string) tshark {
	t.Helper()
	f, err := os.Open(realDir + name + ".tshark.txt")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	ts := tshark{props: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := reTopLine.FindStringSubmatch(sc.Text()); m != nil {
			ts.top = append(ts.top, m[1])
		} else if m := rePropLine.FindStringSubmatch(sc.Text()); m != nil {
			ts.props[m[1]] = m[2]
			ts.keys = append(ts.keys, m[1])
		}
	}
	return ts
}

// tsString returns the text of a tshark "String '...'" item.
func tsString(t testing.TB, item string) string {
	t.Helper()
	s, ok := strings.CutPrefix(item, "String '")
	if !ok {
		t.Fatalf("tshark item %q is not a string", item)
	}
	return strings.TrimSuffix(s, "'")
}

func tsNumber(t testing.TB, item string) float64 {
	t.Helper()
	s, ok := strings.CutPrefix(item, "Number ")
	if !ok {
		t.Fatalf("tshark item %q is not a number", item)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func decodeReal(t testing.TB, name string) (Command, tshark) {
	t.Helper()
	c, err := Decode(readReal(t, name), 0, false, amf.Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c, readTshark(t, name)
}

func TestRealConnect(t *testing.T) {
	c, ts := decodeReal(t, "publish-f12-0-connect")
	if c.Name != tsString(t, ts.top[0]) || c.TransactionID != tsNumber(t, ts.top[1]) {
		t.Fatalf("%s#%g, tshark %v", c.Name, c.TransactionID, ts.top[:2])
	}
	cn, ok := c.Connect()
	if !ok {
		t.Fatal("no connect view")
	}
	for key, got := range map[string]string{"app": cn.App, "type": cn.Type, "flashVer": cn.FlashVer, "tcUrl": cn.TcURL} {
		if want := tsString(t, ts.props[key]); got != want {
			t.Errorf("%s = %q, tshark %q", key, got, want)
		}
	}
	var keys []string
	for _, p := range c.CommandObject.Props {
		keys = append(keys, p.Key)
	}
	if strings.Join(keys, ",") != strings.Join(ts.keys, ",") {
		t.Errorf("keys %v, tshark %v", keys, ts.keys)
	}
}

func TestRealConnectCodecs(t *testing.T) {
	// rtmpdump-style player connect (from ffmpeg's play): codec flags.
	c, ts := decodeReal(t, "play-f12-0-connect")
	cn, _ := c.Connect()
	if *cn.AudioCodecs != tsNumber(t, ts.props["audioCodecs"]) || *cn.VideoCodecs != tsNumber(t, ts.props["videoCodecs"]) {
		t.Fatalf("codecs %v %v, tshark %s %s", *cn.AudioCodecs, *cn.VideoCodecs, ts.props["audioCodecs"], ts.props["videoCodecs"])
	}
	if *cn.Fpad != (ts.props["fpad"] == "Boolean true") {
		t.Errorf("fpad %v, tshark %s", *cn.Fpad, ts.props["fpad"])
	}
	// 4071 = 0x0FE7, 252 = 0xFC: the SUPPORT_SND_*/SUPPORT_VID_* bits.
	if got := strings.Join(cn.AudioCodecNames(), ","); got != "None,ADPCM,MP3,Nelly8,Nelly,G711A,G711U,Nelly16,AAC,Speex" {
		t.Errorf("audio codecs %s", got)
	}
	if got := strings.Join(cn.VideoCodecNames(), ","); got != "Sorenson,Homebrew,VP6,VP6Alpha,HomebrewV,H264" {
		t.Errorf("video codecs %s", got)
	}
	if got := strings.Join(cn.VideoFunctionNames(), ","); got != "ClientSeek" {
		t.Errorf("video function %s", got)
	}
}

func TestRealResults(t *testing.T) {
	c, ts := decodeReal(t, "publish-f16-2-_result")
	r, ok := c.Result()
	if !ok || r.Error {
		t.Fatalf("result view %v %+v", ok, r)
	}
	if r.Info.Code != tsString(t, ts.props["code"]) || r.Info.Level != tsString(t, ts.props["level"]) ||
		r.Info.Description != tsString(t, ts.props["description"]) {
		t.Errorf("info %+v, tshark %v", r.Info, ts.props)
	}
	if v, _ := r.Properties.Get("fmsVer"); v.Str != tsString(t, ts.props["fmsVer"]) {
		t.Errorf("fmsVer %v", v)
	}
	if r.Info.Failed() {
		t.Error("connect success reported as failure")
	}
	// createStream's reply: the stream id is the first argument.
	c, ts = decodeReal(t, "publish-f22-0-_result")
	r, _ = c.Result()
	if r.StreamID == nil || *r.StreamID != tsNumber(t, ts.top[3]) || c.TransactionID != tsNumber(t, ts.top[1]) {
		t.Errorf("createStream result %+v, tshark %v", r, ts.top)
	}
}

func TestRealStatus(t *testing.T) {
	for _, name := range []string{"publish-f27-0-onStatus", "publish-f838-0-onStatus", "play-f29-0-onStatus"} {
		c, ts := decodeReal(t, name)
		st, ok := c.Status()
		if !ok {
			t.Fatalf("%s: no status view", name)
		}
		if st.Code != tsString(t, ts.props["code"]) || st.Level != tsString(t, ts.props["level"]) ||
			st.Description != tsString(t, ts.props["description"]) {
			t.Errorf("%s: %+v, tshark %v", name, st, ts.props)
		}
		if st.Failed() {
			t.Errorf("%s: %s reported as failure", name, st.Code)
		}
	}
}

func TestRealStreamCommands(t *testing.T) {
	c, ts := decodeReal(t, "publish-f25-0-publish")
	p, ok := c.Publish()
	if !ok || p.Name != tsString(t, ts.top[3]) || p.Type != tsString(t, ts.top[4]) {
		t.Errorf("publish %+v, tshark %v", p, ts.top)
	}
	c, ts = decodeReal(t, "play-f25-0-play")
	pl, ok := c.Play()
	if !ok || pl.Name != tsString(t, ts.top[3]) || pl.Start == nil || *pl.Start != tsNumber(t, ts.top[4]) {
		t.Errorf("play %+v, tshark %v", pl, ts.top)
	}
	for _, name := range []string{"publish-f20-1-releaseStream", "publish-f20-2-FCPublish", "publish-f832-0-FCUnpublish", "play-f20-2-FCSubscribe"} {
		c, ts := decodeReal(t, name)
		if s, ok := c.StreamName(); !ok || s != tsString(t, ts.top[3]) {
			t.Errorf("%s: stream name %q, tshark %v", name, s, ts.top)
		}
	}
	c, ts = decodeReal(t, "publish-f836-0-deleteStream")
	if id, ok := c.StreamID(); !ok || id != tsNumber(t, ts.top[3]) {
		t.Errorf("deleteStream id %v, tshark %v", id, ts.top)
	}
}

func TestRealData(t *testing.T) {
	d, err := DecodeData(readReal(t, "publish-f30-0-setDataFrame"), 0, false, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := readTshark(t, "publish-f30-0-setDataFrame")
	if d.Handler != tsString(t, ts.top[0]) || d.Inner != tsString(t, ts.top[1]) {
		t.Errorf("handler %q inner %q, tshark %v", d.Handler, d.Inner, ts.top[:2])
	}
	md, ok := d.Metadata()
	if !ok {
		t.Fatal("no metadata")
	}
	var keys []string
	for _, p := range md.Props {
		keys = append(keys, p.Key)
		if want, ok := ts.props[p.Key]; ok && strings.HasPrefix(want, "Number ") {
			if p.Value.Num != tsNumber(t, want) {
				t.Errorf("%s = %v, tshark %s", p.Key, p.Value, want)
			}
		}
	}
	if strings.Join(keys, ",") != strings.Join(ts.keys, ",") {
		t.Errorf("metadata keys %v, tshark %v", keys, ts.keys)
	}

	d, err = DecodeData(readReal(t, "play-f29-1-RtmpSampleAccess"), 0, false, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts = readTshark(t, "play-f29-1-RtmpSampleAccess")
	a, v, ok := d.SampleAccess()
	if !ok || a != (ts.top[1] == "Boolean true") || v != (ts.top[2] == "Boolean true") {
		t.Errorf("sample access %v %v %v, tshark %v", a, v, ok, ts.top)
	}
	d, err = DecodeData(readReal(t, "play-f29-2-onMetaData"), 0, false, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Metadata(); !ok || d.Handler != "onMetaData" {
		t.Errorf("server onMetaData: %+v", d)
	}
}

func BenchmarkDecodeConnect(b *testing.B) {
	body := readReal(b, "publish-f12-0-connect")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		c, err := Decode(body, 0, false, amf.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := c.Connect(); !ok {
			b.Fatal("no connect")
		}
	}
}
