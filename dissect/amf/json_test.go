package amf

import (
	"encoding/json"
	"math"
	"testing"
)

func TestJSONMapping(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Number(1.5), `1.5`},
		{Number(3), `3`},
		{Number(math.NaN()), `{"$double":"NaN"}`},
		{Number(math.Inf(-1)), `{"$double":"-Infinity"}`},
		{Integer(5), `5`},
		{Double(5), `{"$double":5}`},
		{Double(5.5), `5.5`},
		{Bool(true), `true`},
		{String("a\"<b>"), `"a\"\u003cb\u003e"`},
		{String("\xff"), `{"$string_base64":"/w=="}`},
		{Value{Kind: KindString, Str: "x", Long: true}, `{"$longstring":"x"}`},
		{Null(), `null`},
		{Undefined(), `{"$undefined":true}`},
		{Value{Kind: KindUnsupported}, `{"$unsupported":true}`},
		{Object(P("b", Number(1)), P("a", Null()), P("$ref", Number(2))), `{"b":1,"a":null,"$$ref":2}`},
		{Value{Kind: KindObject, Class: "Foo", Props: []Prop{P("x", Number(1))}}, `{"$class":"Foo","x":1}`},
		{ECMAArray(P("duration", Number(0))), `{"$ecma":{"duration":0}}`},
		{StrictArray(Number(1), String("a")), `[1,"a"]`},
		{Value{Kind: KindArray, Format: AMF3, Elems: []Value{Integer(1)}, Props: []Prop{P("k", Integer(2))}}, `{"$array":[1],"$assoc":{"k":2}}`},
		{Value{Kind: KindDate, Num: 1.2e12, TZ: -60}, `{"$date":"2008-01-10T21:20:00.000Z","ms":1200000000000,"tz":-60}`},
		{Value{Kind: KindDate, Format: AMF3, Num: 0}, `{"$date":"1970-01-01T00:00:00.000Z","ms":0}`},
		{Value{Kind: KindXMLDocument, Str: "<a/>"}, `{"$xmldoc":"\u003ca/\u003e"}`},
		{Value{Kind: KindXML, Format: AMF3, Str: "x"}, `{"$xml":"x"}`},
		{Value{Kind: KindByteArray, Format: AMF3, Bytes: []byte{1, 2, 3}}, `{"$bytes":"AQID"}`},
		{ref0(3), `{"$ref":3}`},
		{Value{Kind: KindVectorInt, Format: AMF3, Elems: []Value{Integer(-1)}}, `{"$vector":"int","fixed":false,"items":[-1]}`},
		{Value{Kind: KindVectorDouble, Format: AMF3, Fixed: true, Elems: []Value{Double(2)}}, `{"$vector":"double","fixed":true,"items":[2]}`},
		{Value{Kind: KindVectorObject, Format: AMF3, Class: "Foo", Elems: []Value{{Kind: KindNull, Format: AMF3}}}, `{"$vector":"object","type":"Foo","fixed":false,"items":[null]}`},
		{Value{Kind: KindDictionary, Format: AMF3, Entries: []Entry{{Key: str3("k"), Value: Integer(1)}}}, `{"$dict":[["k",1]],"weak":false}`},
		{Value{Kind: KindObject, Format: AMF3, Class: "Foo", Sealed: 1, Props: []Prop{P("x", Integer(1))}}, `{"$class":"Foo","$sealed":1,"$dynamic":false,"x":1}`},
		{obj3(P("a", Integer(1))), `{"a":1}`},
		{Value{Kind: KindObject, Format: AMF3, Class: ClassArrayCollection, Externalizable: true, Elems: []Value{{Kind: KindArray, Format: AMF3}}},
			`{"$class":"flex.messaging.io.ArrayCollection","$external":[]}`},
		{Value{Kind: KindError, Str: "unknown externalizable class", Class: "Foo"}, `{"$error":"unknown externalizable class","class":"Foo"}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.v)
		if err != nil {
			t.Errorf("%v: %v", tt.v, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%v:\n got %s\nwant %s", tt.v, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	v := Object(P("app", String("live")), P("tcUrl", String("rtmp://h/live")), P("n", Number(1)), P("x", Null()))
	if got, want := v.String(), `{app: "live", tcUrl: "rtmp://h/live", n: 1, x: null}`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
	if got := v.Summary(10); got != `{app: "liv…` {
		t.Errorf("summary %q", got)
	}
}
