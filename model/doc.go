// Package model turns Agent Desktop events into state and answers questions about it (filter,
// sort, stats, timeline, alerts). It is pure: no terminal, no network, no files.
//
// It also owns the envelope, the JSON object every event travels in ({type, agentId, ts, seq,
// params}): Decode reads it whole, PeekHead reads its head without decoding it, AppendEvent and
// AppendSnapshot write it, and EventTime says which time an event is filed under. The envelope
// lives here rather than in a package of its own because its rules (the ranges of ts and seq,
// null as absent, the last of a duplicated member winning) are the decoder's; every reader and
// writer elsewhere (feed, hub, the generator) calls these, so nothing copies them and every
// dependency points inward, to model.
package model
