package report

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/rtmfp"
	"github.com/rtmpscope/rtmpscope/dissect/rtmpe"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/dissect/tlsrec"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

const pcaps = "../../testdata/pcaps"

// captures lists every committed capture: testdata/pcaps and every
// directory under it but large/ (big captures made locally, never
// committed).
func captures(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir(pcaps, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == "large":
			return filepath.SkipDir
		case strings.HasSuffix(p, ".pcap"), strings.HasSuffix(p, ".pcapng"), strings.HasSuffix(p, ".pcap.gz"):
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Skip("no captures")
	}
	return out
}

// keysFor loads the keys committed beside a capture (NAME.keys), so the
// encrypted variants are reported with their content.
func keysFor(t *testing.T, path string) pipeline.Keys {
	var k pipeline.Keys
	name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), ".pcapng"), ".pcap") + ".keys"
	if _, err := os.Stat(name); err != nil {
		return k
	}
	base := filepath.Base(name)
	var err error
	switch {
	case strings.HasPrefix(base, "rtmpe"), strings.HasPrefix(base, "rtmpte"):
		k.RTMPE, err = rtmpe.LoadKeys(name)
	case strings.HasPrefix(base, "rtmfp"):
		k.RTMFP, err = rtmfp.LoadKeys(name)
	case strings.HasPrefix(base, "rtmps"), strings.HasPrefix(base, "rtmpts"):
		k.TLS.KeyLog, err = tlsrec.LoadKeyLog(name)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}

// build reports a capture; it returns the HTML and the plain values of
// every secret the session layer masked (session.Record.Secrets).
func build(t *testing.T, path string, show bool) (string, []string) {
	t.Helper()
	b := New(Options{Source: filepath.Base(path), Version: "rtmpscope (test)", Revealed: show})
	var secrets []string
	tr := session.New(session.Options{ShowSecrets: show}, func(r session.Record) {
		for _, s := range r.Secrets {
			if len(s.Plain) >= 4 {
				secrets = append(secrets, string(s.Plain))
			}
		}
		b.Add(&r)
	})
	cfg := pipeline.Config{Dissect: dissect.Options{}, Keys: keysFor(t, path)}
	if _, err := capturetest.Run(path, event.Receiver(tr), cfg); err != nil {
		t.Logf("%s: %v (reported as far as read)", path, err)
	}
	b.Finish()
	var out bytes.Buffer
	if err := b.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.String(), secrets
}

// The report of every committed capture is well-formed HTML that loads
// nothing from anywhere and holds no secret.
func TestEveryCapture(t *testing.T) {
	sawSecret := false
	for _, path := range captures(t) {
		t.Run(strings.TrimPrefix(path, pcaps+"/"), func(t *testing.T) {
			doc, secrets := build(t, path, false)
			if err := checkHTML(doc); err != nil {
				t.Fatal(err)
			}
			// The capture's file name is in the title; a secret that is
			// a word of it ("chacha" in rtmps-chacha-publish.pcap) is
			// looked for in the rest.
			body := strings.ReplaceAll(doc, filepath.Base(path), "")
			for _, s := range secrets {
				if strings.Contains(body, s) || strings.Contains(body, html.EscapeString(s)) {
					t.Errorf("the report holds the secret %q", s)
				}
			}
			sawSecret = sawSecret || len(secrets) > 0
		})
	}
	if !sawSecret {
		t.Error("no capture had a secret: the redaction check proved nothing")
	}
}

// With --show-secrets the plain values are there, and the report says so:
// the absence check above can fail.
func TestShowSecrets(t *testing.T) {
	_, secrets := build(t, filepath.Join(pcaps, "publish.pcap"), false)
	doc, _ := build(t, filepath.Join(pcaps, "publish.pcap"), true)
	if len(secrets) == 0 {
		t.Fatal("publish.pcap has no secret")
	}
	found := false
	for _, s := range secrets {
		found = found || strings.Contains(doc, html.EscapeString(s))
	}
	if !found || !strings.Contains(doc, "made with --show-secrets") {
		t.Error("revealed report lacks its secrets or the warning")
	}
}

// publish.pcap's report draws its ladder (one arrow per command, data and
// control message: connect, Window Ack Size, Set Peer Bandwidth, Set Chunk
// Size, _result, Set Chunk Size, releaseStream, FCPublish, createStream,
// _result, publish, onStatus, @setDataFrame, FCUnpublish, deleteStream,
// onStatus, as `rtmpscope -r publish.pcap` lists them) and six charts: request latency, and the stream's
// video and audio bitrate, frame rate, GOP and A/V drift.
func TestPublishCounts(t *testing.T) {
	doc, _ := build(t, filepath.Join(pcaps, "publish.pcap"), false)
	n, err := countElements(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"svg.ladder": 1, "line.msg": 16, "svg.chart": 6, "polyline.series": 6}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("%d %s, want %d", n[k], k, v)
		}
	}
	for _, s := range []string{"connect → _result 44 ms → releaseStream", "publisher of application", "+44.0 ms", "NetStream.Publish.Start"} {
		if !strings.Contains(doc, html.EscapeString(s)) {
			t.Errorf("report lacks %q", s)
		}
	}
}

// The rejected publish gets a failing verdict with its evidence.
func TestRejectVerdict(t *testing.T) {
	doc, _ := build(t, filepath.Join(pcaps, "reject.pcap"), false)
	if !strings.Contains(doc, `class="bad"`) || !strings.Contains(doc, "FAILED: publish refused: NetStream.Publish.BadName") {
		t.Errorf("reject.pcap's report has no failing verdict")
	}
}

// countElements counts elements by "tag.class" (each class of an element).
func countElements(doc string) (map[string]int, error) {
	root, err := xhtml.Parse(strings.NewReader(doc))
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	var walk func(*xhtml.Node)
	walk = func(x *xhtml.Node) {
		if x.Type == xhtml.ElementNode {
			for _, a := range x.Attr {
				if a.Key == "class" {
					for _, c := range strings.Fields(a.Val) {
						n[x.Data+"."+c]++
					}
				}
			}
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return n, nil
}

// voids are the HTML elements without an end tag.
var voids = map[string]bool{"meta": true, "br": true, "hr": true, "img": true, "input": true, "link": true, "area": true, "base": true, "col": true, "embed": true, "source": true, "track": true, "wbr": true}

// checkHTML is stricter than a browser: the document starts with its
// doctype, every element is closed in order (SVG elements by their own
// end tag or />), attributes are quoted and unique, and nothing is loaded
// from elsewhere (no script, link, img, iframe, object, no src, no href but
// a fragment, no url() but a fragment, no @import).
func checkHTML(doc string) error {
	if !strings.HasPrefix(doc, "<!DOCTYPE html>\n") {
		return fmt.Errorf("no doctype")
	}
	z := xhtml.NewTokenizer(strings.NewReader(doc))
	var stack []string
	inStyle := false
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			if len(stack) > 0 {
				return fmt.Errorf("unclosed elements at the end: %v", stack)
			}
			return nil
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			raw := string(z.Raw())
			switch tok.Data {
			case "script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignobject":
				return fmt.Errorf("<%s> loads or runs something: %s", tok.Data, raw)
			}
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if seen[a.Key] {
					return fmt.Errorf("attribute %s twice: %s", a.Key, raw)
				}
				seen[a.Key] = true
				switch {
				case a.Key == "src", strings.HasSuffix(a.Key, "href") && !strings.HasPrefix(a.Val, "#"):
					return fmt.Errorf("external reference: %s", raw)
				case strings.HasPrefix(a.Key, "on"):
					return fmt.Errorf("event handler: %s", raw)
				case strings.Contains(a.Val, "url(") && !strings.Contains(a.Val, "url(#"):
					return fmt.Errorf("url(): %s", raw)
				}
				if !strings.Contains(strings.ToLower(raw), a.Key+`="`) {
					return fmt.Errorf("unquoted attribute %s: %s", a.Key, raw)
				}
			}
			if tt == xhtml.StartTagToken && !voids[tok.Data] {
				stack = append(stack, tok.Data)
			}
			inStyle = tok.Data == "style" && tt == xhtml.StartTagToken
		case xhtml.EndTagToken:
			tok := z.Token()
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				return fmt.Errorf("</%s> closes %v", tok.Data, stack)
			}
			stack = stack[:len(stack)-1]
			inStyle = false
		case xhtml.TextToken:
			if inStyle {
				css := string(z.Text())
				if strings.Contains(css, "@import") || strings.Contains(css, "url(") || strings.Contains(css, "@font-face") {
					return fmt.Errorf("the style loads something")
				}
			}
		}
	}
}

// relay.pcap (one publisher, two players through nginx-rtmp): each player
// says what it got of the publisher's frames (export/relay, checked there
// against the players' own logs) and charts its relay latency.
func TestRelay(t *testing.T) {
	doc, _ := build(t, filepath.Join(pcaps, "relay.pcap"), false)
	if n := strings.Count(doc, "<li>relayed from c1: "); n != 2 {
		t.Errorf("%d players relayed from c1, want 2", n)
	}
	if n := strings.Count(doc, `aria-label="relay latency"`); n != 2 {
		t.Errorf("%d relay latency charts, want 2", n)
	}
	if !strings.Contains(doc, "publisher → player latency: min ") {
		t.Error("no latency figures")
	}
}
