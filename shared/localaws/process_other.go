//go:build !linux

package localaws

import "os/exec"

// setParentDeathSignal does nothing outside Linux, which has no Pdeathsig.
// NOTE: there, a child outlives a test binary that is killed before it calls
// Stop.
func setParentDeathSignal(*exec.Cmd) {}
