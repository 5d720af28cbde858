package session

import (
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/event"
)

// Roles of a message in a Pair.
const (
	RoleRequest  = "request"
	RoleResponse = "response"
)

// DefaultMaxOutstanding is how many unanswered requests a connection
// direction keeps when Options.MaxOutstanding is 0.
const DefaultMaxOutstanding = 1024

// Pair links a command to the other half of its request/response exchange.
//
// Records are emitted as messages complete, so when a request's record
// goes out its response does not exist yet: a request's Pair says only that
// it is a request (Role, Request, Expect) and leaves the peer fields zero.
// The response's Pair names the request it answers, where that request is
// (Frame, Offset, Dir) and the latency between them.
type Pair struct {
	Role string // RoleRequest or RoleResponse
	// Request is the request's command name (connect, createStream,
	// publish, ...), on both sides.
	Request string
	// Expect is, on a request, what answers it: "_result" (by transaction
	// id), "onStatus" (on its message stream), or a named reply such as
	// "onFCPublish". Empty on a response.
	Expect string
	// The peer message (the request, on a response): the frame it
	// completed in, its stream offset and direction. Frame is 0 on a
	// request.
	Frame  uint64
	Offset int64
	Dir    event.Dir
	// Latency is the response's capture time minus the request's.
	Latency time.Duration
}

// expectation says how sure we are that a request gets an answer, which
// decides whether silence is reported.
type expectation uint8

const (
	// optional: some servers answer, many do not (nginx-rtmp never answers
	// releaseStream, FCPublish, FCUnpublish, FCSubscribe or deleteStream).
	// Paired when answered, never reported when not.
	optional expectation = iota
	// call: a remote call with a transaction id the peer does not know by
	// convention; RTMP says a non-zero id asks for a reply, but
	// application-defined calls often go unanswered. Reported as info.
	call
	// required: every server answers it; silence means something broke.
	required
)

// reqSpec is how one command name is answered.
type reqSpec struct {
	expect expectation
	// status lists the onStatus code prefixes that answer a stream
	// command on its message stream; nil for commands answered by
	// _result/_error only.
	status []string
	// reply is the name of the dedicated reply some servers send
	// (FCPublish → onFCPublish), matched by name.
	reply string
	// argStream is set when the message stream the answer arrives on is
	// the command's stream id argument rather than the message's msid
	// (deleteStream is sent on stream 0 naming the stream to delete).
	argStream bool
}

// requestSpecs lists the commands known to be requests. Stream commands
// (those with status prefixes) are answered on their message stream even
// when they carry transaction id 0, as ffmpeg, librtmp and nginx do; any
// other command with a non-zero transaction id is a call (see classify).
// receiveAudio/receiveVideo are absent: no server here answers them and
// their status codes (Seek.Notify, Play.Start) are not theirs alone.
var requestSpecs = map[string]*reqSpec{
	"connect":         {expect: required},
	"createStream":    {expect: required},
	"publish":         {expect: required, status: []string{"NetStream.Publish."}},
	"play":            {expect: required, status: []string{"NetStream.Play."}},
	"play2":           {expect: required, status: []string{"NetStream.Play."}},
	"seek":            {expect: required, status: []string{"NetStream.Seek."}},
	"pause":           {expect: optional, status: []string{"NetStream.Pause.", "NetStream.Unpause."}},
	"closeStream":     {expect: optional, status: []string{"NetStream.Unpublish.", "NetStream.Play.Stop"}},
	"deleteStream":    {expect: optional, status: []string{"NetStream.Unpublish.", "NetStream.Play.Stop"}, argStream: true},
	"releaseStream":   {expect: optional},
	"FCPublish":       {expect: optional, reply: "onFCPublish"},
	"FCUnpublish":     {expect: optional, reply: "onFCUnpublish"},
	"FCSubscribe":     {expect: optional, reply: "onFCSubscribe"},
	"FCUnsubscribe":   {expect: optional, reply: "onFCUnsubscribe"},
	"getStreamLength": {expect: optional},
	"_checkbw":        {expect: optional},
}

var (
	callSpec     = &reqSpec{expect: call}
	optionalSpec = &reqSpec{expect: optional}
)

// namedReplies maps a dedicated reply's name to the request it answers.
var namedReplies = map[string]string{
	"onFCPublish":     "FCPublish",
	"onFCUnpublish":   "FCUnpublish",
	"onFCSubscribe":   "FCSubscribe",
	"onFCUnsubscribe": "FCUnsubscribe",
}

// classify returns how c is answered, or nil when c is not a request:
// responses, notifications with transaction id 0, and on* callbacks
// without one.
func classify(c *command.Command) *reqSpec {
	if c.IsResponse() || c.Name == "onStatus" || namedReplies[c.Name] != "" {
		return nil
	}
	if s := requestSpecs[c.Name]; s != nil {
		if s.status == nil && c.TransactionID == 0 {
			return nil // nothing can answer it: _result needs an id
		}
		return s
	}
	if c.TransactionID == 0 {
		return nil
	}
	// on* names are callbacks (onBWDone, onBWCheck): a reply is possible
	// but nobody relies on one.
	if strings.HasPrefix(c.Name, "on") {
		return optionalSpec
	}
	return callSpec
}

// request is one outstanding request: what is needed to pair an answer
// with it and to point at it in a diagnostic.
type request struct {
	name   string
	txid   float64
	msid   uint32 // the message stream its onStatus answer arrives on
	spec   *reqSpec
	dir    event.Dir
	frame  uint64
	frames [2]uint64
	offset int64
	csid   uint32
	time   time.Time
}

// expectText is what a request's Pair.Expect says.
func (r *request) expectText() string {
	switch {
	case r.spec.status != nil && r.txid == 0:
		return "onStatus"
	case r.spec.status != nil:
		return "_result or onStatus"
	case r.spec.reply != "":
		return "_result or " + r.spec.reply
	}
	return "_result"
}

// pending is the outstanding-request table of one direction of a
// connection: requests in arrival order, at most max of them. Tables are
// small (a handful of entries on real connections), so lookups scan.
type pending struct {
	list []*request
	max  int
}

// add appends r, evicting and returning the oldest request when the table
// is full.
func (p *pending) add(r *request) (evicted *request) {
	if len(p.list) >= p.max {
		evicted = p.list[0]
		copy(p.list, p.list[1:])
		p.list[len(p.list)-1] = nil
		p.list = p.list[:len(p.list)-1]
	}
	p.list = append(p.list, r)
	return evicted
}

// take removes and returns the oldest request for which match is true.
func (p *pending) take(match func(*request) bool) *request {
	for i, r := range p.list {
		if match(r) {
			copy(p.list[i:], p.list[i+1:])
			p.list[len(p.list)-1] = nil
			p.list = p.list[:len(p.list)-1]
			return r
		}
	}
	return nil
}

// byName finds the oldest outstanding request named name.
func (p *pending) byName(name string) *request {
	for _, r := range p.list {
		if r.name == name {
			return r
		}
	}
	return nil
}

// newRequest records a request message.
func newRequest(m *event.Message, c *command.Command, spec *reqSpec, t time.Time) *request {
	r := &request{
		name: c.Name, txid: c.TransactionID, msid: m.MSID, spec: spec, dir: m.Dir,
		frame: m.Frame, frames: m.Frames, offset: m.Offset, csid: m.CSID, time: t,
	}
	if spec.argStream {
		if id, ok := c.StreamID(); ok && id >= 0 && id <= 0xFFFFFFFF {
			r.msid = uint32(id)
		}
	}
	return r
}

// responsePair is the Pair of a response to req arriving at time t.
func responsePair(req *request, t time.Time) *Pair {
	lat := t.Sub(req.time)
	if lat < 0 {
		lat = 0 // capture timestamps can step back (several interfaces)
	}
	return &Pair{Role: RoleResponse, Request: req.name, Frame: req.frame, Offset: req.offset, Dir: req.dir, Latency: lat}
}

// hasPrefix reports whether code starts with one of prefixes.
func hasPrefix(code string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}
