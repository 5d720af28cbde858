package rtmpt

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tsharkRows reads NAME.messages.tsv (tshark's per-frame RTMP fields, with
// the gateway port decoded as HTTP and the upstream port as RTMP).
func tsharkRows(t *testing.T, name string) [][]string {
	f, err := os.Open(filepath.Join(pcaps, name+".messages.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) > 12 && c[0] != "frame.number" {
			rows = append(rows, c)
		}
	}
	return rows
}

// tshark's RTMPT dissector, given the tunnel port as HTTP, sees the same
// chunk headers (fmt, csid, length, type, stream id) in the tunnel as in
// the plain leg; and every frame in which it finds RTMP in the tunnel is a
// frame our de-tunnelled bytes refer to (coordinates survive the layer).
func TestTsharkTunnelFrames(t *testing.T) {
	for _, name := range []string{"rtmpt-publish", "rtmpt-play", "rtmpt-proxy"} {
		t.Run(name, func(t *testing.T) {
			rows := tsharkRows(t, name)
			side := func(port string) map[string][]string {
				out := map[string][]string{}
				for _, r := range rows {
					if r[2] != port && r[3] != port {
						continue
					}
					dir := "s2c"
					if r[3] == port {
						dir = "c2s"
					}
					for _, c := range []int{4, 5, 9, 10, 11} {
						for _, v := range strings.Split(r[c], ",") {
							if v != "" {
								k := dir + " column " + strconv.Itoa(c+1)
								out[k] = append(out[k], v)
							}
						}
					}
				}
				return out
			}
			tun, plain := side("18080"), side(strconv.Itoa(upstreamPort))
			if len(tun) < 8 {
				t.Errorf("tshark's tunnel rows have only %d columns filled", len(tun))
			}
			for d := range plain {
				if len(tun[d]) == 0 || !slices.Equal(tun[d], plain[d]) {
					t.Errorf("%s: tshark's tunnel headers (%d fields) differ from the plain leg's (%d)", d, len(tun[d]), len(plain[d]))
				}
			}
			res := runFile(t, filepath.Join(pcaps, name+".pcap"), Options{})
			frames := map[uint64]bool{}
			for _, s := range res.sessions {
				for d := 0; d < 2; d++ {
					for _, c := range s.calls[d] {
						for _, r := range c.refs {
							frames[r.Frame] = true
						}
					}
				}
			}
			n := 0
			for _, r := range rows {
				if (r[2] == "18080" || r[3] == "18080") && r[10] != "" {
					f, _ := strconv.ParseUint(r[0], 10, 64)
					n++
					if !frames[f] {
						t.Errorf("tshark finds RTMP in frame %d; no de-tunnelled byte refers to it", f)
					}
				}
			}
			if n < 20 {
				t.Errorf("only %d tunnel frames with RTMP in tshark's reference", n)
			}
		})
	}
}
