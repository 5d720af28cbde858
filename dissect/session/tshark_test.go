package session

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/tsharkref"
)

const pcapDir = "../../testdata/pcaps"

// refCommand is one command message as tshark reports it in
// NAME.messages.tsv: frame, the sending port, its name (from the Info
// column), the status code its Info names (onStatus('NetStream...')), and
// its transaction id when the row lets us tell (-1 otherwise).
type refCommand struct {
	frame   uint64
	srcPort int
	dstPort int
	name    string
	arg     string // the quoted argument in Info: connect's app, onStatus's code
	txid    float64
}

// infoCommand matches a command in tshark's Info column: name('arg') or
// name(). Data messages show the same way; dataHandlers tells them apart.
var infoCommand = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\((?:'(.*)')?\)$`)

var dataHandlers = map[string]bool{"onMetaData": true, "onTextData": true, "onCuePoint": true}

// loadRefCommands reads the command messages of a capture's tshark
// reference. tshark prints all messages of a frame in one row: Info
// entries joined by "|", amf.number values joined by ",". A command's
// transaction id is the first AMF number it contains, so it is known when
// the row holds one AMF message, or as many numbers as commands and no
// data message (each command then has only its id: releaseStream,
// FCPublish, createStream, ...).
func loadRefCommands(t *testing.T, name string) []refCommand {
	t.Helper()
	rows, err := tsharkref.Load(pcapDir, name)
	if err != nil {
		t.Fatalf("tshark reference: %v", err)
	}
	var out []refCommand
	for _, row := range rows {
		col := func(c string) string { return row[c] }
		var cmds []refCommand
		amfMessages := 0
		for _, e := range strings.Split(col("_ws.col.Info"), "|") {
			m := infoCommand.FindStringSubmatch(e)
			switch {
			case strings.HasPrefix(e, "@") || strings.HasPrefix(e, "|"):
				amfMessages++ // @setDataFrame(), |RtmpSampleAccess()
			case m == nil:
			case dataHandlers[m[1]]:
				amfMessages++
			default:
				amfMessages++
				cmds = append(cmds, refCommand{name: m[1], arg: m[2], txid: -1})
			}
		}
		if len(cmds) == 0 {
			continue
		}
		frame, _ := strconv.ParseUint(col("frame.number"), 10, 64)
		sp, _ := strconv.Atoi(col("tcp.srcport"))
		dp, _ := strconv.Atoi(col("tcp.dstport"))
		var nums []float64
		if s := col("amf.number"); s != "" {
			for _, n := range strings.Split(s, ",") {
				v, err := strconv.ParseFloat(n, 64)
				if err != nil {
					t.Fatalf("%s frame %d: amf.number %q", name, frame, n)
				}
				nums = append(nums, v)
			}
		}
		switch {
		case amfMessages == 1 && len(nums) > 0:
			cmds[0].txid = nums[0]
		case amfMessages == len(cmds) && len(nums) == len(cmds):
			for i := range cmds {
				cmds[i].txid = nums[i]
			}
		}
		for i := range cmds {
			cmds[i].frame, cmds[i].srcPort, cmds[i].dstPort = frame, sp, dp
		}
		out = append(out, cmds...)
	}
	return out
}

// refPair is a response and the request it answers, by frame.
type refPair struct {
	respFrame uint64
	respName  string
	reqFrame  uint64
	reqName   string
}

// statusRequest is the command whose answer an onStatus code family is,
// by RTMP 1.0 §7.2.2 (publish → NetStream.Publish.*, play →
// NetStream.Play.*) and nginx-rtmp's close path (deleteStream →
// NetStream.Unpublish.Success).
var statusRequest = map[string]string{
	"NetStream.Publish.":   "publish",
	"NetStream.Play.":      "play",
	"NetStream.Unpublish.": "deleteStream",
}

// expectedPairs derives from tshark's commands which response answers
// which request: a _result/_error answers the latest command sent the
// other way with its transaction id; an onStatus answers the latest
// command sent the other way named for its code family, if that command
// was not answered already.
func expectedPairs(t *testing.T, cmds []refCommand) []refPair {
	t.Helper()
	var out []refPair
	answered := map[uint64]map[string]bool{}
	for i, c := range cmds {
		var match func(r refCommand) bool
		switch {
		case c.name == "_result" || c.name == "_error":
			if c.txid < 0 {
				t.Fatalf("frame %d: %s with unknown transaction id", c.frame, c.name)
			}
			match = func(r refCommand) bool { return r.txid == c.txid && r.name != "_result" && r.name != "_error" }
		case c.name == "onStatus":
			want := ""
			for prefix, req := range statusRequest {
				if strings.HasPrefix(c.arg, prefix) {
					want = req
				}
			}
			match = func(r refCommand) bool { return r.name == want }
		default:
			continue
		}
		for j := i - 1; j >= 0; j-- {
			r := cmds[j]
			if r.srcPort != c.dstPort || r.dstPort != c.srcPort || !match(r) {
				continue
			}
			if answered[r.frame][r.name] {
				break
			}
			if answered[r.frame] == nil {
				answered[r.frame] = map[string]bool{}
			}
			answered[r.frame][r.name] = true
			out = append(out, refPair{respFrame: c.frame, respName: c.name, reqFrame: r.frame, reqName: r.name})
			break
		}
	}
	return out
}
