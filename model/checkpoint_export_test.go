package model

// SameState exposes sameState (checkpoint_test.go) to the external tests.
var SameState = sameState
