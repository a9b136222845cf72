package localaws

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrNotIsolated reports that the process can reach a network interface other
// than loopback, so a server that binds every interface would be exposed.
var ErrNotIsolated = errors.New("not in a loopback-only network namespace")

// CheckLoopbackOnly returns nil when every interface that is up is a loopback
// interface, as inside `unshare --net` after `ip link set lo up`.
func CheckLoopbackOnly() error {
	interfaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list network interfaces: %w", err)
	}
	var exposed []string
	for _, iface := range interfaces {
		if iface.Flags&net.FlagUp != 0 && iface.Flags&net.FlagLoopback == 0 {
			exposed = append(exposed, iface.Name)
		}
	}
	if len(exposed) > 0 {
		return fmt.Errorf("%w: interfaces %s are up; run the tests through `make test`, which runs them under `unshare --net` with only loopback up",
			ErrNotIsolated, strings.Join(exposed, ", "))
	}
	return nil
}
