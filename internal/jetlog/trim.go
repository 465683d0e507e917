package jetlog

import (
	"cmp"
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/deskwatch/deskwatch/internal/periodic"
)

// The stream's size bound (Config.HistoryBytes) is kept in steps by the hub that leads the stream:
// once the stream holds more than trimAt of the bound, one purge drops its oldest messages down to
// about trimTo of it. Left to JetStream, a full stream drops its oldest message for each new one,
// and for each the file store loads and indexes the oldest block again whenever its cache was let
// go: at 5,000 events a second that work made the hubs' deliveries late by seconds, or brought them
// down (BENCHMARKS.md, section 11). JetStream's own bound stays, should the trimming fall behind.
const (
	trimEvery = time.Second
	trimAt    = 0.95
	trimTo    = 0.85
)

// startTrim runs trim every trimEvery (Config.trimEvery in tests) while this hub leads the
// stream, until the log closes.
func (l *Log) startTrim() {
	every := cmp.Or(l.cfg.trimEvery, trimEvery)
	if every < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	unregister, ok := l.st.follow(cancel)
	if !ok {
		cancel()
		return
	}
	go func() {
		defer unregister()
		failing, trimmed := false, false
		periodic.Every(ctx.Done(), every, func(time.Time) bool {
			if !l.Leads() {
				return true
			}
			n, err := l.trim(ctx)
			if n > 0 && !trimmed {
				l.st.logf("jetlog: the log reached %.0f%% of its size bound: from now on its oldest events are "+
					"dropped, %d this time, down to %.0f%% each time", 100*trimAt, n, 100*trimTo)
				trimmed = true
			}
			switch {
			case err != nil && ctx.Err() == nil && !failing:
				l.st.logf("jetlog: trimming the oldest events to the size bound: %v (JetStream's own bound holds meanwhile)", err)
				failing = true
			case err == nil && failing:
				l.st.logf("jetlog: trimming the oldest events works again")
				failing = false
			}
			return true
		})
	}()
}

// trim drops the stream's oldest messages in one purge when it holds more than trimAt of its size
// bound, down to about trimTo of it (by the stream's mean message size), and returns how many.
func (l *Log) trim(ctx context.Context) (uint64, error) {
	limit := float64(streamConfig(l.cfg).MaxBytes)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	info, err := l.st.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	st := info.State
	if st.Msgs == 0 || float64(st.Bytes) <= trimAt*limit {
		return 0, nil
	}
	keep := uint64(trimTo * limit / (float64(st.Bytes) / float64(st.Msgs)))
	keep = max(min(keep, st.Msgs-1), 1)
	// By sequence, not WithPurgeKeep: the file store drops whole blocks before the sequence at
	// once, where a purge keeping a count goes message by message, writing a tombstone for each,
	// under the store's lock (nats-server's fileStore.PurgeEx): at 1 GiB over a hundred thousand.
	if err := l.st.stream.Purge(ctx, jetstream.WithPurgeSequence(st.LastSeq-keep+1)); err != nil {
		return 0, err
	}
	return st.Msgs - keep, nil
}
