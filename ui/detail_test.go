package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// detailBase is the fixed event time of the detail fixtures (UTC, so goldens do not depend on the
// machine's zone: views show times in the zone of the viewer's clock).
var detailBase = time.UnixMilli(1700000000000).UTC()

// detailNow is where the detail tests' clocks stand still.
var detailNow = detailBase.Add(5 * time.Minute)

const detailKey = "a.jones/c-2001-voice"

// detailCall is one voice call's life as real event lines: queued with a customer, delivered with the
// agent joining and recording, muted, held, an audio alert, a conference party joining and leaving,
// wrap-up with a disposition, the end and the activity record. It carries every InteractionData field
// at some point, unknown fields, associated objects and attached data.
func detailCall() []string {
	ann := `{"id":"p1","name":"Ann Lee","phone":"+1 415 555 0101"}`
	alice := `{"id":"p2","name":"Alice Jones","phone":"1017","userId":"u-17"}`
	zoe := `{"id":"p3","name":"Zoë 山田 🎧","phone":"+81 3 5555 0199","role":"supervisor"}`
	snap := func(state, parties, extra string) string {
		s := `{"interactionId":"c-2001-voice","state":"` + state + `","type":"voice",` +
			`"subject":"Billing question about invoice 4471, charged twice in October for the premium plan",` +
			`"associatedObjects":{"list":[{"id":"003A1","type":"contact","displayName":"Ann Lee",` +
			`"displayType":"Contact","customFields":{"vip": true, "tier":"gold"}},{"id":"500B7","type":"case",` +
			`"displayName":"Case 4471","displayType":"Case","source":"salesforce"}],"selected":"003A1"},` +
			`"callParties":[` + parties + `],"callMuted":false,"callRecording":true,` +
			`"attachedData":{"tier":"gold","caseId":"4471","language":"en-US","note":"second call this week; ` +
			`customer asked for a supervisor last time and was promised a callback within 24 hours"},` +
			`"ANI":"+14155550101","DNIS":"+18005550100","callDirection":"inbound","service":"Billing",` +
			`"globalInteractionId":"g-7f3a-2001","recordingUrl":"https://rec.example.com/r/c-2001.wav",` +
			`"startTime":1700000003000,"interactionKind":"call","internal":false`
		if extra != "" {
			s += "," + extra
		}
		return s + "}"
	}
	ev := func(sec int, typ, params string) string {
		return fmt.Sprintf(`{"type":%q,"agentId":"a.jones","ts":%d,"params":[%s]}`, typ,
			detailBase.UnixMilli()+int64(sec)*1000, params)
	}
	mute := `"callMuted":true`
	return []string{
		ev(0, "ON_LOGIN", `{"isLoggedIn":true,"agentId":"a.jones","username":"Alice Jones"}`),
		ev(3, "ON_NEW_INTERACTION", strings.Replace(snap("queued", ann, ""), `"callRecording":true`, `"callRecording":false`, 1)),
		ev(9, "ON_INTERACTION_STATE_CHANGE", snap("delivered", ann+","+alice, "")),
		ev(30, "ON_INTERACTION_STATE_CHANGE", snap("delivered", ann+","+alice, mute)),
		ev(41, "ON_INTERACTION_STATE_CHANGE", snap("hold", ann+","+alice, "")),
		ev(47, "ON_CALL_AUDIO_QUALITY_ALERT", `"c-2001-voice","jitter 80 ms"`),
		ev(60, "ON_INTERACTION_STATE_CHANGE", snap("delivered", ann+","+alice+","+zoe, "")),
		ev(95, "ON_INTERACTION_STATE_CHANGE", snap("delivered", ann+","+alice, "")),
		ev(120, "ON_INTERACTION_STATE_CHANGE", snap("wrap_up", alice, `"disposition":"Resolved"`)),
		ev(150, "ON_INTERACTION_REMOVED", snap("completed", alice,
			`"disposition":"Resolved","endTime":1700000150000,"duration":147,"playbackUrl":"https://rec.example.com/p/c-2001"`)),
		ev(151, "ON_SAVE_ACTIVITY_RECORD", snap("completed", alice,
			`"disposition":"Resolved - refund issued","endTime":1700000150000,"duration":147,"playbackUrl":"https://rec.example.com/p/c-2001"`)),
	}
}

// detailTestCommon builds a Common over a store filled with lines (applied at their ts), with the
// viewer's clocks standing at detailNow.
func detailTestCommon(t testing.TB, theme themes.Theme, lines []string) *Common {
	t.Helper()
	store := model.NewStore(model.WithWallClock(func() time.Time { return detailNow }))
	detailApply(t, store, lines...)
	clock := func() time.Time { return detailNow }
	c := testCommon(theme, store, clock)
	c.Status = func() feed.Status { return feed.Status{Name: "test"} }
	return c
}

// testFrame is a frame of c's store as it is now, at c's clocks, with every row in view.
func testFrame(c *Common) *frame {
	snap := c.Store.Snapshot()
	now, wall := c.clocks()
	return &frame{snap: snap, view: &viewState{rows: snap.Rows}, now: now, wall: wall, keys: &c.Keys}
}

func detailApply(t testing.TB, store *model.Store, lines ...string) {
	t.Helper()
	for i, l := range lines {
		ev, err := model.Decode([]byte(l))
		if err != nil {
			t.Fatalf("fixture line %d: %v", i+1, err)
		}
		store.Apply(ev, ev.TS)
	}
}

// detailPress sends keys ("G", "j", "pgdown", …) to a pane's Update, each on a frame of c's store.
func detailPress(p pane, c *Common, keys ...string) {
	update := func(msg tea.Msg) { p.Update(testFrame(c), msg) }
	for _, k := range keys {
		switch k {
		case "pgdown":
			update(tea.KeyPressMsg{Code: tea.KeyPgDown})
		case "pgup":
			update(tea.KeyPressMsg{Code: tea.KeyPgUp})
		case "wheeldown":
			update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
		case "wheelup":
			update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
		default:
			update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
		}
	}
}

func detailOf(c *Common, w, h int) *detailView {
	d := newDetail(c)
	d.SetSize(w, h)
	d.Show(detailKey)
	return d
}

func TestDetailGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		theme  themes.Theme
		w, h   int
		keys   []string
		color  bool
		events int // how many of detailCall's events to apply; 0 for all
	}{
		{"voice_80x24", themes.Dark, 80, 24, nil, false, 0},
		{"voice_80x24_bottom", themes.Dark, 80, 24, []string{"G"}, false, 0},
		{"voice_200x50", themes.Dark, 200, 50, nil, false, 0},
		{"voice_200x50_color", themes.Dark, 200, 50, nil, true, 0},
		{"voice_120x40_two_columns", themes.Dark, 120, 40, nil, false, 0},
		{"open_call_3_parties_100x30", themes.Dark, 100, 30, []string{"j", "j", "j", "j", "j", "j"}, false, 7},
		{"mono_80x24_color", themes.Mono, 80, 24, []string{"pgdown"}, true, 0},
		{"narrow_50x20", themes.Dark, 50, 20, nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events := detailCall()
			if tc.events > 0 {
				events = events[:tc.events]
			}
			d := detailOf(detailTestCommon(t, tc.theme, events), tc.w, tc.h)
			detailPress(d, d.c, tc.keys...)
			requireGolden(t, d.View(testFrame(d.c)), tc.w, tc.h, tc.color)
		})
	}
}

// A newcomer's report: at 60 columns the detail's title read "agent a.jones  o… 1–19 of 62", the
// duration lost. Its word goes first, then the spaces between the parts narrow, then the agent goes
// (the second newcomer: it went where single spaces would have kept it).
func TestDetailTitleKeepsTheDuration(t *testing.T) {
	t.Parallel()
	for w, want := range map[int]string{
		80: "☎ voice  c-2001-voice  completed  agent a.jones  ended after 2:27",
		72: "☎ voice  c-2001-voice  completed  a.jones  ended after 2:27",
		70: "☎ voice c-2001-voice completed a.jones ended after 2:27",
		60: "☎ voice c-2001-voice completed ended after 2:27",
	} {
		d := detailOf(detailTestCommon(t, themes.Dark, detailCall()), w, 20)
		if title := strings.Split(plain(d.View(testFrame(d.c))), "\n")[0]; !strings.HasPrefix(title, want) {
			t.Errorf("%d wide: title %q, want it to start %q", w, title, want)
		}
	}
}

// TestDetailShowsEverything reads the whole detail at once and looks for every part the issue
// names: all 24 fields (absent ones said so), parties, sorted attached data, objects, URLs, times,
// unknown fields, the activity record, the audio alert and the timeline.
func TestDetailShowsEverything(t *testing.T) {
	for _, w := range []int{80, 200} {
		d := detailOf(detailTestCommon(t, themes.Dark, detailCall()), w, 400)
		out := plain(d.View(testFrame(d.c)))
		for _, name := range model.FieldNames {
			if !regexp.MustCompile(`(?m)(^|│ )` + name + `\s`).MatchString(out) {
				t.Errorf("%d wide: field %s is missing", w, name)
			}
		}
		for _, want := range []string{
			"☎ voice  c-2001-voice  completed  agent a.jones  ended after 2:27",
			"1–", "origination         absent", "email               absent", "description         absent",
			"phoneNumber         absent",
			"ID  NAME         PHONE  USER ID", "p2  Alice Jones  1017   u-17", "1 party", "4 entries", "caseId", "en-US",
			`2 objects · selected "003A1"`, "• 003A1  contact  Ann Lee (Contact)", `{"vip":true,"tier":"gold"}`,
			"Case 4471 (Case)", `"salesforce"`,
			"https://rec.example.com/r/c-2001.wav", "https://rec.example.com/p/c-2001",
			"2023-11-14 22:13:23.000 · 1700000003000 ms", "2023-11-14 22:15:50.000 · 1700000150000 ms · lasted 2:27",
			"147 s (2:27)", "inbound", "g-7f3a-2001", "+18005550100",
			"Unknown fields · 2", "interactionKind", `"call"`, "internal", "false",
			"Activity record", "Resolved - refund issued", "Audio alert", "⚠ jitter 80 ms",
			"Timeline · ", "new voice, state queued", "ON_NEW_INTERACTION", "state queued → delivered",
			"party joined: Alice Jones (1017)", "muted", "unmuted", "state delivered → hold",
			"audio-quality alert: jitter 80 ms", "party joined: Zoë 山田 🎧 (+81 3 5555 0199)",
			"party left: Zoë 山田 🎧", "disposition set: Resolved", "ended", "ON_INTERACTION_REMOVED",
			"activity record saved (disposition", "22:13:23.000  ON_NEW_INTERACTION", "22:15:51.000",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%d wide: detail lacks %q", w, want)
			}
		}
		if first := strings.SplitN(out, "\n", 2)[0]; w >= 120 && !strings.Contains(first, "⚠ audio jitter 80 ms") {
			t.Errorf("%d wide: the title lacks the audio alert: %q", w, first)
		}
		if a, b, c := strings.Index(out, "caseId"), strings.Index(out, "language"), strings.Index(out, "tier  "); !(a < b && b < c) {
			t.Errorf("%d wide: attached data not sorted by key (caseId %d, language %d, tier %d)", w, a, b, c)
		}
	}
}

// TestDetailNeverPassesControls puts every kind of terminal attack in every string the detail draws.
func TestDetailNeverPassesControls(t *testing.T) {
	evil := `Pay \u001b]52;c;aGk=\u0007 now\u001b[2J\u0007\u009b31m\u001b\u0085\u009d0;title\u009c x\u001b`
	// Identifiers (agentId, interactionId, callId) with control characters are rejected by the
	// decoder (model.checkID); every other string carries them here.
	line := `{"type":"ON_NEW_INTERACTION","agentId":"ag[31m","ts":1700000001000,"params":[{` +
		`"interactionId":"x[2J1","state":"st\u0007ate","type":"vo\u009bice","subject":"` + evil + `",` +
		`"associatedObjects":{"list":[{"id":"` + evil + `","type":"` + evil + `","displayName":"` + evil +
		`","displayType":"` + evil + `","customFields":{"` + evil + `":"` + evil + `"}}],"selected":"` + evil + `"},` +
		`"callParties":[{"id":"` + evil + `","name":"` + evil + `","phone":"` + evil + `","userId":"` + evil + `"}],` +
		`"callMuted":false,"callRecording":false,"attachedData":{"` + evil + `":"` + evil + `"},` +
		`"service":"` + evil + `","disposition":"` + evil + `","playbackUrl":"` + evil + `",` +
		`"callDirection":"` + evil + `","origination":"` + evil + `","` + evil + `":"` + evil + `"}]}`
	alert := `{"type":"ON_CALL_AUDIO_QUALITY_ALERT","agentId":"ag[31m","ts":1700000002000,` +
		`"params":["x[2J1","` + evil + `"]}`
	c := detailTestCommon(t, themes.Dark, []string{line, alert})
	snap := c.Store.Snapshot()
	if len(snap.Rows) != 1 {
		t.Fatalf("fixture gave %d rows", len(snap.Rows))
	}
	for _, size := range [][2]int{{80, 24}, {120, 60}, {200, 80}, {30, 10}} {
		d := newDetail(c)
		d.SetSize(size[0], size[1])
		d.Show(snap.Rows[0].Key)
		for _, keys := range [][]string{nil, {"pgdown"}, {"G"}} {
			detailPress(d, d.c, keys...)
			out := d.View(testFrame(d.c))
			checkFrame(t, out, size[0], size[1])
			// Raw JSON may show the payload as inert escaped text (\u001b]52;c…), never as a sequence.
			if strings.Contains(strings.ReplaceAll(plain(out), `\u001b]52;c`, ""), "52;c") {
				t.Errorf("%v: the OSC 52 payload reached the screen", size)
			}
		}
	}
	gone := newDetail(c)
	gone.SetSize(80, 5)
	gone.Show("ag/x\x1b]52;c;aGk=\x07\u009b2J")
	out := gone.View(testFrame(gone.c))
	checkFrame(t, out, 80, 5)
	if !strings.Contains(plain(out), "is no longer retained") {
		t.Errorf("a key no longer in the store should say so:\n%s", out)
	}
}

// TestDetailFitsAtEverySize checks the frame's shape at many sizes, both layouts, top and bottom,
// with wide characters in names and values.
func TestDetailFitsAtEverySize(t *testing.T) {
	wide := `{"type":"ON_INTERACTION_STATE_CHANGE","agentId":"a.jones","ts":1700000170000,"params":[{` +
		`"interactionId":"c-2001-voice","state":"delivered","type":"voice",` +
		`"subject":"請求書の件で二重請求がありました、至急対応をお願いします 🙏🏽👩‍👩‍👧 ${strings.Repeat}",` +
		`"associatedObjects":{"list":[]},"callParties":[{"id":"p9","name":"山田太郎山田太郎山田太郎山田太郎 👨‍💻",` +
		`"phone":"☎ ０３-５５５５"}],"callMuted":false,"callRecording":false,` +
		`"attachedData":{"메모":"고객이 두 번 청구되었습니다 고객이 두 번 청구되었습니다 고객이 두 번"}}]}`
	wide = strings.ReplaceAll(wide, "${strings.Repeat}", strings.Repeat("長", 300))
	c := detailTestCommon(t, themes.Dark, append(detailCall(), wide))
	for _, size := range [][2]int{{1, 1}, {10, 3}, {20, 5}, {33, 7}, {50, 20}, {80, 24}, {119, 30},
		{120, 30}, {121, 9}, {133, 41}, {200, 50}, {301, 80}} {
		d := detailOf(c, size[0], size[1])
		for _, keys := range [][]string{nil, {"pgdown"}, {"G"}, {"G", "k", "k"}} {
			detailPress(d, d.c, keys...)
			checkFrame(t, d.View(testFrame(d.c)), size[0], size[1])
		}
	}
}

func TestDetailScrollBounds(t *testing.T) {
	c := detailTestCommon(t, themes.Dark, detailCall())
	d := detailOf(c, 80, 24)
	total, page := len(d.content(c.Store.Row(detailKey), time.UTC)), d.page()
	if total <= page {
		t.Fatalf("fixture fits on one page (%d lines); it must scroll", total)
	}
	bottom := total - page
	for _, step := range []struct {
		keys []string
		want int
	}{
		{[]string{"k"}, 0},
		{[]string{"j", "j"}, 2},
		{[]string{"g"}, 0},
		{[]string{"G"}, bottom},
		{[]string{"j"}, bottom},
		{[]string{"pgdown"}, bottom},
		{[]string{"k"}, bottom - 1},
		{[]string{"wheeldown", "wheeldown"}, bottom},
		{[]string{"wheelup"}, bottom - 3},
		{[]string{"pgup", "pgup", "pgup", "pgup"}, 0},
		{[]string{"pgdown"}, page},
	} {
		detailPress(d, d.c, step.keys...)
		d.View(testFrame(d.c))
		if d.scroll.offset != step.want {
			t.Errorf("after %v the offset is %d, want %d", step.keys, d.scroll.offset, step.want)
		}
	}
	d.Show(detailKey)
	if d.scroll.offset != 0 {
		t.Error("Show should scroll back to the top")
	}
	out := plain(d.View(testFrame(d.c)))
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.HasSuffix(strings.TrimSpace(first), fmt.Sprintf("1–%d of %d", page, total)) {
		t.Errorf("title lacks the position 1–%d of %d: %q", page, total, first)
	}
}

// TestDetailFollowsNewChanges keeps the newest timeline entry in view once the user went to the
// bottom, and leaves the position alone for a user reading further up.
func TestDetailFollowsNewChanges(t *testing.T) {
	open := detailCall()[:8]
	c := detailTestCommon(t, themes.Dark, open)
	d, reader := detailOf(c, 80, 24), detailOf(c, 80, 24)
	detailPress(d, d.c, "G")
	detailPress(reader, reader.c, "j")
	d.View(testFrame(d.c))
	reader.View(testFrame(reader.c))
	detailApply(t, c.Store, detailCall()[8])
	out := plain(d.View(testFrame(d.c)))
	if !strings.Contains(out, "disposition set: Resolved") || !strings.Contains(out, "wrap_up") {
		t.Errorf("the followed detail does not show the new change:\n%s", out)
	}
	reader.View(testFrame(reader.c))
	if reader.scroll.offset != 1 {
		t.Errorf("a reader at line 2 was moved to %d", reader.scroll.offset)
	}
}

func TestWrapTextBoundsAndCuts(t *testing.T) {
	for _, tc := range []struct {
		in       string
		w, lines int
	}{
		{"short", 10, 3},
		{"a rather long sentence that has to wrap over several lines of text", 12, 3},
		{strings.Repeat("山", 50), 7, 4},
		{strings.Repeat("x", 1<<20), 40, 2},
		{"", 5, 2},
	} {
		got := wrapText(tc.in, tc.w, tc.lines)
		if len(got) > tc.lines || len(got) == 0 {
			t.Errorf("wrapText(%.20q, %d, %d) gave %d lines", tc.in, tc.w, tc.lines, len(got))
		}
		for _, l := range got {
			if ansi.StringWidth(l) > tc.w {
				t.Errorf("wrapText(%.20q, %d, %d): line %q is too wide", tc.in, tc.w, tc.lines, l)
			}
		}
		if ansi.StringWidth(tc.in) > tc.w*tc.lines && !strings.HasSuffix(got[len(got)-1], "…") {
			t.Errorf("wrapText(%.20q, %d, %d) cut the text without an ellipsis", tc.in, tc.w, tc.lines)
		}
	}
}
