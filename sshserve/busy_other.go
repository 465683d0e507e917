//go:build !unix

package sshserve

import "time"

// processCPU is not measured here: the frame interval stays at Config.FrameInterval.
func processCPU() time.Duration { return 0 }
