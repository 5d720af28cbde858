package session

import (
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/event"
)

// maxStreams bounds State.Streams: a connection that publishes and plays
// endlessly keeps its most recent entries only.
const maxStreams = 256

// Stream actions and statuses in State.Streams.
const (
	ActionPublish = "publish"
	ActionPlay    = "play"

	StatusCreated = "created" // createStream returned it; nothing published or played yet
	StatusPending = "pending" // publish/play sent, no status yet
	StatusStarted = "started" // NetStream.Publish.Start / NetStream.Play.Start
	StatusFailed  = "failed"  // a failing status code (Code says which)
	StatusStopped = "stopped" // NetStream.Unpublish.Success / NetStream.Play.Stop
)

// State is what a connection's conversation established: who connected to
// which application with what, what each side offered, which streams were
// created, published and played, and how many requests went wrong. Strings
// are redacted unless Options.ShowSecrets.
type State struct {
	App      string
	TcURL    string
	FlashVer string
	SwfURL   string
	PageURL  string
	// ObjectEncoding is the client's connect objectEncoding (0 AMF0, 3
	// AMF3), nil when absent; ServerObjectEncoding the server's reply.
	ObjectEncoding       *float64
	ServerObjectEncoding *float64
	// FMSVer is the server's fmsVer from the connect _result.
	FMSVer string
	// ConnectCode is the code of the connect reply
	// (NetConnection.Connect.Success, ...), empty until it arrives.
	ConnectCode string
	// Caps is what each side offered, indexed by the direction it was
	// sent in: Caps[ClientToServer] from connect, Caps[ServerToClient]
	// from its _result.
	Caps [2]Caps
	// Streams lists message streams created, published and played, in
	// the order they appeared.
	Streams []Stream
	// Unanswered counts requests reported as never answered; Failed counts
	// _error replies and failing status codes.
	Unanswered int
	Failed     int
}

// Caps is one side's legacy and Enhanced RTMP capabilities.
type Caps struct {
	Capabilities  *float64 // connect's capabilities, or the server's
	AudioCodecs   *float64
	VideoCodecs   *float64
	VideoFunction *float64
	// Enhanced RTMP.
	FourCCList         []string
	VideoFourCCInfoMap []command.FourCCInfo
	AudioFourCCInfoMap []command.FourCCInfo
	CapsEx             *float64
}

// Empty reports whether no capability was seen.
func (c Caps) Empty() bool {
	return c.Capabilities == nil && c.AudioCodecs == nil && c.VideoCodecs == nil && c.VideoFunction == nil &&
		c.FourCCList == nil && c.VideoFourCCInfoMap == nil && c.AudioFourCCInfoMap == nil && c.CapsEx == nil
}

// Stream is one message stream and what was done with it.
type Stream struct {
	MSID   uint32
	Name   string // stream name (redacted unless ShowSecrets)
	Action string // ActionPublish, ActionPlay, or "" when only created
	Status string // StatusCreated, StatusPending, ...
	Code   string // the status code that set Status
}

// Clone returns a deep copy, safe to keep while the tracker goes on.
func (s *State) Clone() *State {
	if s == nil {
		return nil
	}
	c := *s
	c.Streams = append([]Stream(nil), s.Streams...)
	for i := range c.Caps {
		c.Caps[i].FourCCList = append([]string(nil), s.Caps[i].FourCCList...)
		c.Caps[i].VideoFourCCInfoMap = append([]command.FourCCInfo(nil), s.Caps[i].VideoFourCCInfoMap...)
		c.Caps[i].AudioFourCCInfoMap = append([]command.FourCCInfo(nil), s.Caps[i].AudioFourCCInfoMap...)
	}
	return &c
}

// onConnect records what the client's connect call carried.
func (s *State) onConnect(c *command.Command) {
	cn, ok := c.Connect()
	if !ok {
		return
	}
	s.App, s.TcURL, s.FlashVer, s.SwfURL, s.PageURL = cn.App, cn.TcURL, cn.FlashVer, cn.SwfURL, cn.PageURL
	s.ObjectEncoding = cn.ObjectEncoding
	s.Caps[event.C2S] = Caps{
		Capabilities: cn.Capabilities, AudioCodecs: cn.AudioCodecs, VideoCodecs: cn.VideoCodecs,
		VideoFunction: cn.VideoFunction, FourCCList: cn.FourCCList,
		VideoFourCCInfoMap: cn.VideoFourCCInfoMap, AudioFourCCInfoMap: cn.AudioFourCCInfoMap, CapsEx: cn.CapsEx,
	}
}

// onConnectReply records the server's reply to connect: fmsVer and
// capabilities from its properties, the code and objectEncoding from its
// information object, and the Enhanced RTMP fields it echoed. Servers put
// the Enhanced RTMP fields in the properties object; a few put them in the
// information object, which is read when the properties have none.
func (s *State) onConnectReply(r command.Result) {
	props := r.Properties.Resolve()
	if v, ok := props.Get("fmsVer"); ok {
		s.FMSVer, _ = v.Resolve().AsString()
	}
	s.ConnectCode = r.Info.Code
	if v, ok := r.Info.Object.Get("objectEncoding"); ok {
		if n, ok := v.Resolve().AsNumber(); ok {
			s.ServerObjectEncoding = &n
		}
	}
	caps := capsOf(props)
	if caps.FourCCList == nil && caps.VideoFourCCInfoMap == nil && caps.AudioFourCCInfoMap == nil && caps.CapsEx == nil {
		ex := capsOf(r.Info.Object.Resolve())
		caps.FourCCList, caps.VideoFourCCInfoMap, caps.AudioFourCCInfoMap, caps.CapsEx =
			ex.FourCCList, ex.VideoFourCCInfoMap, ex.AudioFourCCInfoMap, ex.CapsEx
	}
	s.Caps[event.S2C] = caps
}

// capsOf reads capability fields from an object. It reuses package
// command's connect parser, which knows the Enhanced RTMP field shapes,
// by presenting the object as a connect command object.
func capsOf(o amf.Value) Caps {
	if o.Kind != amf.KindObject && o.Kind != amf.KindECMAArray {
		return Caps{}
	}
	cn, _ := command.Command{Name: "connect", CommandObject: o}.Connect()
	return Caps{
		Capabilities: cn.Capabilities, AudioCodecs: cn.AudioCodecs, VideoCodecs: cn.VideoCodecs,
		VideoFunction: cn.VideoFunction, FourCCList: cn.FourCCList,
		VideoFourCCInfoMap: cn.VideoFourCCInfoMap, AudioFourCCInfoMap: cn.AudioFourCCInfoMap, CapsEx: cn.CapsEx,
	}
}

// StreamName is the name message stream msid was last published or played
// under ("" when unknown; s may be nil). It is already redacted unless
// secrets are shown.
func (s *State) StreamName(msid uint32) string {
	if s == nil {
		return ""
	}
	name := ""
	for _, st := range s.Streams {
		if st.MSID == msid && st.Name != "" {
			name = st.Name
		}
	}
	return name
}

// hasStream reports whether createStream returned msid.
func (s *State) hasStream(msid uint32) bool {
	for i := range s.Streams {
		if s.Streams[i].MSID == msid {
			return true
		}
	}
	return false
}

// addStream appends a stream entry, dropping the oldest past maxStreams.
func (s *State) addStream(st Stream) {
	if len(s.Streams) >= maxStreams {
		copy(s.Streams, s.Streams[1:])
		s.Streams = s.Streams[:len(s.Streams)-1]
	}
	s.Streams = append(s.Streams, st)
}

// onCreated records a stream id returned by createStream.
// A client that published or played on the stream before the reply
// (session.stream_early) already has its entry, which is kept.
func (s *State) onCreated(msid uint32) {
	for i := len(s.Streams) - 1; i >= 0; i-- {
		if s.Streams[i].MSID == msid {
			if s.Streams[i].Status == StatusPending {
				return
			}
			break
		}
	}
	s.addStream(Stream{MSID: msid, Status: StatusCreated})
}

// onStreamCommand records publish or play of name on msid: it fills the
// created entry of that stream if it has no action yet, else adds one.
func (s *State) onStreamCommand(msid uint32, action, name string) {
	for i := len(s.Streams) - 1; i >= 0; i-- {
		st := &s.Streams[i]
		if st.MSID == msid && st.Action == "" {
			st.Name, st.Action, st.Status = name, action, StatusPending
			return
		}
	}
	s.addStream(Stream{MSID: msid, Name: name, Action: action, Status: StatusPending})
}

// onStatus applies a status code to the latest publish/play entry of msid
// whose action the code is about.
func (s *State) onStatus(msid uint32, info command.Info) {
	action := ""
	switch {
	case strings.HasPrefix(info.Code, "NetStream.Publish.") || strings.HasPrefix(info.Code, "NetStream.Unpublish."):
		action = ActionPublish
	case strings.HasPrefix(info.Code, "NetStream.Play."):
		action = ActionPlay
	}
	for i := len(s.Streams) - 1; i >= 0; i-- {
		st := &s.Streams[i]
		if st.MSID != msid || st.Action == "" || (action != "" && st.Action != action) {
			continue
		}
		if st.Status == StatusFailed {
			return // keep the failure; later codes (Play.Stop) say less
		}
		switch {
		case info.Failed():
			st.Status, st.Code = StatusFailed, info.Code
		case info.Code == "NetStream.Publish.Start" || info.Code == "NetStream.Play.Start":
			st.Status, st.Code = StatusStarted, info.Code
		case info.Code == "NetStream.Unpublish.Success" || info.Code == "NetStream.Play.Stop":
			st.Status, st.Code = StatusStopped, info.Code
		case st.Status == StatusPending:
			st.Code = info.Code // Play.Reset and the like: not started yet
		}
		return
	}
}
