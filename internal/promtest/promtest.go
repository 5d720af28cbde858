// Package promtest reads a Prometheus text exposition for the tests of
// the --metrics endpoint: series by name and labels, and promtool's
// verdict on the page.
package promtest

import (
	"bytes"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Series maps Key(name, labels) to a sample's value; a histogram is read
// as its count, under NAME_count.
type Series map[string]float64

// Key is "name|label=value,..." with the labels sorted ("name|" without).
func Key(name string, labels map[string]string) string {
	ls := make([]string, 0, len(labels))
	for k, v := range labels {
		ls = append(ls, k+"="+v)
	}
	sort.Strings(ls)
	return name + "|" + strings.Join(ls, ",")
}

// Parse reads a page in the Prometheus text format; a page that does not
// parse fails the test.
func Parse(t testing.TB, page []byte) Series {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	out := Series{}
	for name, mf := range mfs {
		for _, m := range mf.Metric {
			l := map[string]string{}
			for _, lp := range m.Label {
				l[lp.GetName()] = lp.GetValue()
			}
			switch {
			case m.Counter != nil:
				out[Key(name, l)] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[Key(name, l)] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[Key(name+"_count", l)] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return out
}

// Find returns the first series of the name whose labels include match.
func (s Series) Find(name string, match map[string]string) (float64, map[string]string, bool) {
	for k, v := range s {
		n, ls, _ := strings.Cut(k, "|")
		if n != name {
			continue
		}
		l := map[string]string{}
		for _, p := range strings.Split(ls, ",") {
			a, b, _ := strings.Cut(p, "=")
			l[a] = b
		}
		ok := true
		for a, b := range match {
			ok = ok && l[a] == b
		}
		if ok {
			return v, l, true
		}
	}
	return 0, nil, false
}

// Count is how many series of the name there are.
func (s Series) Count(name string) int {
	n := 0
	for k := range s {
		if strings.HasPrefix(k, name+"|") {
			n++
		}
	}
	return n
}

// Promtool checks a page with `promtool check metrics`, as Prometheus'
// own linter; without promtool (Debian's package prometheus) it says so in
// the test log and checks nothing.
func Promtool(t testing.TB, page []byte) {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian package prometheus): exposition not linted")
		return
	}
	cmd := exec.Command(p, "check", "metrics")
	cmd.Stdin = bytes.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
