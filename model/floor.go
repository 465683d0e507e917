package model

import "time"

// The floor's statistics (issue 14): figures per service, per agent and for the whole floor, built
// incrementally from the event stream in event time, so a replay of a saved day gives exactly the
// figures the floor had. The README's "Floor statistics" section defines every figure; the
// definitions here follow it word for word.
//
// Event time is the envelope ts. An interaction is answered when it is first seen in delivered (or a
// state after delivery: hold, wrap_up, wrap_up_hold, completed); its wait runs from its start
// (startTime, else first seen) to that moment. It is abandoned when it ends (removed, or completed)
// without ever being answered. Its handle time runs from answer to its end (the first of completed or
// removal), so it includes hold and wrap-up.

// FloorWindow selects the span of event time the figures cover.
type FloorWindow int

const (
	// Rolling covers the last KPILimits.Window of event time (default 15 minutes); the views'
	// default, so it is the zero value.
	Rolling FloorWindow = iota
	// SinceStart covers everything since the stream began (a replay: the whole file).
	SinceStart
)

// The defaults of KPILimits.
const (
	DefaultStatsWindow        = 15 * time.Minute
	DefaultServiceLevelTarget = 20 * time.Second
)

// ServiceFigures are one service's figures at one moment, over one window. The "now" figures (Open,
// Waiting, LongestWait) are the same in both windows.
type ServiceFigures struct {
	// Service is the service's name ("" for interactions without one).
	Service string
	// Open counts its open interactions now; Waiting those now in queued, ivr or delivery_pending;
	// LongestWait is how long the oldest of those has waited (0 when none).
	Open, Waiting int
	LongestWait   time.Duration
	// Answered and Abandoned count the interactions answered / abandoned in the window.
	Answered, Abandoned int
	// ASA is the mean wait of the answered (HasASA false when none were).
	ASA    time.Duration
	HasASA bool
	// AHT is the mean handle time of the answered ones that ended (HasAHT false when none did);
	// Handled counts those.
	AHT     time.Duration
	HasAHT  bool
	Handled int
	// ServiceLevel is answered within Target ÷ (answered + abandoned) × 100 (HasServiceLevel
	// false when nothing ended or was answered); Target is the service's threshold T.
	ServiceLevel    float64
	HasServiceLevel bool
	Target          time.Duration
	// Transfers counts interactions whose service changed away from this one.
	Transfers int
}

// AgentFigures are one agent's figures at one moment, over one window.
type AgentFigures struct {
	// Agent is the agent's id ("" on a single-agent stream).
	Agent string
	// State, Reason and InState are now: the agent's state (StateLoggedOut when logged out or its
	// desktop is gone), the not-ready reason, and how long it has been in that state.
	State    AgentState
	Reason   string
	InState  time.Duration
	LoggedIn bool
	// Time spent logged in, and in each state, within the window.
	LoggedInTime, Ready, NotReady, Busy, ACW time.Duration
	// NotReadyBy splits NotReady by reason ("" for none given).
	NotReadyBy map[string]time.Duration
	// Handled counts their answered interactions that ended in the window; AHT is the mean handle
	// time of those (HasAHT false when none).
	Handled int
	AHT     time.Duration
	HasAHT  bool
	// Occupancy is (Busy + ACW) ÷ (LoggedInTime − NotReady) × 100 (HasOccupancy false when the
	// divisor is zero).
	Occupancy    float64
	HasOccupancy bool
	// Muted and UnrecordedVoice are the time their delivered voice calls spent muted / not
	// recording within the window.
	Muted, UnrecordedVoice time.Duration
}

// StateLoggedOut is the state AgentFigures and StateSpan report for a logged-out agent (not a
// state the desktop sends).
const StateLoggedOut AgentState = "logged_out"

// FloorFigures are the whole floor's figures at one moment, over one window.
type FloorFigures struct {
	Window FloorWindow
	// From is where the window starts in event time (the stream's first event for SinceStart).
	From time.Time
	// Services and Agents are sorted by name.
	Services []ServiceFigures
	Agents   []AgentFigures
	// Total sums the services (Service "": the floor); AgentTotal sums the agents (Agent "").
	// Their means and percentages are over the sums, not means of means.
	Total      ServiceFigures
	AgentTotal AgentFigures
	// ByState counts the agents now in each state (StateLoggedOut for the logged out).
	ByState map[AgentState]int
}

// StateSpan is a stretch of an agent's state history, from At until the next span's At (or now).
// Agent.States keeps the last ones, oldest first, for the timeline: a new span at every change of
// the state, the not-ready reason, or logged in / out (a gone desktop logs out); the first at the
// agent's first event. At most maxStateSpans (1000): past it the oldest quarter is dropped, so the
// last 750 or more are kept (more than two hours unless the agent changes state more than 375 times
// an hour).
type StateSpan struct {
	At     time.Time
	State  AgentState // StateLoggedOut while logged out or gone
	Reason string     // the not-ready reason, cut to MaxChangeText bytes
}

// KPILimits are the thresholds of the floor's figures: the service-level target T, the rolling
// window, and where a figure turns to warning or alert (the wallboard's tiles, the KPI alerts).
// A zero limit is off.
type KPILimits struct {
	// Window is the rolling window's length (default 15 minutes).
	Window time.Duration
	// Target is the service-level threshold T (default 20 s); Targets overrides it per service.
	Target  time.Duration
	Targets map[string]time.Duration
	// ServiceLevelWarn/Alert: a service level (percent) below them warns / alerts.
	ServiceLevelWarn, ServiceLevelAlert float64
	// LongestWaitWarn/Alert: a longest wait above them warns / alerts.
	LongestWaitWarn, LongestWaitAlert time.Duration
	// NotReadyWarn/Alert: an agent not ready longer than them warns / alerts.
	NotReadyWarn, NotReadyAlert time.Duration
}

// DefaultKPILimits are the limits without configuration.
func DefaultKPILimits() KPILimits {
	return KPILimits{Window: DefaultStatsWindow, Target: DefaultServiceLevelTarget,
		ServiceLevelWarn: 80, ServiceLevelAlert: 70,
		LongestWaitWarn: 60 * time.Second, LongestWaitAlert: 120 * time.Second,
		NotReadyWarn: 15 * time.Minute, NotReadyAlert: 30 * time.Minute}
}

// TargetFor is the service-level threshold T of service.
func (l KPILimits) TargetFor(service string) time.Duration {
	if t, ok := l.Targets[service]; ok {
		return t
	}
	if l.Target > 0 {
		return l.Target
	}
	return DefaultServiceLevelTarget
}

// Level says how a figure stands against its limits.
type Level int

// The levels, from fine to alert.
const (
	LevelOK Level = iota
	LevelWarn
	LevelAlert
)

// ServiceLevelLevel rates a service level (percent); no level yet is fine.
func (l KPILimits) ServiceLevelLevel(pct float64, has bool) Level {
	switch {
	case !has:
		return LevelOK
	case l.ServiceLevelAlert > 0 && pct < l.ServiceLevelAlert:
		return LevelAlert
	case l.ServiceLevelWarn > 0 && pct < l.ServiceLevelWarn:
		return LevelWarn
	}
	return LevelOK
}

// LongestWaitLevel rates a longest wait.
func (l KPILimits) LongestWaitLevel(d time.Duration) Level {
	return above(d, l.LongestWaitWarn, l.LongestWaitAlert)
}

// ServiceFiguresLevel rates a service's row: the worse of its service level and its longest wait,
// as the services view and the wallboard colour and mark it.
func (l KPILimits) ServiceFiguresLevel(s ServiceFigures) Level {
	return max(l.ServiceLevelLevel(s.ServiceLevel, s.HasServiceLevel), l.LongestWaitLevel(s.LongestWait))
}

// NotReadyLevel rates how long an agent has been not ready.
func (l KPILimits) NotReadyLevel(d time.Duration) Level {
	return above(d, l.NotReadyWarn, l.NotReadyAlert)
}

func above(d, warn, alert time.Duration) Level {
	switch {
	case alert > 0 && d > alert:
		return LevelAlert
	case warn > 0 && d > warn:
		return LevelWarn
	}
	return LevelOK
}

// FloorStats is the statistics part of a Snapshot: immutable once published, shared by its readers.
// Figures computes the figures at a moment from it. (The engine that fills it is floor_*.go.)
type FloorStats struct {
	limits KPILimits
	off    bool // WithoutFloorStats
	// window is the rolling window's length; g the width of its buckets (ns) and nb their number.
	window time.Duration
	g      int64
	nb     int
	epoch  uint64 // the store's epoch at the event being applied (pages of rings copy on it)
	// first is the stream's first event time (started once there was one); now the latest's.
	started    bool
	first, now time.Time
	services   map[string]*svcRec
	agents     map[string]*agentRec
	rows       map[string]rowFact    // the writer's own (nil in a snapshot)
	queues     map[string]*waitQueue // the writer's own, by service (nil in a snapshot)
}

// Limits are the KPI limits the statistics were built with.
func (f *FloorStats) Limits() KPILimits {
	if f == nil {
		return DefaultKPILimits()
	}
	return f.limits
}

// WithKPILimits sets the floor statistics' limits (window, service-level targets, thresholds).
func WithKPILimits(l KPILimits) Option { return func(s *Store) { s.floor.limits = l } }
