package command

import (
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// Connect is the command object of a connect call (RTMP 1.0 §7.2.1.1 and
// Enhanced RTMP v2 "Enhancing NetConnection connect Command"). Absent
// numeric and boolean fields are nil; absent strings are empty.
type Connect struct {
	App            string
	Type           string // "nonprivate" from FMLE-style encoders
	TcURL          string
	FlashVer       string
	SwfURL         string
	PageURL        string
	Fpad           *bool
	Capabilities   *float64
	AudioCodecs    *float64
	VideoCodecs    *float64
	VideoFunction  *float64
	ObjectEncoding *float64

	// Enhanced RTMP.
	FourCCList         []string
	VideoFourCCInfoMap []FourCCInfo
	AudioFourCCInfoMap []FourCCInfo
	CapsEx             *float64

	// Args are optional user arguments after the command object.
	Args []amf.Value
}

// FourCCInfo is one entry of videoFourCcInfoMap/audioFourCcInfoMap: a codec
// FourCC (or "*" for all) and its FourCcInfoMask.
type FourCCInfo struct {
	FourCC string
	Mask   float64
}

// Names decodes the mask: CanDecode, CanEncode, CanForward.
func (f FourCCInfo) Names() []string { return flagNames(f.Mask, fourCCInfoFlags) }

// Connect returns the typed view of a connect call.
func (c Command) Connect() (Connect, bool) {
	if c.Name != "connect" {
		return Connect{}, false
	}
	o := c.CommandObject.Resolve()
	cn := Connect{
		App:            str(o, "app"),
		Type:           str(o, "type"),
		TcURL:          str(o, "tcUrl"),
		FlashVer:       str(o, "flashVer"),
		SwfURL:         str(o, "swfUrl"),
		PageURL:        str(o, "pageUrl"),
		Fpad:           boolean(o, "fpad"),
		Capabilities:   num(o, "capabilities"),
		AudioCodecs:    num(o, "audioCodecs"),
		VideoCodecs:    num(o, "videoCodecs"),
		VideoFunction:  num(o, "videoFunction"),
		ObjectEncoding: num(o, "objectEncoding"),
		CapsEx:         num(o, "capsEx"),
		Args:           c.Args,
	}
	if l, ok := o.Get("fourCcList"); ok {
		l = l.Resolve()
		for _, e := range l.Elems {
			if s, ok := e.Resolve().AsString(); ok {
				cn.FourCCList = append(cn.FourCCList, s)
			}
		}
	}
	cn.VideoFourCCInfoMap = infoMap(o, "videoFourCcInfoMap")
	cn.AudioFourCCInfoMap = infoMap(o, "audioFourCcInfoMap")
	return cn, true
}

func infoMap(o amf.Value, key string) []FourCCInfo {
	m, ok := o.Get(key)
	if !ok {
		return nil
	}
	var out []FourCCInfo
	for _, p := range m.Resolve().Props {
		n, _ := p.Value.Resolve().AsNumber()
		out = append(out, FourCCInfo{FourCC: p.Key, Mask: n})
	}
	return out
}

type flag struct {
	bit  uint64
	name string
}

// Codec support flags of the connect command object (RTMP 1.0 §7.2.1.1).
var (
	audioCodecFlags = []flag{
		{0x0001, "None"}, {0x0002, "ADPCM"}, {0x0004, "MP3"}, {0x0008, "Intel"},
		{0x0010, "Unused"}, {0x0020, "Nelly8"}, {0x0040, "Nelly"}, {0x0080, "G711A"},
		{0x0100, "G711U"}, {0x0200, "Nelly16"}, {0x0400, "AAC"}, {0x0800, "Speex"},
	}
	videoCodecFlags = []flag{
		{0x0001, "Unused"}, {0x0002, "JPEG"}, {0x0004, "Sorenson"}, {0x0008, "Homebrew"},
		{0x0010, "VP6"}, {0x0020, "VP6Alpha"}, {0x0040, "HomebrewV"}, {0x0080, "H264"},
	}
	// videoFunction: ClientSeek from RTMP 1.0; the rest from Enhanced RTMP.
	videoFunctionFlags = []flag{
		{0x0001, "ClientSeek"}, {0x0002, "ClientHDR"},
		{0x0004, "ClientVideoPacketTypeMetadata"}, {0x0008, "ClientLargeScaleTile"},
	}
	// Enhanced RTMP CapsExMask and FourCcInfoMask.
	capsExFlags     = []flag{{0x01, "Reconnect"}, {0x02, "Multitrack"}, {0x04, "ModEx"}, {0x08, "TimestampNanoOffset"}}
	fourCCInfoFlags = []flag{{0x01, "CanDecode"}, {0x02, "CanEncode"}, {0x04, "CanForward"}}
)

// flagNames names the set bits of a flag number; unknown bits appear as
// hex, and a non-integral or negative number as nothing.
func flagNames(f float64, flags []flag) []string {
	if f < 0 || f != float64(uint64(f)) {
		return nil
	}
	n := uint64(f)
	var out []string
	for _, fl := range flags {
		if n&fl.bit != 0 {
			out = append(out, fl.name)
			n &^= fl.bit
		}
	}
	if n != 0 {
		out = append(out, "0x"+strings.ToUpper(hex(n)))
	}
	return out
}

func hex(n uint64) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n&0xF]}, b...)
		n >>= 4
	}
	return string(b)
}

func names(p *float64, flags []flag) []string {
	if p == nil {
		return nil
	}
	return flagNames(*p, flags)
}

// AudioCodecNames decodes audioCodecs (SUPPORT_SND_*).
func (cn Connect) AudioCodecNames() []string { return names(cn.AudioCodecs, audioCodecFlags) }

// VideoCodecNames decodes videoCodecs (SUPPORT_VID_*).
func (cn Connect) VideoCodecNames() []string { return names(cn.VideoCodecs, videoCodecFlags) }

// VideoFunctionNames decodes videoFunction.
func (cn Connect) VideoFunctionNames() []string { return names(cn.VideoFunction, videoFunctionFlags) }

// CapsExNames decodes capsEx.
func (cn Connect) CapsExNames() []string { return names(cn.CapsEx, capsExFlags) }

// Info is an information object, as in _result/_error replies, onStatus
// and onFCPublish: level ("status", "warning", "error"), code,
// description, and the less common fields.
type Info struct {
	Level       string
	Code        string
	Description string
	Details     string
	ClientID    string // clientid/clientId where servers send it
	TcURL       string // NetConnection.Connect.ReconnectRequest (Enhanced RTMP)
	Object      amf.Value
}

// Failed reports whether the code is a failure (see IsFailureCode) or the
// level is "error".
func (i Info) Failed() bool { return i.Level == "error" || IsFailureCode(i.Code) }

func infoFrom(v amf.Value) Info {
	v = v.Resolve()
	inf := Info{
		Level:       str(v, "level"),
		Code:        str(v, "code"),
		Description: str(v, "description"),
		Details:     str(v, "details"),
		ClientID:    str(v, "clientid"),
		TcURL:       str(v, "tcUrl"),
		Object:      v,
	}
	if inf.ClientID == "" {
		inf.ClientID = str(v, "clientId")
	}
	return inf
}

// Result is a _result or _error reply.
type Result struct {
	Error      bool      // _error
	Properties amf.Value // the command object (connect: fmsVer, capabilities, mode)
	Info       Info      // the first argument when it is an object
	// StreamID is the first argument when it is a number: the message
	// stream id createStream returned.
	StreamID *float64
}

// Result returns the typed view of a _result or _error reply.
func (c Command) Result() (Result, bool) {
	if !c.IsResponse() {
		return Result{}, false
	}
	r := Result{Error: c.Name == "_error", Properties: c.CommandObject, StreamID: argNum(&c, 0)}
	if a := c.Arg(0).Resolve(); a.Kind == amf.KindObject || a.Kind == amf.KindECMAArray {
		r.Info = infoFrom(a)
	}
	return r, true
}

// Status returns the information object of onStatus (and of onFCPublish,
// onFCUnpublish, and other on* replies carrying one). Servers put it in
// the first argument after a null command object; a few put it in the
// command object itself.
func (c Command) Status() (Info, bool) {
	switch c.Name {
	case "onStatus", "onFCPublish", "onFCUnpublish", "onFCSubscribe", "onFCUnsubscribe":
	default:
		return Info{}, false
	}
	if a := c.Arg(0).Resolve(); a.Kind == amf.KindObject || a.Kind == amf.KindECMAArray {
		return infoFrom(a), true
	}
	if o := c.CommandObject.Resolve(); o.Kind == amf.KindObject || o.Kind == amf.KindECMAArray {
		return infoFrom(o), true
	}
	return Info{}, true
}

// Publish is publish(name, type).
type Publish struct {
	Name string // the stream name (often the stream key; a secret)
	Type string // "live", "record", "append" (empty if absent, which means live)
}

// Publish returns the typed view of publish.
func (c Command) Publish() (Publish, bool) {
	if c.Name != "publish" {
		return Publish{}, false
	}
	return Publish{Name: argStr(&c, 0), Type: argStr(&c, 1)}, true
}

// Play is play(name, start, duration, reset) (RTMP 1.0 §7.2.2.1).
type Play struct {
	Name     string
	Start    *float64 // -2 live or recorded, -1 live only, >=0 recorded from there
	Duration *float64 // -1 until the end
	Reset    *bool
}

// Play returns the typed view of play.
func (c Command) Play() (Play, bool) {
	if c.Name != "play" {
		return Play{}, false
	}
	return Play{Name: argStr(&c, 0), Start: argNum(&c, 1), Duration: argNum(&c, 2), Reset: argBool(&c, 3)}, true
}

// Play2 is play2(parameters) (RTMP 1.0 §7.2.2.2): the NetStreamPlayOptions
// object.
type Play2 struct {
	StreamName    string
	OldStreamName string
	Transition    string
	Start         *float64
	Len           *float64
	Offset        *float64
	Params        amf.Value
}

// Play2 returns the typed view of play2.
func (c Command) Play2() (Play2, bool) {
	if c.Name != "play2" {
		return Play2{}, false
	}
	p := c.Arg(0).Resolve()
	return Play2{
		StreamName: str(p, "streamName"), OldStreamName: str(p, "oldStreamName"),
		Transition: str(p, "transition"), Start: num(p, "start"), Len: num(p, "len"),
		Offset: num(p, "offset"), Params: p,
	}, true
}

// StreamName returns the stream name a stream-level call names: publish,
// play, play2, releaseStream, FCPublish, FCUnpublish, FCSubscribe,
// FCUnsubscribe, getStreamLength.
func (c Command) StreamName() (string, bool) {
	switch c.Name {
	case "publish", "play", "releaseStream", "FCPublish", "FCUnpublish", "FCSubscribe", "FCUnsubscribe", "getStreamLength":
		s, ok := c.Arg(0).Resolve().AsString()
		return s, ok
	case "play2":
		p, _ := c.Play2()
		return p.StreamName, p.StreamName != ""
	}
	return "", false
}

// StreamID returns the stream id argument of deleteStream (and of
// closeStream where a peer sends one).
func (c Command) StreamID() (float64, bool) {
	switch c.Name {
	case "deleteStream", "closeStream":
		if n := argNum(&c, 0); n != nil {
			return *n, true
		}
	}
	return 0, false
}

// Flag returns the boolean argument of receiveAudio and receiveVideo.
func (c Command) Flag() (bool, bool) {
	switch c.Name {
	case "receiveAudio", "receiveVideo":
		if b := argBool(&c, 0); b != nil {
			return *b, true
		}
	}
	return false, false
}

// Seek returns the millisecond argument of seek.
func (c Command) Seek() (float64, bool) {
	if c.Name == "seek" {
		if n := argNum(&c, 0); n != nil {
			return *n, true
		}
	}
	return 0, false
}

// Pause is pause(pause, ms).
type Pause struct {
	Pause bool    // true to pause, false to resume
	MS    float64 // the stream time where it paused or resumes
}

// Pause returns the typed view of pause.
func (c Command) Pause() (Pause, bool) {
	if c.Name != "pause" {
		return Pause{}, false
	}
	var p Pause
	if b := argBool(&c, 0); b != nil {
		p.Pause = *b
	}
	if n := argNum(&c, 1); n != nil {
		p.MS = *n
	}
	return p, true
}

// Bandwidth returns the numeric arguments of the bandwidth-check calls
// (_checkbw, onBWDone, onBWCheck), which carry peer-specific numbers
// (onBWDone often the measured kbit/s).
func (c Command) Bandwidth() ([]float64, bool) {
	switch c.Name {
	case "_checkbw", "onBWDone", "onBWCheck", "_onbwcheck", "_onbwdone":
	default:
		return nil, false
	}
	var out []float64
	for _, a := range c.Args {
		if n, ok := a.Resolve().AsNumber(); ok {
			out = append(out, n)
		}
	}
	return out, true
}

// IsFailureCode reports whether an onStatus, _error or shared-object
// status code means something failed: the well-known failure codes
// (NetConnection.Connect.Rejected, NetStream.Publish.BadName,
// NetStream.Play.StreamNotFound, ...) and any code whose last component
// is one of Failed, Error, Rejected, BadName, InvalidApp, StreamNotFound,
// NotFound, Forbidden, Unauthorized, Denied, NoAccess, BadVersion,
// Prohibited, InvalidArg, InvalidTime. Codes such as
// NetConnection.Connect.Closed, NetStream.Play.Stop or
// NetStream.Unpublish.Success are not failures.
func IsFailureCode(code string) bool {
	if failureCodes[code] {
		return true
	}
	i := strings.LastIndexByte(code, '.')
	last := code[i+1:]
	return failureSuffixes[last]
}

var failureCodes = map[string]bool{
	"NetConnection.Call.BadVersion":        true,
	"NetConnection.Call.Prohibited":        true,
	"NetConnection.Connect.AppShutdown":    true,
	"NetConnection.Connect.IdleTimeout":    true,
	"NetConnection.Connect.InvalidApp":     true,
	"NetConnection.Connect.Rejected":       true,
	"NetStream.Publish.BadName":            true,
	"NetStream.Play.StreamNotFound":        true,
	"NetStream.Play.FileStructureInvalid":  true,
	"NetStream.Play.NoSupportedTrackFound": true,
	"NetStream.Play.InsufficientBW":        true,
	"NetStream.Record.NoAccess":            true,
	"NetStream.Record.AlreadyExists":       true,
	"NetStream.Seek.InvalidTime":           true,
	"NetStream.Seek.Notify.Failed":         true,
	"NetStream.Connect.Rejected":           true,
	"NetStream.Publish.Denied":             true,
	"NetStream.Play.Forbidden":             true,
	"SharedObject.BadPersistence":          true,
	"SharedObject.UriMismatch":             true,
	"SharedObject.ObjectCreationFailed":    true,
	"SharedObject.NoReadAccess":            true,
	"SharedObject.NoWriteAccess":           true,
}

var failureSuffixes = map[string]bool{
	"Failed": true, "Error": true, "Rejected": true, "BadName": true,
	"InvalidApp": true, "StreamNotFound": true, "NotFound": true,
	"Forbidden": true, "Unauthorized": true, "Denied": true, "NoAccess": true,
	"BadVersion": true, "Prohibited": true, "InvalidArg": true, "InvalidTime": true,
}
