package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// The header's sparkline shows the most interactions open at once in each of the last
// sparkPoints steps of the store's trend (model.TrendStep each).
const sparkPoints = 30

// sparkSpanFor labels the span n steps cover, e.g. "5m" or "2m20s".
func sparkSpanFor(n int) string {
	d := time.Duration(n) * model.TrendStep
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return strconv.Itoa(s) + "s"
	case s == 0:
		return strconv.Itoa(m) + "m"
	}
	return strconv.Itoa(m) + "m" + strconv.Itoa(s) + "s"
}

var sparkBars = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last n trend points, scaled from zero to their maximum. Steps between the
// newest point and now (a quiet feed) carry its open count, so the line keeps moving with time.
// It is "" until there is a trend.
func sparkline(points []model.TrendPoint, n int, now time.Time) string {
	if len(points) == 0 || n <= 0 {
		return ""
	}
	vals := make([]int, 0, n+len(points))
	for _, p := range points {
		vals = append(vals, p.Open)
	}
	last := points[len(points)-1]
	if !now.IsZero() {
		quiet := int(now.Sub(last.At) / model.TrendStep)
		for i := 0; i < min(quiet, n); i++ {
			vals = append(vals, last.Open)
		}
	}
	vals = vals[max(len(vals)-n, 0):]
	top := 0
	for _, v := range vals {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if top > 0 {
			i = v * (len(sparkBars) - 1) / top
		}
		b.WriteRune(sparkBars[i])
	}
	return b.String()
}
