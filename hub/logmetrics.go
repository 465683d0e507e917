package hub

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// logCollector reports the log's figures at scrape time (jetlog.State), and how far the hub's
// apply loop is behind the log.
type logCollector struct {
	h                                 *Hub
	messages, bytes, first, last, lag *prometheus.Desc
}

// stateWait bounds the log's answer to a scrape.
const stateWait = 2 * time.Second

func newLogCollector(h *Hub) logCollector {
	const ns = "deskwatch_hub_log_"
	desc := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(ns+name, help, nil, nil) }
	return logCollector{h: h,
		messages: desc("messages", "Messages the log's stream holds."),
		bytes:    desc("bytes", "Bytes the log's stream holds."),
		first:    desc("first_seq", "The stream sequence of the oldest message kept."),
		last:     desc("last_seq", "The stream sequence of the newest message."),
		lag:      desc("apply_lag", "Messages of the log this hub has not applied yet (last_seq minus the last applied)."),
	}
}

func (c logCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.messages, c.bytes, c.first, c.last, c.lag} {
		ch <- d
	}
}

func (c logCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), stateWait)
	defer cancel()
	st, err := c.h.cfg.EventLog.State(ctx)
	if err != nil {
		return
	}
	c.h.mu.Lock()
	applied := c.h.lg.seq
	c.h.mu.Unlock()
	gauge := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
	gauge(c.messages, st.Messages)
	gauge(c.bytes, st.Bytes)
	gauge(c.first, st.FirstSeq)
	gauge(c.last, st.LastSeq)
	gauge(c.lag, st.LastSeq-min(applied, st.LastSeq))
}
