package cmd_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// heavyLine is an event of interaction id with 256 call parties (the decoder's bound): some 30 KB
// held in memory.
func heavyLine(typ, id, subject string) string {
	var b strings.Builder
	for i := range 256 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"p%d","name":"Party number %d","phone":"+1555000%04d"}`, i, i, i)
	}
	return fmt.Sprintf(`{"type":%q,"params":[{"interactionId":%q,"state":"delivered","type":"voice","subject":%q,`+
		`"associatedObjects":{"list":[],"selected":null},"callParties":[%s],"callMuted":false,"callRecording":false,`+
		`"attachedData":{}}]}`, typ, id, subject, b.String())
}

// TestPrintMemoryBound: with --max-memory, the interactions past what it holds are rejected, each
// named FILE:LINE with the reason (the file's one agent holds its share: three quarters of it); the removals go on being taken, and once some interactions
// ended, a new one is kept again. 0 is no bound; a bad size names the flag.
func TestPrintMemoryBound(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 60 {
		lines = append(lines, heavyLine("ON_NEW_INTERACTION", fmt.Sprint("c", i), "heavy"))
	}
	for i := range 10 {
		lines = append(lines, heavyLine("ON_INTERACTION_REMOVED", fmt.Sprint("c", i), "heavy"))
	}
	lines = append(lines, heavyLine("ON_NEW_INTERACTION", "after", "kept after the ends"))
	file := e2e.WriteFile(t, "mem.jsonl", strings.Join(lines, "\n")+"\n")

	stdout, stderr, code := e2e.Run(t, nil, "--print", "--max-memory", "1MiB", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some rejected):\n%s", code, stderr)
	}
	refusal := regexp.MustCompile(`mem\.jsonl:(\d+): agent's memory share reached \(--max-memory 1\.0 MiB\): agent "" would hold ` +
		`\d+\.\d KiB of interactions, over its share of \d+\.\d KiB \(three quarters of the bound, less the agents' own ` +
		`\d+\.\d KiB, among 1 agent\); its new interactions and changes are refused until some of them end`)
	found := refusal.FindAllStringSubmatch(stderr, -1)
	if len(found) == 0 || found[0][1] == "1" {
		t.Fatalf("no located refusal at the bound:\n%s", stderr)
	}
	if strings.Contains(stderr, "mem.jsonl:71:") || !strings.Contains(stdout, "kept after the ends") {
		t.Errorf("the interaction after the ends was not kept:\n%s\n%s", stdout, stderr)
	}
	for i := 61; i <= 70; i++ { // the removals
		if strings.Contains(stderr, fmt.Sprintf("mem.jsonl:%d:", i)) {
			t.Errorf("removal on line %d rejected:\n%s", i, stderr)
		}
	}

	if _, stderr, code := e2e.Run(t, nil, "--print", "--max-memory", "0", file); code != 0 {
		t.Errorf("--max-memory 0: exit %d, want 0 (no bound):\n%s", code, stderr)
	}
	_, stderr, code = e2e.Run(t, nil, "--print", "--max-memory", "lots", file)
	if code != 2 || !strings.Contains(stderr, `--max-memory "lots": want a size in bytes, such as 268435456, 256MiB or 1GiB: `+
		`a whole number, alone or followed by KiB, MiB or GiB (or K, M, G)`) {
		t.Errorf("--max-memory lots: exit %d:\n%s", code, stderr)
	}
	_, stderr, code = e2e.Run(t, nil, "--print", "--max-memory", "99999999999GiB", file)
	if code != 2 || !strings.Contains(stderr, `--max-memory "99999999999GiB": too large: at most 4294967296GiB`) {
		t.Errorf("--max-memory 99999999999GiB: exit %d:\n%s", code, stderr)
	}
}
