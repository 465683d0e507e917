package export

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

var t0 = time.UnixMilli(1700000000000)

func rows(t *testing.T) []*model.Row {
	t.Helper()
	s := model.NewStore()
	for i, l := range []string{
		`{"type":"ON_NEW_INTERACTION","agentId":"jdoe","params":[{"interactionId":"c1","state":"delivered","type":"voice","subject":"Refund \u001b]52;c;eA==\u0007 山田","associatedObjects":{"list":[],"selected":null},"callParties":[{"id":"p","name":"Ann, \"Jr\"","phone":"555"}],"callMuted":true,"callRecording":false,"attachedData":{},"ANI":"+15550100","callDirection":"inbound","service":"Sales","startTime":1699999940000}]}`,
		`{"type":"ON_INTERACTION_REMOVED","agentId":"mroe","params":[{"interactionId":"e1","state":"completed","type":"email","subject":"Hi","associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":false,"attachedData":{},"email":"bob@example.com","duration":75}]}`,
	} {
		e, err := model.Decode([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(e, t0.Add(time.Duration(i)*time.Second))
	}
	return s.Snapshot().Rows
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "table", rows(t), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Fatalf("escape sequence reached text output: %q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "AGENT") {
		t.Fatalf("got %q", out)
	}
	for _, want := range []string{"jdoe", "c1", "voice", "delivered", "+15550100", "Sales", "1 Ann", "yes", "2:00", "Refund  山田"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("line %q lacks %q", lines[1], want)
		}
	}
	if !strings.Contains(lines[2], "1:15") || !strings.Contains(lines[2], "bob@example.com") {
		t.Errorf("ended email row %q", lines[2])
	}
}

func TestWriteCSVAndJSON(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "csv", rows(t), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][1] != "id" || recs[1][8] != `1 Ann, "Jr"` {
		t.Fatalf("csv %v %q", err, recs)
	}
	b.Reset()
	if err := Write(&b, "json", rows(t), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		AgentID     string  `json:"agentId"`
		Ended       bool    `json:"ended"`
		DurationSec float64 `json:"durationSec"`
		Interaction struct {
			ID      string `json:"interactionId"`
			Subject string `json:"subject"`
		} `json:"interaction"`
		Timeline []struct{ Text string } `json:"timeline"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, b.String())
	}
	if len(got) != 2 || got[0].AgentID != "jdoe" || got[0].DurationSec != 120 || !got[1].Ended ||
		got[0].Interaction.Subject != "Refund  山田" || len(got[1].Timeline) != 2 {
		t.Errorf("json rows %+v", got)
	}
	if err := Write(&b, "xml", nil, t0); err == nil || !strings.Contains(err.Error(), "table, json, csv") {
		t.Errorf("unknown format error: %v", err)
	}
}

// TestExportColumnsAreTheCatalogues checks that exports name every table column by the
// catalogue's export name.
func TestExportColumnsAreTheCatalogues(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := WriteCSV(&b, nil, t0); err != nil {
		t.Fatal(err)
	}
	head := strings.Split(strings.TrimSpace(b.String()), ",")
	for _, c := range model.Columns() {
		if !slices.Contains(head, c.Export) {
			t.Errorf("CSV header %v lacks column %s as %q", head, c.Name, c.Export)
		}
	}
	if !slices.Equal(head, header()) {
		t.Errorf("CSV header %v, want %v", head, header())
	}
}

// A percentage reads the same wherever it is shown: rounded, halves up.
func TestPercentText(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{72.5: "73", 72.4: "72", 0: "0", 100: "100", 99.5: "100"} {
		if got := PercentText(in); got != want {
			t.Errorf("PercentText(%v) = %q, want %q", in, got, want)
		}
	}
}

// The figures tables' name filter matches what the table shows: not the letters of an escape
// sequence the name held.
func TestNameFilterMatchesTheShownName(t *testing.T) {
	t.Parallel()
	keep := NameFilter("31m")
	if keep("\x1b[31mred") {
		t.Error("31m matched the hidden escape sequence of a service shown as red")
	}
	if !NameFilter("RED")("\x1b[31mred") || !NameFilter("sal")("Sales") {
		t.Error("the filter does not keep the names that show the text")
	}
}
