package displayfilter

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// Filter is a compiled display filter. It is safe for concurrent use.
type Filter struct {
	src   string
	prog  *vm.Program
	names []string // the top-level names the filter reads, sorted
	gets  []getter // their getters, index for index
	pool  sync.Pool
}

// state is what one evaluation needs; pooled so that Match allocates
// neither an environment map nor a VM per record.
type state struct {
	env map[string]any
	vm  vm.VM
	ev  eventJSON
}

// Compile compiles src. An empty (or all-space) filter matches everything.
// Errors are *SyntaxError.
func Compile(src string) (*Filter, error) {
	f := &Filter{src: src}
	if strings.TrimSpace(src) == "" {
		return f, nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	names, err := topLevelNames(src, tree)
	if err != nil {
		return nil, err
	}
	sig := new(func(any, any) bool)
	f.prog, err = expr.Compile(src,
		expr.Env(map[string]any{}),
		expr.AllowUndefinedVariables(),
		expr.AsBool(),
		// "type" is a record field here, not expr's type() builtin.
		expr.DisableBuiltin("type"),
		expr.Patch(nilSafe{}),
		expr.Function(fnLess, compareFunc(runtime.Less), sig),
		expr.Function(fnLessEq, compareFunc(runtime.LessOrEqual), sig),
		expr.Function(fnMore, compareFunc(runtime.More), sig),
		expr.Function(fnMoreEq, compareFunc(runtime.MoreOrEqual), sig),
	)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	f.names = names
	for _, n := range names {
		f.gets = append(f.gets, fields[n])
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
func (f *Filter) Match(r *session.Record) bool {
	if f.prog == nil {
		return true
	}
	st := f.pool.Get().(*state)
	for i, n := range f.names {
		st.env[n] = f.gets[i](r, &st.ev)
	}
	out, err := st.vm.Run(f.prog, st.env)
	st.ev = eventJSON{}
	f.pool.Put(st)
	if err != nil {
		return false
	}
	ok, _ := out.(bool)
	return ok
}

// syntaxError turns a parse or compile error into a *SyntaxError.
func syntaxError(src string, err error) error {
	e := &SyntaxError{Filter: src, Line: 1, Column: 1, Msg: err.Error()}
	var fe *file.Error
	if errors.As(err, &fe) {
		e.Line, e.Column, e.Msg = max(fe.Line, 1), fe.Column+1, fe.Message
	}
	return e
}

// topLevelNames returns the record fields a parsed filter reads, sorted,
// or a *SyntaxError at the first name that is not one (a typo would
// otherwise silently match nothing). Function names and let-bound
// variables are not record fields.
func topLevelNames(src string, tree *parser.Tree) ([]string, error) {
	skip := &callees{ids: map[*ast.IdentifierNode]bool{}, vars: map[string]bool{"$env": true}}
	ast.Walk(&tree.Node, skip)
	c := &nameCollector{src: src, skip: skip, seen: map[string]bool{}}
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
		c.err = &SyntaxError{Filter: c.src, Msg: fmt.Sprintf("unknown field %q", id.Value)}
		c.err.locate(id.Location().From)
	}
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
