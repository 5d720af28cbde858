package displayfilter

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
)

// No filter may silently match nothing because of a mistake in a name or
// a type: "frame.number == 25" (a number has no field "number"),
// "video.keyframe == 1" (a boolean compared with a number), "type ==
// video" (a record field where a value was meant). This file knows the
// kind of the names whose kind is fixed, and either makes such a filter
// mean what it plainly means (type == video, video.keyframe == 1) or
// refuses it with a caret.

// valueKind is the kind of a field's values.
type valueKind uint8

const (
	kindUnknown valueKind = iota // nested or free-form: not checked
	kindNumber
	kindString
	kindBool
	kindObject // an object whose member names are known (membersOf)
)

func (k valueKind) String() string {
	return [...]string{"a value", "a number", "a string", "true or false", "an object"}[k]
}

// pathKinds are the kinds of names and paths that are fixed.
var pathKinds = map[string]valueKind{
	"frame": kindNumber, "offset": kindNumber, "csid": kindNumber, "msid": kindNumber,
	"timestamp": kindNumber, "type_id": kindNumber, "length": kindNumber, "chunks": kindNumber,
	"bytes": kindNumber, "confidence": kindNumber, "bytes_c2s": kindNumber, "bytes_s2c": kindNumber,
	"packets": kindNumber, "gaps": kindNumber, "first_frame": kindNumber, "last_frame": kindNumber,
	"packets_c2s": kindNumber, "packets_s2c": kindNumber, "gap_bytes": kindNumber,
	"server_delay_ms": kindNumber, "client_delay_ms": kindNumber, "rtt_ms": kindNumber,
	"conn": kindString, "time": kindString, "type_name": kindString, "summary": kindString,
	"code": kindString, "text": kindString, "client": kindString, "server": kindString,
	"reason": kindString, "action": kindString, "uid": kindString, "community_id": kindString,
	"why": kindString, "rule": kindString, "infer_note": kindString, "end": kindString,
	"inferred": kindBool, "oriented": kindBool, "swapped": kindBool, "rtmp": kindBool,
	"mid_stream": kindBool, "body_truncated": kindBool, "encrypted": kindBool,
	"digest": kindBool, "complete": kindBool,
	"video": kindObject, "audio": kindObject,
	"video.keyframe": kindBool, "video.enhanced": kindBool, "video.codec": kindString,
	"video.codec_name": kindString, "video.frame_type": kindString, "video.packet_type": kindString,
	"video.composition_time": kindNumber, "video.data_len": kindNumber, "video.data_offset": kindNumber,
	"audio.codec": kindString, "audio.codec_name": kindString, "audio.sound_format": kindString,
	"audio.packet_type": kindString, "audio.sample_rate": kindNumber, "audio.channels": kindNumber,
	"audio.enhanced": kindBool, "audio.silence": kindBool,
	"command.name": kindString, "command.txid": kindNumber,
	"set_chunk_size.value": kindNumber, "window_ack_size.value": kindNumber,
	"diagnostic.code": kindString, "diagnostic.text": kindString,
}

// enums are the string fields with a fixed set of values.
var enums = map[string][]string{}

func init() {
	for n, a := range aliases {
		pathKinds[aliasIdentOf(n)] = a.kind
	}
	for k := event.Kind(1); k.String() != "unknown"; k++ {
		enums["kind"] = append(enums["kind"], k.String())
	}
	enums["dir"] = []string{event.C2S.String(), event.S2C.String()}
	seen := map[string]bool{}
	for t := 0; t < 256; t++ {
		if k := event.MsgType(t).Key(); !seen[k] {
			seen[k] = true
			enums["type"] = append(enums["type"], k)
		}
	}
	for s := event.Info; s <= event.Error; s++ {
		enums["severity"] = append(enums["severity"], s.String())
	}
	enums["diagnostic.severity"] = enums["severity"]
	enums["state"] = []string{"open", "closed"}
	enums["variant"] = event.Variants()
	for t := event.TransportTCP; t <= event.TransportHTTPTunnel; t++ {
		enums["transport"] = append(enums["transport"], t.String())
	}
	for n := range enums {
		pathKinds[n] = kindString
	}
	members["video"] = jsonKeys(reflect.TypeFor[media.Video](), videoValue(&media.Video{}))
	members["audio"] = jsonKeys(reflect.TypeFor[media.Audio](), audioValue(&media.Audio{}))
}

// members are the member names of the kindObject paths.
var members = map[string][]string{}

// jsonKeys are the JSON names of a struct's fields and of a fast-path map.
func jsonKeys(t reflect.Type, fast any) []string {
	out := structKeys(t, nil)
	if m, ok := fast.(map[string]any); ok {
		for k := range m {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// structKeys appends the JSON names of t's fields, embedded structs'
// fields included.
func structKeys(t reflect.Type, out []string) []string {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		switch {
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			out = structKeys(f.Type, out)
		case tag != "" && tag != "-":
			out = append(out, tag)
		}
	}
	return out
}

// pathOf is the dotted path of an identifier or a chain of constant member
// accesses ("video.keyframe"), with the identifier at its root.
func pathOf(n ast.Node) (string, *ast.IdentifierNode, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		return n.Value, n, true
	case *ast.ChainNode:
		return pathOf(n.Node)
	case *ast.MemberNode:
		p, ok := n.Property.(*ast.StringNode)
		if !ok {
			return "", nil, false
		}
		base, id, ok := pathOf(n.Node)
		if !ok {
			return "", nil, false
		}
		return base + "." + p.Value, id, true
	}
	return "", nil, false
}

// comparisons are the operators whose sides check against each other.
var comparisons = map[string]bool{
	"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"in": true, "contains": true, "matches": true, "startsWith": true, "endsWith": true,
}

// checker finds kind mistakes in a parsed filter and the identifiers that
// are values rather than fields (type == video).
type checker struct {
	err *SyntaxError
	// enumValues are identifiers that stand for a string (type == video).
	enumValues map[*ast.IdentifierNode]bool
	fail       func(at int, msg string)
}

func (c *checker) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		c.member(n)
	case *ast.BinaryNode:
		if comparisons[n.Operator] {
			c.compare(n)
		}
	}
}

// member refuses a member of a scalar (frame.number when "frame.number"
// is not an alias) and an unknown member of an object whose members are
// known (video.keyfrme).
func (c *checker) member(n *ast.MemberNode) {
	p, ok := n.Property.(*ast.StringNode)
	if !ok {
		return
	}
	base, _, ok := pathOf(n.Node)
	if !ok {
		return
	}
	switch k := pathKinds[base]; k {
	case kindNumber, kindString, kindBool:
		c.fail(p.Location().From, fmt.Sprintf("%s is %s; it has no field %q", displayName(base), k, p.Value))
	case kindObject:
		if !slices.Contains(members[base], p.Value) {
			c.fail(p.Location().From, fmt.Sprintf("%s has no field %q (it has %s)", base, p.Value, strings.Join(members[base], ", ")))
		}
	}
}

// compare checks the literal side of a comparison against the kind of its
// field side.
func (c *checker) compare(n *ast.BinaryNode) {
	lit := n.Right
	path, _, ok := pathOf(n.Left)
	if !ok || pathKinds[path] == kindUnknown {
		path, _, ok = pathOf(n.Right)
		if !ok || n.Operator == "in" || pathKinds[path] == kindUnknown {
			return
		}
		lit = n.Left
	}
	kind := pathKinds[path]
	name := displayName(path)
	switch n.Operator {
	case "contains", "matches", "startsWith", "endsWith":
		if kind != kindString {
			c.fail(n.Location().From, fmt.Sprintf("%s works on strings; %s is %s", n.Operator, name, kind))
		}
	}
	lits := []ast.Node{lit}
	if arr, ok := lit.(*ast.ArrayNode); ok && n.Operator == "in" {
		lits = arr.Nodes
	}
	for _, l := range lits {
		c.literal(path, name, kind, l)
	}
}

// literal checks one literal compared with the field at path.
func (c *checker) literal(path, name string, kind valueKind, l ast.Node) {
	at := l.Location().From
	values, isEnum := enums[path]
	switch l := l.(type) {
	case *ast.StringNode:
		switch {
		case kind == kindNumber:
			c.fail(at, fmt.Sprintf("%s is a number; write %s without quotes", name, l.Value))
		case kind == kindBool:
			c.fail(at, fmt.Sprintf("%s is true or false, not a string", name))
		case isEnum && !slices.Contains(values, l.Value):
			c.fail(at, fmt.Sprintf("%s has no value %q (one of %s)", name, l.Value, strings.Join(values, ", ")))
		}
	case *ast.IntegerNode:
		switch {
		case kind == kindString:
			c.fail(at, fmt.Sprintf("%s is a string; quote the value: \"%d\"", name, l.Value))
		case kind == kindBool && l.Value != 0 && l.Value != 1:
			c.fail(at, fmt.Sprintf("%s is true or false (or 1 or 0), not %d", name, l.Value))
		}
	case *ast.FloatNode:
		if kind == kindString || kind == kindBool {
			c.fail(at, fmt.Sprintf("%s is %s, not a number", name, kind))
		}
	case *ast.BoolNode:
		if kind == kindNumber || kind == kindString {
			c.fail(at, fmt.Sprintf("%s is %s, not true or false", name, kind))
		}
	case *ast.IdentifierNode:
		if isEnum {
			if slices.Contains(values, l.Value) {
				c.enumValues[l] = true
				return
			}
			if _, field := fields[l.Value]; !field {
				c.fail(at, fmt.Sprintf("%s has no value %q (one of %s)", name, l.Value, strings.Join(values, ", ")))
			}
		}
	}
}

// displayName is a path as the user wrote it (aliases with their dots).
func displayName(path string) string {
	if name, _, ok := aliasByIdent(strings.SplitN(path, ".", 2)[0]); ok {
		return name + strings.TrimPrefix(path, strings.SplitN(path, ".", 2)[0])
	}
	return path
}

// rewrite is the expr patch that makes a checked filter mean what it
// says: enum values written bare become strings, 1 and 0 compared with a
// boolean become true and false, multi-valued aliases compare as tshark's
// (any value; != when none), != on an absent alias is false as in tshark,
// and fields used as conditions (&&, ||, !) are true when present and not
// false or empty.
type rewrite struct{}

func (rewrite) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		switch {
		case n.Operator == "&&" || n.Operator == "||" || n.Operator == "and" || n.Operator == "or":
			truth(&n.Left)
			truth(&n.Right)
		case comparisons[n.Operator]:
			rewriteComparison(node, n)
		}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			truth(&n.Node)
		}
	case *ast.ConditionalNode:
		truth(&n.Cond)
	}
}

// fnTruth is the function a bare field in a condition becomes.
const fnTruth = "__rtmpscope_truth"

// truthy is a value as a condition: nil, false, 0-length and "" are false.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

func truth(n *ast.Node) {
	if _, _, ok := pathOf(*n); !ok {
		return
	}
	ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnTruth}, Arguments: []ast.Node{*n}})
}

func rewriteComparison(node *ast.Node, n *ast.BinaryNode) {
	path, _, ok := pathOf(n.Left)
	if !ok {
		return
	}
	// Bare enum values and 1/0 for booleans.
	if values, isEnum := enums[path]; isEnum {
		lits := []*ast.Node{&n.Right}
		if arr, ok := n.Right.(*ast.ArrayNode); ok {
			lits = nil
			for i := range arr.Nodes {
				lits = append(lits, &arr.Nodes[i])
			}
		}
		for _, l := range lits {
			if id, ok := (*l).(*ast.IdentifierNode); ok && slices.Contains(values, id.Value) {
				ast.Patch(l, &ast.StringNode{Value: id.Value})
			}
		}
	}
	if pathKinds[path] == kindBool {
		if i, ok := n.Right.(*ast.IntegerNode); ok && (i.Value == 0 || i.Value == 1) {
			ast.Patch(&n.Right, &ast.BoolNode{Value: i.Value == 1})
		}
	}
	id, ok := n.Left.(*ast.IdentifierNode)
	if !ok {
		return
	}
	_, a, ok := aliasByIdent(id.Value)
	if !ok {
		return
	}
	switch {
	case a.multi && n.Operator == "!=":
		// tshark: != is true when no value equals (and the field exists).
		ast.Patch(node, &ast.BinaryNode{Operator: "&&",
			Left:  notNil(id),
			Right: &ast.BuiltinNode{Name: "none", Arguments: []ast.Node{n.Left, &ast.PredicateNode{Node: &ast.BinaryNode{Operator: "==", Left: &ast.PointerNode{}, Right: n.Right}}}},
		})
	case a.multi:
		ast.Patch(node, &ast.BinaryNode{Operator: "&&",
			Left:  notNil(id),
			Right: &ast.BuiltinNode{Name: "any", Arguments: []ast.Node{n.Left, &ast.PredicateNode{Node: &ast.BinaryNode{Operator: n.Operator, Left: &ast.PointerNode{}, Right: n.Right}}}},
		})
	case n.Operator == "!=":
		ast.Patch(node, &ast.BinaryNode{Operator: "&&", Left: notNil(id), Right: &ast.BinaryNode{Operator: "!=", Left: n.Left, Right: n.Right}})
	}
}

func notNil(id *ast.IdentifierNode) ast.Node {
	return &ast.BinaryNode{Operator: "!=", Left: &ast.IdentifierNode{Value: id.Value}, Right: &ast.NilNode{}}
}
