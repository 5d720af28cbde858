// Package amf decodes and encodes Action Message Format values, AMF0 and
// AMF3, as carried by RTMP command, data and shared-object messages.
//
// Unlike a serialization library, it is built for an analyzer: every
// [Value] records its byte offset and encoded length, keeps what a
// language-level decoder throws away (key order, null vs undefined, AMF3
// integer vs double, ECMA array vs object, class names, AMF0 date time
// zones, references as references), and a malformed input yields every
// value decoded before the fault together with an [*Error] that carries the
// offset and an errors.Is-able reason.
//
// # Reference tables
//
// The AMF0 reference table (objects, typed objects, ECMA and strict arrays)
// spans one [DecodeAll] call, so a reference in a later argument of an RTMP
// command may point into an earlier one. Each AMF0 avmplus-object-marker
// (0x11) starts a new AMF3 context: the value it introduces is decoded with
// fresh string, object and traits tables, following the AMF0
// specification's rule that the switch introduces one complete AMF3 value.
// A body decoded with [Decode3]/[DecodeAll3] (pure AMF3) shares one context
// across its values.
//
// The decoder never follows a reference while decoding, so reference loops
// cannot make it recurse; [Value.Resolve] follows one reference on demand.
package amf
