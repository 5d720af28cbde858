package displayfilter

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// Filter is a compiled display filter. It is safe for concurrent use.
type Filter struct {
	src   string
	prog  *vm.Program
	names []string // the top-level names the filter reads, sorted
	gets  []getter // their getters, index for index
	pool  sync.Pool
	// conns: the filter reads addresses or ports, so it learns them.
	conns bool
	ctx   filterContext
}

// state is what one evaluation needs; pooled so that Match allocates
// neither an environment map nor a VM per record.
type state struct {
	env map[string]any
	vm  vm.VM
	ev  eventJSON
}

// Compile compiles src. An empty (or all-space) filter matches everything.
// Besides expr, it takes tshark's spellings (translate.go: eq, ne, ~,
// in {…}, unquoted addresses) and tshark's field names (aliases.go). Errors
// are *SyntaxError: a syntax error, an unknown name, or a kind mistake
// (check.go) such as a number compared with a string.
func Compile(src string) (*Filter, error) {
	f := &Filter{src: src}
	if strings.TrimSpace(src) == "" {
		return f, nil
	}
	tr, err := translate(src)
	if err != nil {
		return nil, err
	}
	tree, err := parser.Parse(tr.src)
	if err != nil {
		return nil, syntaxError(src, tr, err)
	}
	chk := &checker{enumValues: map[*ast.IdentifierNode]bool{}}
	chk.fail = func(at int, msg string) {
		if chk.err == nil {
			chk.err = errAt(src, tr.origin(at), msg)
		}
	}
	ast.Walk(&tree.Node, chk)
	if chk.err != nil {
		return nil, chk.err
	}
	names, err := topLevelNames(src, tr, tree, chk.enumValues)
	if err != nil {
		return nil, err
	}
	sig := new(func(any, any) bool)
	f.prog, err = expr.Compile(tr.src,
		expr.Env(map[string]any{}),
		expr.AllowUndefinedVariables(),
		// "type" is a record field here, not expr's type() builtin.
		expr.DisableBuiltin("type"),
		expr.Patch(rewrite{}),
		expr.Patch(nilSafe{}),
		expr.Function(fnLess, compareFunc(runtime.Less), sig),
		expr.Function(fnLessEq, compareFunc(runtime.LessOrEqual), sig),
		expr.Function(fnMore, compareFunc(runtime.More), sig),
		expr.Function(fnMoreEq, compareFunc(runtime.MoreOrEqual), sig),
		expr.Function(fnTruth, func(p ...any) (any, error) { return truthy(p[0]), nil }, new(func(any) bool)),
	)
	if err != nil {
		return nil, syntaxError(src, tr, err)
	}
	f.names = names
	for _, n := range names {
		f.gets = append(f.gets, fields[n])
		if _, a, ok := aliasByIdent(n); ok && a.conns {
			f.conns = true
		}
	}
	f.pool.New = func() any { return &state{env: make(map[string]any, len(f.names))} }
	return f, nil
}

// String returns the filter's source.
func (f *Filter) String() string { return f.src }

// Fields lists the top-level names the filter reads, sorted.
func (f *Filter) Fields() []string { return append([]string(nil), f.names...) }

// Match reports whether r passes the filter. A record on which the filter
// fails at run time (a type mismatch such as "abc" + 1) does not match.
// Redacted values are matched in the plain (r.Secrets): a filter on the
// user's stream key finds it, while what is printed stays redacted.
//
// Filters that read addresses or ports (ip.addr, tcp.port, ...) learn each
// connection's endpoints from its conn events, and frame.time_relative
// counts from the first record: such a filter must see the records in
// order, conn events included (every sink does).
func (f *Filter) Match(r *session.Record) bool {
	if f.prog == nil {
		return true
	}
	if f.conns {
		f.ctx.learn(r)
	}
	if len(r.Secrets) > 0 {
		r = plainRecord(r)
	}
	st := f.pool.Get().(*state)
	st.ev.ctx = &f.ctx
	for i, n := range f.names {
		st.env[n] = f.gets[i](r, &st.ev)
	}
	out, err := st.vm.Run(f.prog, st.env)
	st.ev = eventJSON{}
	f.pool.Put(st)
	if err != nil {
		return false
	}
	return truthy(out)
}

// SetTimeBase sets the time frame.time_relative counts from (the first
// packet of the capture); without it, the first record matched sets it.
func (f *Filter) SetTimeBase(t time.Time) {
	f.ctx.mu.Lock()
	f.ctx.base = t
	f.ctx.mu.Unlock()
}

// plainRecord is r with its body decoded again from the wire bytes, which
// the redactor never touches, so that filters see the real values.
func plainRecord(r *session.Record) *session.Record {
	p := *r
	p.Body = decode.Message(r.Message)
	p.Secrets = nil
	return &p
}

// syntaxError turns a parse or compile error of the translated filter into
// a *SyntaxError on the user's filter.
func syntaxError(src string, tr *translated, err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return errAt(src, tr.origin(fe.From), fe.Message)
	}
	return &SyntaxError{Filter: src, Line: 1, Column: 1, Msg: err.Error()}
}

// topLevelNames returns the record fields a parsed filter reads, sorted,
// or a *SyntaxError at the first name that is not one (a typo would
// otherwise silently match nothing). Function names and let-bound
// variables are not record fields.
func topLevelNames(src string, tr *translated, tree *parser.Tree, values map[*ast.IdentifierNode]bool) ([]string, error) {
	skip := &callees{ids: values, vars: map[string]bool{"$env": true}}
	ast.Walk(&tree.Node, skip)
	c := &nameCollector{src: src, tr: tr, skip: skip, seen: map[string]bool{}}
	ast.Walk(&tree.Node, c)
	if c.err != nil {
		return nil, c.err
	}
	out := make([]string, 0, len(c.seen))
	for n := range c.seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// callees finds the identifiers that are not field references.
type callees struct {
	ids  map[*ast.IdentifierNode]bool
	vars map[string]bool
}

func (c *callees) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			c.ids[id] = true
		}
	case *ast.VariableDeclaratorNode:
		c.vars[n.Name] = true
	}
}

// nameCollector records the field names a filter reads.
type nameCollector struct {
	src  string
	tr   *translated
	skip *callees
	seen map[string]bool
	err  *SyntaxError
}

func (c *nameCollector) Visit(node *ast.Node) {
	id, ok := (*node).(*ast.IdentifierNode)
	if !ok || c.skip.ids[id] || c.skip.vars[id.Value] {
		return
	}
	if _, known := fields[id.Value]; known {
		c.seen[id.Value] = true
		return
	}
	if c.err == nil {
		at := c.tr.origin(id.Location().From)
		c.err = errAt(c.src, at, unknownName(wordAt(c.src, at)))
	}
}

// unknownName says that a name is unknown: the first part of a dotted
// name ("comand" of comand.name), or the whole name when it looks like a
// tshark field ("tcp.prot"), with the tshark names that are known.
func unknownName(word string) string {
	first, _, dotted := strings.Cut(word, ".")
	for _, p := range []string{"tcp", "udp", "ip", "ipv6", "rtmpt", "amf", "frame", "eth"} {
		if dotted && first == p {
			return fmt.Sprintf("unknown field %q (tshark names known: %s)", word, strings.Join(Aliases(), ", "))
		}
	}
	return fmt.Sprintf("unknown field %q", first)
}

// wordAt is the dotted name at rune offset i of src, as the user wrote
// it: "tcp.prot" rather than expr's "tcp".
func wordAt(src string, i int) string {
	rs := []rune(src)
	j := i
	for j < len(rs) && isWordRune(rs[j]) && rs[j] != ':' {
		j++
	}
	if i >= j {
		return ""
	}
	return string(rs[i:j])
}

// locate sets Line and Column from a rune offset into Filter.
func (e *SyntaxError) locate(from int) {
	e.Line, e.Column = 1, 1
	for i, r := range []rune(e.Filter) {
		if i == from {
			break
		}
		if r == '\n' {
			e.Line, e.Column = e.Line+1, 1
		} else {
			e.Column++
		}
	}
}

// Field is a name (or any expression) evaluated to its value, for tshark's
// -T fields -e NAME. Unlike Match, it reads the redacted record: what is
// printed never holds a secret.
type Field struct{ f *Filter }

// CompileField compiles a field name such as "frame.number", "type" or
// "command.name" (any filter expression works). Errors are *SyntaxError.
func CompileField(name string) (*Field, error) {
	if strings.TrimSpace(name) == "" {
		return nil, &SyntaxError{Filter: name, Line: 1, Column: 1, Msg: "empty field name"}
	}
	f, err := Compile(name)
	if err != nil {
		return nil, err
	}
	return &Field{f: f}, nil
}

// Value is the field's value for r: nil when r has none; numbers, strings,
// booleans, and []any or map[string]any as the JSON export has them.
func (fl *Field) Value(r *session.Record) any {
	f := fl.f
	if f.conns {
		f.ctx.learn(r)
	}
	st := f.pool.Get().(*state)
	st.ev.ctx = &f.ctx
	for i, n := range f.names {
		st.env[n] = f.gets[i](r, &st.ev)
	}
	out, err := st.vm.Run(f.prog, st.env)
	st.ev = eventJSON{}
	f.pool.Put(st)
	if err != nil {
		return nil
	}
	return out
}
