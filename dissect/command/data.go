package command

import (
	"fmt"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// Data is a data message (type 18 AMF0, 15 AMF3): a handler name and its
// values. @setDataFrame and @clearDataFrame (sent by publishers to have the
// server keep a data frame) carry an inner handler name, usually
// onMetaData, as their first value.
type Data struct {
	Handler string      // @setDataFrame, onMetaData, onTextData, onCuePoint, onFI, |RtmpSampleAccess, ...
	Inner   string      // for @setDataFrame/@clearDataFrame: the wrapped handler
	Args    []amf.Value // the values after Handler (and Inner)
	Values  []amf.Value // all decoded values in wire order
	AMF3    bool
	Err     error
}

// DecodeData decodes a data message body; amf3 selects the type 15 form.
func DecodeData(body []byte, base int, amf3 bool, opts amf.Options) (Data, error) {
	d := Data{AMF3: amf3}
	body, base, _ = skipFormatByte(body, base, amf3)
	vals, err := amf.DecodeAll(body, base, opts)
	d.Values, d.Err = vals, err
	if len(vals) == 0 {
		if err == nil {
			err = fmt.Errorf("data: empty body")
			d.Err = err
		}
		return d, err
	}
	h, ok := vals[0].Resolve().AsString()
	if !ok {
		if err == nil {
			err = &amf.Error{Offset: vals[0].Offset, Reason: amf.ErrBadMarker, Detail: "data handler is a " + vals[0].Kind.String() + ", not a string"}
			d.Err = err
		}
		return d, err
	}
	d.Handler = h
	rest := vals[1:]
	if (h == "@setDataFrame" || h == "@clearDataFrame") && len(rest) > 0 {
		if in, ok := rest[0].Resolve().AsString(); ok {
			d.Inner = in
			rest = rest[1:]
		}
	}
	d.Args = rest
	return d, err
}

// Metadata returns the metadata object (an ECMA array or object) of
// onMetaData, directly or wrapped in @setDataFrame.
func (d Data) Metadata() (amf.Value, bool) {
	if d.Handler != "onMetaData" && d.Inner != "onMetaData" {
		return amf.Value{}, false
	}
	for _, a := range d.Args {
		r := a.Resolve()
		if r.Kind == amf.KindECMAArray || r.Kind == amf.KindObject {
			return r, true
		}
	}
	return amf.Value{}, false
}

// SampleAccess returns the two flags of |RtmpSampleAccess (audio and video
// sample access allowed).
func (d Data) SampleAccess() (audio, video bool, ok bool) {
	if d.Handler != "|RtmpSampleAccess" {
		return false, false, false
	}
	if len(d.Args) > 0 {
		audio, _ = d.Args[0].Resolve().AsBool()
	}
	if len(d.Args) > 1 {
		video, _ = d.Args[1].Resolve().AsBool()
	}
	return audio, video, true
}

// CuePoint is the object of onCuePoint: name, time (seconds), type
// ("event" or "navigation"), parameters.
type CuePoint struct {
	Name       string
	Time       *float64
	Type       string
	Parameters amf.Value
}

// CuePoint returns the typed view of onCuePoint.
func (d Data) CuePoint() (CuePoint, bool) {
	if d.Handler != "onCuePoint" && d.Inner != "onCuePoint" {
		return CuePoint{}, false
	}
	if len(d.Args) == 0 {
		return CuePoint{}, true
	}
	o := d.Args[0].Resolve()
	p, _ := o.Get("parameters")
	return CuePoint{Name: str(o, "name"), Time: num(o, "time"), Type: str(o, "type"), Parameters: p}, true
}

// TextData returns the text and language of onTextData.
func (d Data) TextData() (text, language string, ok bool) {
	if d.Handler != "onTextData" && d.Inner != "onTextData" {
		return "", "", false
	}
	if len(d.Args) == 0 {
		return "", "", true
	}
	o := d.Args[0].Resolve()
	return str(o, "text"), str(o, "language"), true
}

// MarshalJSON writes the NDJSON "data" body: handler, inner (if any),
// values, error.
func (d Data) MarshalJSON() ([]byte, error) {
	b := []byte(`{"handler":`)
	b = appendJSONString(b, d.Handler)
	if d.Inner != "" {
		b = append(b, `,"inner":`...)
		b = appendJSONString(b, d.Inner)
	}
	b = append(b, `,"values":[`...)
	for i, a := range d.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = amf.AppendJSON(b, a)
	}
	b = append(b, ']')
	if d.Err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, d.Err.Error())
	}
	return append(b, '}'), nil
}
