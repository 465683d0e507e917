package ui

import (
	"strconv"
	"strings"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// tile is one of the wallboard's floor figures: its label, its text and how it stands against its
// limits.
type tile struct {
	label, value string
	level        model.Level
}

// wallTiles is the number of floor tiles.
const wallTiles = 9

// floorTiles are the floor's tiles: agents ready / busy (busy and after-call work) / not ready,
// waiting now, longest wait, service level, answered, abandoned, handle time. The service level and
// the longest wait are rated against their limits; not ready by the longest an agent has been so.
func floorTiles(figs model.FloorFigures, limits model.KPILimits) [wallTiles]tile {
	t := figs.Total
	notReady := model.LevelOK
	for i := range figs.Agents {
		if a := &figs.Agents[i]; a.State == model.AgentNotReady {
			notReady = max(notReady, limits.NotReadyLevel(a.InState))
		}
	}
	count := func(states ...model.AgentState) string {
		n := 0
		for _, s := range states {
			n += figs.ByState[s]
		}
		return strconv.Itoa(n)
	}
	sl, aht := "-", "-"
	if t.HasServiceLevel {
		sl = export.PercentText(t.ServiceLevel) + "%"
	}
	if t.HasAHT {
		aht = model.FormatDuration(t.AHT)
	}
	return [wallTiles]tile{
		{"READY", count(model.AgentReady), model.LevelOK},
		{"BUSY", count(model.AgentBusy, model.AgentAfterCallWork), model.LevelOK},
		{"NOT READY", count(model.AgentNotReady), notReady},
		{"WAITING", strconv.Itoa(t.Waiting), model.LevelOK},
		{"LONGEST WAIT", model.FormatDuration(t.LongestWait), limits.LongestWaitLevel(t.LongestWait)},
		{"SERVICE LEVEL", sl, limits.ServiceLevelLevel(t.ServiceLevel, t.HasServiceLevel)},
		{"ANSWERED", strconv.Itoa(t.Answered), model.LevelOK},
		{"ABANDONED", strconv.Itoa(t.Abandoned), model.LevelOK},
		{"AHT", aht, model.LevelOK},
	}
}

// wallLayout is how the tiles lie: the digits' size, tiles per row, rows, and each tile's size.
type wallLayout struct {
	z            digitSize
	perRow, rows int
	tileW, tileH int
}

// widestFigure is what a tile must have room for at least, so the layout does not change as a
// figure grows from 9:59 to 10:00.
const widestFigure = "00:00"

// layout picks the biggest digits whose tiles fit the pane and leave a few lines for the services
// (big digits only; small ones leave what is left), and the fewest rows of tiles at that size.
func (w *wallView) layout(tiles [wallTiles]tile, services int) wallLayout {
	for _, z := range digitSizes {
		need, _ := blockWidth(widestFigure, z)
		for _, t := range tiles {
			if vw, ok := blockWidth(t.value, z); ok {
				need = max(need, vw)
			}
			need = max(need, width(t.label)+2)
		}
		perRow := min(wallTiles, w.width/(need+2))
		if perRow == 0 {
			continue
		}
		rows := (wallTiles + perRow - 1) / perRow
		perRow = (wallTiles + rows - 1) / rows
		l := wallLayout{z: z, perRow: perRow, rows: rows, tileW: w.width / perRow, tileH: 1 + z.lines()}
		reserve := 0
		if z >= digitsBig {
			l.tileH++ // a blank line under each row of big tiles
			if services > 0 {
				reserve = min(services, 3) + 1
			}
		}
		if z == digitsPlain || 1+rows*l.tileH+reserve <= w.height {
			return l
		}
	}
	return wallLayout{} // not reached: plain always fits
}

// drawTiles writes the rows of tiles, each line starting on a new line.
func (w *wallView) drawTiles(b *strings.Builder, tiles [wallTiles]tile, l wallLayout) {
	for r := range l.rows {
		row := tiles[r*l.perRow : min((r+1)*l.perRow, wallTiles)]
		for line := range l.tileH {
			b.WriteByte('\n')
			for _, t := range row {
				w.tileLine(b, t, line, l)
			}
		}
	}
}

// tileLine writes one line of a tile, tileW cells: the label (with the level's glyph), a line of
// its figure, or the blank under it.
func (w *wallView) tileLine(b *strings.Builder, t tile, line int, l wallLayout) {
	st := w.c.Styles
	style := levelStyle(st, t.level)
	if line == 0 {
		label := t.label
		if t.level != model.LevelOK {
			label = levelMark(t.level) + " " + label
		}
		label = center(label, l.tileW)
		if t.level != model.LevelOK && st.Theme.Mono {
			style = style.Reverse(true)
		} else if t.level == model.LevelOK {
			style = st.Dim
		}
		b.WriteString(style.Render(label))
		return
	}
	lines := w.figure(t.value, l.z, l.tileW-2)
	if line-1 >= len(lines) || lines[line-1] == "" {
		b.WriteString(strings.Repeat(" ", l.tileW))
		return
	}
	b.WriteString(style.Render(center(lines[line-1], l.tileW)))
}

// figure draws a figure at size z, or smaller when it does not fit room, as z.lines() lines (the
// smaller ones centred among them; blank lines are "").
func (w *wallView) figure(s string, z digitSize, room int) []string {
	k := digitKey{z: z, text: s, room: room}
	if lines, ok := w.digits[k]; ok {
		return lines
	}
	out := make([]string, z.lines())
	for _, zz := range digitSizes {
		if zz > z {
			continue
		}
		bw, ok := blockWidth(s, zz)
		if !ok || (bw > room && zz != digitsPlain) {
			continue
		}
		lines, _ := blockLines(s, zz)
		copy(out[(len(out)-len(lines))/2:], lines)
		break
	}
	if len(w.digits) >= maxDigitCache {
		clear(w.digits)
	}
	w.digits[k] = out
	return out
}

// center pads s on both sides to n cells (cut when longer).
func center(s string, n int) string {
	sw := width(s)
	if sw >= n {
		return clean(s, n)
	}
	left := (n - sw) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", n-sw-left)
}
