package tui

import "charm.land/bubbles/v2/key"

// KeyMap is the root's key bindings: moving in the list panes, switching
// panes and views, and the commands that act on the whole UI. The panes
// (detail, hex, streams) have their own key maps, shown together in help.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	NextPane         key.Binding
	PrevPane         key.Binding
	Streams          key.Binding
	Conversation     key.Binding
	Zoom             key.Binding
	Search           key.Binding
	NextMatch        key.Binding
	PrevMatch        key.Binding
	Filter           key.Binding
	ClearFilter      key.Binding
	GoTo             key.Binding
	Pair             key.Binding
	NextDiag         key.Binding
	PrevDiag         key.Binding
	Follow           key.Binding
	Reveal           key.Binding
	Help             key.Binding
	Quit             key.Binding
}

// DefaultKeyMap returns the default bindings. The search keys are vi's and
// less's (/ n N); diagnostics, which n/N used to walk, moved to e/E.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, h, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, desc))
	}
	return KeyMap{
		Up:           b([]string{"up", "k"}, "↑/k", "up"),
		Down:         b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:       b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown:     b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:          b([]string{"g", "home"}, "g", "first"),
		Bottom:       b([]string{"G", "end"}, "G", "last"),
		NextPane:     b([]string{"tab"}, "tab", "next pane"),
		PrevPane:     b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		Streams:      b([]string{"s"}, "s", "streams and charts"),
		Conversation: b([]string{"c"}, "c", "conversation view"),
		Zoom:         b([]string{"z"}, "z", "zoom pane / restore"),
		Search:       b([]string{"/"}, "/", "search (summaries, fields)"),
		NextMatch:    b([]string{"n"}, "n", "next match"),
		PrevMatch:    b([]string{"N"}, "N", "previous match"),
		Filter:       b([]string{"ctrl+l", "F"}, "F", "filter (↑↓ history)"),
		ClearFilter:  b([]string{"esc"}, "esc", "clear filter/search"),
		GoTo:         b([]string{":"}, ":", "go to frame (:123)"),
		Pair:         b([]string{"p"}, "p", "request ↔ response"),
		NextDiag:     b([]string{"e"}, "e", "next diagnostic"),
		PrevDiag:     b([]string{"E"}, "E", "previous diagnostic"),
		Follow:       b([]string{"f"}, "f", "follow/pause (live)"),
		Reveal:       b([]string{"R"}, "R", "reveal/redact secrets"),
		Help:         b([]string{"?"}, "?", "help"),
		Quit:         b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.NextPane, k.Filter, k.Search, k.NextMatch, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextPane, k.PrevPane, k.Zoom, k.Streams, k.Conversation, k.Help, k.Quit},
		{k.Search, k.NextMatch, k.PrevMatch, k.Filter, k.ClearFilter, k.GoTo, k.Pair, k.NextDiag, k.PrevDiag, k.Follow, k.Reveal},
	}
}
