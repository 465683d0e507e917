package ui

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// labelWidth is the detail's label column: the longest field name, globalInteractionId, and a space.
const labelWidth = 20

// detailLines builds the lines of one column of the detail, each fitted to w cells. Every string
// from an event is sanitized here (by clean, wrapText or model.Sanitize) before it is styled.
type detailLines struct {
	st    *Styles
	w     int
	loc   *time.Location
	lines []string
}

func (b *detailLines) add(s string) { b.lines = append(b.lines, fit(s, max(b.w, 1))) }

func (b *detailLines) heading(s string) { b.add(b.st.Title.Render(s)) }

// kv adds a label and a value wrapped beside it in at most maxLines lines; in a column too narrow
// for both, the value goes under its label.
func (b *detailLines) kv(indent, lw int, label, value string, vs lipgloss.Style, maxLines int) {
	sp := strings.Repeat(" ", indent)
	lab := sp + b.st.Accent.Render(clean(label, max(lw-1, 1)))
	vw := b.w - indent - lw
	if vw < 12 {
		b.add(lab)
		for _, l := range wrapText(value, max(b.w-indent-2, 1), maxLines) {
			b.add(sp + "  " + vs.Render(l))
		}
		return
	}
	for i, l := range wrapText(value, vw, maxLines) {
		if i == 0 {
			b.add(pad(lab, indent+lw) + vs.Render(l))
		} else {
			b.add(strings.Repeat(" ", indent+lw) + vs.Render(l))
		}
	}
}

// field adds a top-level field with a one-line value.
func (b *detailLines) field(name, value string, vs lipgloss.Style) {
	b.kv(0, labelWidth, name, value, vs, 1)
}

func (b *detailLines) absent(name string) { b.field(name, "absent", b.st.Dim) }

// optional adds an optional string field: absent, empty, or its value.
func (b *detailLines) optional(name string, p *string, maxLines int) {
	switch {
	case p == nil:
		b.absent(name)
	case *p == "":
		b.field(name, `"" (empty)`, b.st.Dim)
	default:
		b.kv(0, labelWidth, name, *p, b.st.Text, maxLines)
	}
}

// enum adds an enum value as it came, marking a value this version does not know.
func (b *detailLines) enum(name, value string, known bool, vs lipgloss.Style) {
	if !known {
		value += " (unknown value)"
	}
	b.field(name, value, vs)
}

func (b *detailLines) flag(name string, v bool, on lipgloss.Style) {
	if v {
		b.field(name, "yes", on)
	} else {
		b.field(name, "no", b.st.Text)
	}
}

// buildFields draws every InteractionData field in model.FieldNames order, then unknown fields, the
// activity record, the audio alert and what the monitor knows of the row, in a column w cells wide.
func buildFields(st *Styles, r *model.Row, w int, loc *time.Location) []string {
	b := &detailLines{st: st, w: w, loc: loc}
	in := r.Data
	b.heading(fmt.Sprintf("InteractionData · %d fields", len(model.FieldNames)))
	for _, name := range model.FieldNames {
		b.dataField(name, in)
	}
	b.add("")
	b.heading("Unknown fields · " + strconv.Itoa(len(in.Extra)))
	if len(in.Extra) == 0 {
		b.add(st.Dim.Render("  none"))
	}
	b.extra(0, labelWidth, in.Extra, 6)
	b.add("")
	b.heading("Activity record")
	switch {
	case r.Record == nil:
		b.add(st.Dim.Render("  none received"))
	default:
		b.optional("disposition", r.Record.Disposition, 2)
	}
	b.add("")
	b.heading("Audio alert")
	if r.AudioAlert == "" {
		b.add(st.Dim.Render("  none"))
	} else {
		b.kv(0, labelWidth, "alert", "⚠ "+r.AudioAlert, st.Alert, 3)
	}
	b.add("")
	b.heading("Monitor")
	agent := r.AgentID
	if agent == "" {
		agent = "(single-agent stream)"
	}
	b.field("agent", agent, st.Text)
	b.field("first seen", b.clock(r.FirstSeen), st.Text)
	b.field("last update", b.clock(r.Updated), st.Text)
	if r.Ended {
		b.field("ended", b.clock(r.EndedAt), st.Ended)
	} else {
		b.field("ended", "no, open", st.Text)
	}
	if !r.Ended && !r.DisconnectedAt.IsZero() {
		b.field("stale", "desktop disconnected at "+b.clock(r.DisconnectedAt)+"; its clock stopped then", st.Stale)
	}
	return b.lines
}

func (b *detailLines) clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return timeIn(t, b.loc).Format("2006-01-02 15:04:05.000")
}

// dataField adds one of the 24 InteractionData fields.
func (b *detailLines) dataField(name string, in *model.Interaction) {
	st := b.st
	switch name {
	case "interactionId":
		b.field(name, in.ID, st.Bold)
	case "state":
		b.enum(name, string(in.State), in.State.Known(), st.State(in.State))
	case "type":
		b.enum(name, typeGlyph(in.Type)+" "+string(in.Type), in.Type.Known(), st.Type(in.Type))
	case "subject":
		b.kv(0, labelWidth, name, in.Subject, st.Text, 8)
	case "associatedObjects":
		b.objects(&in.AssociatedObjects)
	case "callParties":
		b.parties(in.CallParties)
	case "callMuted":
		b.flag(name, in.CallMuted, st.Warn)
	case "callRecording":
		b.flag(name, in.CallRecording, st.Alert)
	case "attachedData":
		b.attached(in.AttachedData)
	case "callDirection":
		if in.CallDirection == nil {
			b.absent(name)
		} else {
			b.enum(name, string(*in.CallDirection), in.CallDirection.Known(), st.Text)
		}
	case "origination":
		if in.Origination == nil {
			b.absent(name)
		} else {
			b.enum(name, string(*in.Origination), in.Origination.Known(), st.Text)
		}
	case "startTime", "endTime", "duration":
		b.timeField(name, in)
	default:
		b.optional(name, optionalString(in, name), 4)
	}
}

// optionalString returns the optional string field called name.
func optionalString(in *model.Interaction, name string) *string {
	return map[string]*string{
		"phoneNumber": in.PhoneNumber, "email": in.Email, "description": in.Description,
		"disposition": in.Disposition, "globalInteractionId": in.GlobalInteractionID,
		"service": in.Service, "playbackUrl": in.PlaybackURL, "recordingUrl": in.RecordingURL,
		"DNIS": in.DNIS, "ANI": in.ANI,
	}[name]
}

// timeField adds startTime or endTime as a time (with the raw milliseconds), endTime with how long
// the interaction lasted, and duration in seconds and as m:ss.
func (b *detailLines) timeField(name string, in *model.Interaction) {
	p := map[string]*float64{"startTime": in.StartTime, "endTime": in.EndTime, "duration": in.Duration}[name]
	if p == nil {
		b.absent(name)
		return
	}
	raw := strconv.FormatFloat(*p, 'f', -1, 64)
	if name == "duration" {
		b.field(name, raw+" s ("+model.FormatDuration(time.Duration(*p*float64(time.Second)))+")", b.st.Text)
		return
	}
	t := model.Millis(p)
	if t.IsZero() {
		b.field(name, raw+" (not a time)", b.st.Warn)
		return
	}
	v := b.clock(t) + " · " + raw + " ms"
	if start := model.Millis(in.StartTime); name == "endTime" && !start.IsZero() {
		v += " · lasted " + model.FormatDuration(max(t.Sub(start), 0))
	}
	b.kv(0, labelWidth, name, v, b.st.Text, 2)
}

// parties adds the call parties as a table: id, name, phone and the internal user id.
func (b *detailLines) parties(ps []model.CallParty) {
	st := b.st
	b.field("callParties", plural(len(ps), "party", "parties"), st.Text)
	if len(ps) == 0 {
		return
	}
	colW := func(title string, limit int, get func(model.CallParty) string) int {
		n := width(title)
		for _, p := range ps {
			n = max(n, width(clean(get(p), limit)))
		}
		return min(n, limit)
	}
	idW := colW("ID", 12, func(p model.CallParty) string { return p.ID })
	nameW := colW("NAME", 24, func(p model.CallParty) string { return p.Name })
	phoneW := colW("PHONE", 18, func(p model.CallParty) string { return p.Phone })
	cell := func(s string, n int) string { return pad(clean(s, n), n) }
	b.add("    " + st.Dim.Render(pad("ID", idW)+"  "+pad("NAME", nameW)+"  "+pad("PHONE", phoneW)+"  USER ID"))
	for _, p := range ps {
		user := st.Dim.Render("—")
		if p.UserID != nil {
			user = st.Text.Render(clean(*p.UserID, 32))
		}
		b.add("    " + st.Text.Render(cell(p.ID, idW)) + "  " + st.Bold.Render(cell(p.Name, nameW)) + "  " +
			st.Text.Render(cell(p.Phone, phoneW)) + "  " + user)
		b.extra(6, 16, p.Extra, 2)
	}
}

// attached adds the attached data as key/value lines sorted by key.
func (b *detailLines) attached(m map[string]string) {
	b.field("attachedData", plural(len(m), "entry", "entries"), b.st.Text)
	keys := slices.Sorted(maps.Keys(m))
	kw := 4
	for _, k := range keys {
		kw = max(kw, width(clean(k, 24)))
	}
	kw = min(kw, 24, max(b.w/3, 8))
	for _, k := range keys {
		b.kv(4, kw+2, k, m[k], b.st.Text, 4)
	}
}

// objects adds the associated objects: the selection as it came and each linked record.
func (b *detailLines) objects(ao *model.AssociatedObjects) {
	st := b.st
	sel := "selected absent"
	if len(ao.Selected) > 0 {
		sel = "selected " + rawJSON(ao.Selected)
	}
	b.field("associatedObjects", plural(len(ao.List), "object", "objects")+" · "+sel, st.Text)
	for _, o := range ao.List {
		line := "    • " + st.Text.Render(clean(o.ID, 24)) + "  " + st.Dim.Render(clean(o.Type, 16)) + "  " +
			st.Bold.Render(clean(o.DisplayName, 32))
		if o.DisplayType != "" {
			line += st.Dim.Render(" (" + clean(o.DisplayType, 16) + ")")
		}
		b.add(line)
		if len(o.CustomFields) > 0 {
			b.kv(6, 14, "customFields", rawJSON(o.CustomFields), st.Text, 3)
		}
		if len(o.Source) > 0 {
			b.kv(6, 14, "source", rawJSON(o.Source), st.Text, 2)
		}
		b.extra(6, 14, o.Extra, 2)
	}
	b.extra(4, 16, ao.Extra, 2)
}

// extra adds fields this version does not know, sorted by name, with their raw JSON values.
func (b *detailLines) extra(indent, lw int, m map[string]jsontext.Value, maxLines int) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.kv(indent, lw, k, rawJSON(m[k]), b.st.Text, maxLines)
	}
}

// rawJSON is a JSON value as compact text (still unsanitized: it is drawn through kv or clean).
func rawJSON(v jsontext.Value) string {
	c := v.Clone()
	if err := c.Compact(); err != nil {
		return string(v)
	}
	return string(c)
}

// wrapText sanitizes s and wraps it to w cells in at most maxLines lines, the last cut with an
// ellipsis when the text is longer. Cutting before wrapping bounds the work for huge values.
func wrapText(s string, w, maxLines int) []string {
	w, maxLines = max(w, 1), max(maxLines, 1)
	s = clean(s, w*maxLines)
	if s == "" {
		return []string{""}
	}
	if maxLines == 1 || width(s) <= w {
		return []string{clean(s, w)}
	}
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i, l := range lines {
		lines[i] = clean(strings.TrimRight(l, " "), w) // Wrap may leave a wide character over the edge
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		last := lines[maxLines-1]
		if width(last) >= w {
			last = ansi.Truncate(last, w-1, "")
		}
		lines[maxLines-1] = last + "…"
	}
	return lines
}

// plural formats a count with the right noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
