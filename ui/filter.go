package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// filterView is the filter prompt opened by "/". The table follows the text as it is typed; Enter
// keeps the filter, Esc restores the one in force before. An invalid filter is explained in place.
type filterView struct {
	noKeys
	c      *Common
	input  textinput.Model
	active bool
	before string
	err    error
	// plain takes the text as it is, not as a filter (the services view's name filter).
	plain bool
	width int
	// The outcome of the last Update: the filter typed (valid says whether it parsed) and what the
	// key did.
	parsed model.Filter
	valid  bool
	result filterResult
}

// filterResult tells the root what the prompt did with a key.
type filterResult int

const (
	filterEditing filterResult = iota
	filterApplied
	filterCancelled
)

func newFilter(c *Common) *filterView {
	in := newPrompt(c, "/", filterPlaceholder)
	return &filterView{c: c, input: in}
}

const filterPlaceholder = "free text: id, party, number, subject, service, agent; field:value; -negate; dur>5m"

// newPrompt is a one-line text input styled from the theme, for the filter and command prompts.
func newPrompt(c *Common, prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	st := in.Styles()
	st.Focused.Prompt = c.Styles.Key
	st.Focused.Text = c.Styles.Text
	st.Focused.Placeholder = c.Styles.Dim
	st.Blurred = st.Focused
	in.SetStyles(st)
	in.SetVirtualCursor(true)
	return in
}

// cleanInput sanitizes what was typed or pasted into a prompt (model.Sanitize): a control, an
// escape sequence or an invisible character never reaches the input line drawn on the screen.
func cleanInput(in *textinput.Model) {
	if v := in.Value(); model.Sanitize(v) != v {
		in.SetValue(model.Sanitize(v))
	}
}

// SetSize sets the prompt's width; its height is one line.
func (f *filterView) SetSize(width, _ int) {
	f.width = width
	f.input.SetWidth(max(width-4, 1))
}

// Start opens the prompt on the filter in force.
func (f *filterView) Start(current string) tea.Cmd {
	f.plain = false
	f.input.Placeholder = filterPlaceholder
	return f.start(current)
}

// StartPlain opens the prompt for plain text (current), described by placeholder.
func (f *filterView) StartPlain(current, placeholder string) tea.Cmd {
	f.plain = true
	f.input.Placeholder = placeholder
	return f.start(current)
}

func (f *filterView) start(current string) tea.Cmd {
	f.active, f.before, f.err = true, current, nil
	f.input.SetValue(current)
	f.input.CursorEnd()
	return f.input.Focus()
}

// Active reports whether the prompt is open.
func (f *filterView) Active() bool { return f.active }

// Text is the prompt's current text.
func (f *filterView) Text() string { return f.input.Value() }

// Before is the filter that was in force when the prompt opened.
func (f *filterView) Before() string { return f.before }

// Update handles a key while the prompt is open; Result says what it did.
func (f *filterView) Update(_ *frame, msg tea.Msg) (pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "enter":
			flt, err := f.parse(f.input.Value())
			if err != nil {
				f.err = err
				f.setResult(model.Filter{}, false, filterEditing)
				return f, nil
			}
			f.close()
			f.setResult(flt, true, filterApplied)
			return f, nil
		case "esc":
			f.close()
			flt, err := f.parse(f.before)
			f.setResult(flt, err == nil, filterCancelled)
			return f, nil
		}
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	cleanInput(&f.input)
	flt, err := f.parse(f.input.Value())
	f.err = err
	f.setResult(flt, err == nil, filterEditing)
	return f, cmd
}

// parse reads the prompt's text as a filter (plain text is always valid; the root reads Text).
func (f *filterView) parse(s string) (model.Filter, error) {
	if f.plain {
		return model.Filter{}, nil
	}
	return model.ParseFilter(s)
}

func (f *filterView) setResult(flt model.Filter, valid bool, res filterResult) {
	f.parsed, f.valid, f.result = flt, valid, res
}

// Result is what the last Update did: the parsed filter when the text is valid (so the table can
// follow it as typed), and whether the prompt is still editing, applied or cancelled.
func (f *filterView) Result() (flt model.Filter, valid bool, res filterResult) {
	return f.parsed, f.valid, f.result
}

func (f *filterView) close() {
	f.active, f.err = false, nil
	f.input.Blur()
}

// View draws the prompt line, with the reason when the filter is invalid.
func (f *filterView) View(*frame) string {
	hint := f.c.Styles.Dim.Render("enter keep · esc cancel")
	if f.err != nil {
		hint = f.c.Styles.Alert.Render(model.Sanitize(f.err.Error()))
	}
	return promptLine(&f.input, hint, f.width)
}
