package detail

import "charm.land/bubbles/v2/key"

// KeyMap is the detail pane's key bindings.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	Toggle           key.Binding // expand or collapse the node under the cursor
	Expand           key.Binding // expand, or step into the first child
	Collapse         key.Binding // collapse, or step out to the parent
	ExpandAll        key.Binding // expand the cursor's subtree
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first field")),
		Bottom:    key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last field")),
		Toggle:    key.NewBinding(key.WithKeys("enter", "space"), key.WithHelp("enter/space", "expand/collapse")),
		Expand:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "expand")),
		Collapse:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "collapse")),
		ExpandAll: key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "expand all below")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Toggle, k.Collapse}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Toggle, k.Expand, k.Collapse, k.ExpandAll},
	}
}
