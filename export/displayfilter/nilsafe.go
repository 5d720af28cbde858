package displayfilter

import (
	"github.com/expr-lang/expr/ast"
)

// Names of the comparison functions nilSafe substitutes for <, <=, >, >=.
const (
	fnLess   = "__rtmpscope_lt"
	fnLessEq = "__rtmpscope_le"
	fnMore   = "__rtmpscope_gt"
	fnMoreEq = "__rtmpscope_ge"
)

var orderingFuncs = map[string]string{"<": fnLess, "<=": fnLessEq, ">": fnMore, ">=": fnMoreEq}

// nilSafe rewrites a filter so that absent fields behave as in tshark:
// every member access is optional (a.b is a?.b, nil when a is nil), and
// every ordering comparison is a function that is false when either side
// is nil, instead of a run-time error that would also sink the rest of an
// "||".
type nilSafe struct{}

func (nilSafe) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if n.Optional {
			return
		}
		n.Optional = true
		ast.Patch(node, &ast.ChainNode{Node: n})
	case *ast.BinaryNode:
		fn, ok := orderingFuncs[n.Operator]
		if !ok {
			return
		}
		ast.Patch(node, &ast.CallNode{
			Callee:    &ast.IdentifierNode{Value: fn},
			Arguments: []ast.Node{n.Left, n.Right},
		})
	}
}

// compareFunc adapts one of expr's run-time comparisons: false when either
// side is nil; a type mismatch ("a" < 1) is an error, so the record does
// not match.
func compareFunc(cmp func(a, b any) bool) func(params ...any) (any, error) {
	return func(params ...any) (out any, err error) {
		a, b := params[0], params[1]
		if a == nil || b == nil {
			return false, nil
		}
		defer func() {
			if r := recover(); r != nil {
				out, err = false, errMismatch
			}
		}()
		return cmp(a, b), nil
	}
}
